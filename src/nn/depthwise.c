/*
 * depthwise.c — depthwise convolution (depthwise.h).
 */
#include "nn/depthwise.h"
#include "nn/simd.h"

/* The taps [k0, k1) of a window starting at `start` (stride-scaled, padding subtracted) that land
   inside [0, size). */
static void valid_taps(int start, int k, int dil, int size, int *k0, int *k1)
{
    long a = start < 0 ? (-(long)start + dil - 1) / dil : 0;
    long last = (long)size - 1 - start;                 /* the furthest tap offset still inside */
    long b = last < 0 ? 0 : last / dil + 1;
    if (b > k) b = k;
    if (a > b) a = b;
    *k0 = (int)a;
    *k1 = (int)b;
}

static inline __attribute__((always_inline)) float act1(float v, nn_act act)
{
    if (act == NN_ACT_NONE) return v;
    if (v < 0.0f) v = 0.0f;
    if (act == NN_ACT_RELU6 && v > 6.0f) v = 6.0f;
    return v;
}

/* Applies act to the vector variable v. */
#define ACT16(v, act)                                                                                  \
    do {                                                                                               \
        if ((act) != NN_ACT_NONE) NN_V16_RELU(v);                                                      \
        if ((act) == NN_ACT_RELU6) NN_V16_CAP(v, 6.0f);                                                \
    } while (0)

/* Input rows of one output row: rp[i] is the row of the i-th valid vertical tap; a pixel's taps are
   at rp[ky] + xo + kx·dx (floats), its filter taps at w + ky·wy + kx·wx. */
#define DW_PIXEL_ARGS const float *const *rp, size_t xo, const float *w, float *o, const float *bias, int c, \
                      int ny, int nx, size_t dx, size_t wy, size_t wx, nn_act act

/* One output pixel, multiplier 1. */
NN_CLONES static void dw_pixel(DW_PIXEL_ARGS)
{
    int ch = 0;
    for (; ch + 64 <= c; ch += 64) {
        nn_v16 a0, a1, a2, a3;
        if (bias) {
            a0 = NN_V16C(bias + ch);
            a1 = NN_V16C(bias + ch + 16);
            a2 = NN_V16C(bias + ch + 32);
            a3 = NN_V16C(bias + ch + 48);
        } else {
            a0 = a1 = a2 = a3 = NN_SPLAT(0.0f);
        }
        for (int ky = 0; ky < ny; ky++)
            for (int kx = 0; kx < nx; kx++) {
                const float *xp = rp[ky] + xo + kx * dx + ch, *wp = w + ky * wy + kx * wx + ch;
                a0 += NN_V16C(xp) * NN_V16C(wp);
                a1 += NN_V16C(xp + 16) * NN_V16C(wp + 16);
                a2 += NN_V16C(xp + 32) * NN_V16C(wp + 32);
                a3 += NN_V16C(xp + 48) * NN_V16C(wp + 48);
            }
        ACT16(a0, act);
        ACT16(a1, act);
        ACT16(a2, act);
        ACT16(a3, act);
        NN_V16(o + ch) = a0;
        NN_V16(o + ch + 16) = a1;
        NN_V16(o + ch + 32) = a2;
        NN_V16(o + ch + 48) = a3;
    }
    for (; ch + 16 <= c; ch += 16) {
        nn_v16 a = bias ? NN_V16C(bias + ch) : NN_SPLAT(0.0f);
        for (int ky = 0; ky < ny; ky++)
            for (int kx = 0; kx < nx; kx++) a += NN_V16C(rp[ky] + xo + kx * dx + ch) * NN_V16C(w + ky * wy + kx * wx + ch);
        ACT16(a, act);
        NN_V16(o + ch) = a;
    }
    for (; ch < c; ch++) {
        float a = bias ? bias[ch] : 0.0f;
        for (int ky = 0; ky < ny; ky++)
            for (int kx = 0; kx < nx; kx++) a += rp[ky][xo + kx * dx + ch] * w[ky * wy + kx * wx + ch];
        o[ch] = act1(a, act);
    }
}

/* Four neighbouring output pixels whose windows all lie inside the input (the common case): the
   same filter taps for all four, so each weight vector is loaded once for four sums, and the four
   sums are independent chains. Pixel i's input starts at xo + i·xs; its output at o + i·c. */
NN_CLONES static void dw_pixels4(const float *const *rp, size_t xo, const float *w, float *o, const float *bias, int c,
                                 int ny, int nx, size_t dx, size_t wy, size_t wx, size_t xs, nn_act act)
{
    int ch = 0;
    for (; ch + 16 <= c; ch += 16) {
        nn_v16 b = bias ? NN_V16C(bias + ch) : NN_SPLAT(0.0f);
        nn_v16 a0 = b, a1 = b, a2 = b, a3 = b;
        for (int ky = 0; ky < ny; ky++)
            for (int kx = 0; kx < nx; kx++) {
                const float *xp = rp[ky] + xo + kx * dx + ch;
                nn_v16 wv = NN_V16C(w + ky * wy + kx * wx + ch);
                a0 += NN_V16C(xp) * wv;
                a1 += NN_V16C(xp + xs) * wv;
                a2 += NN_V16C(xp + 2 * xs) * wv;
                a3 += NN_V16C(xp + 3 * xs) * wv;
            }
        ACT16(a0, act);
        ACT16(a1, act);
        ACT16(a2, act);
        ACT16(a3, act);
        NN_V16(o + ch) = a0;
        NN_V16(o + c + ch) = a1;
        NN_V16(o + 2 * (size_t)c + ch) = a2;
        NN_V16(o + 3 * (size_t)c + ch) = a3;
    }
    for (; ch < c; ch++)
        for (int i = 0; i < 4; i++) {
            float a = bias ? bias[ch] : 0.0f;
            for (int ky = 0; ky < ny; ky++)
                for (int kx = 0; kx < nx; kx++) a += rp[ky][xo + i * xs + kx * dx + ch] * w[ky * wy + kx * wx + ch];
            o[(size_t)i * c + ch] = act1(a, act);
        }
}

/* Any multiplier: plain loops. */
static void dw_pixel_mult(const nn_depthwise *p, const float *const *rp, size_t xo, const float *w, float *o, int ny,
                          int nx, size_t dx, size_t wy, size_t wx)
{
    int m = p->mult;
    for (int ch = 0; ch < p->c; ch++)
        for (int j = 0; j < m; j++) {
            int oc = ch * m + j;
            float a = p->bias ? p->bias[oc] : 0.0f;
            for (int ky = 0; ky < ny; ky++)
                for (int kx = 0; kx < nx; kx++) a += rp[ky][xo + kx * dx + ch] * w[ky * wy + kx * wx + oc];
            o[oc] = act1(a, p->act);
        }
}

void nn_depthwise_row(const nn_depthwise *p, const float *const *rows, int oy, float *out)
{
    size_t c = (size_t)p->c, oc = c * (size_t)p->mult;
    size_t dx = (size_t)p->dw * c;                                   /* input step per tap */
    size_t wy = (size_t)p->kw * oc, wx = oc;                         /* filter step per tap */
    int ky0, ky1;
    valid_taps(oy * p->sh - p->pad_top, p->kh, p->dh, p->h, &ky0, &ky1);
    const float *const *rp = rows + ky0;
    int ny = ky1 - ky0;
    /* output columns whose whole window lies inside the input: [ox_in0, ox_in1) */
    int span = (p->kw - 1) * p->dw, ox_in0 = 0, ox_in1;
    while (ox_in0 < p->ow && ox_in0 * p->sw - p->pad_left < 0) ox_in0++;
    ox_in1 = ox_in0;
    while (ox_in1 < p->ow && ox_in1 * p->sw - p->pad_left + span < p->w) ox_in1++;
    for (int ox = 0; ox < p->ow; ox++) {
        int xstart = ox * p->sw - p->pad_left, kx0, kx1;
        float *o = out + (size_t)ox * oc;
        if (p->mult == 1 && ny > 0 && ox >= ox_in0 && ox + 4 <= ox_in1) {
            dw_pixels4(rp, (size_t)xstart * c, p->filter + (size_t)ky0 * wy, o, p->bias, p->c, ny, p->kw, dx, wy, wx,
                       (size_t)p->sw * c, p->act);
            ox += 3;
            continue;
        }
        valid_taps(xstart, p->kw, p->dw, p->w, &kx0, &kx1);
        int nx = kx1 - kx0;
        if (ny <= 0 || nx <= 0) { /* the window lies wholly in the padding */
            for (size_t ch = 0; ch < oc; ch++) o[ch] = act1(p->bias ? p->bias[ch] : 0.0f, p->act);
            continue;
        }
        size_t xo = (size_t)(xstart + kx0 * p->dw) * c;
        const float *w = p->filter + (size_t)ky0 * wy + (size_t)kx0 * wx;
        if (p->mult == 1) dw_pixel(rp, xo, w, o, p->bias, p->c, ny, nx, dx, wy, wx, p->act);
        else dw_pixel_mult(p, rp, xo, w, o, ny, nx, dx, wy, wx);
    }
}

void nn_depthwise_rows(const nn_depthwise *p, const float *in, float *out, size_t row0, size_t row1)
{
    size_t row_floats = (size_t)p->w * p->c, oc = (size_t)p->c * p->mult;
    const float *rows[NN_DEPTHWISE_MAX_K];
    for (size_t r = row0; r < row1; r++) {
        int b = (int)(r / (size_t)p->oh), oy = (int)(r % (size_t)p->oh);
        const float *img = in + (size_t)b * p->h * row_floats;
        for (int ky = 0; ky < p->kh; ky++) {
            int iy = oy * p->sh - p->pad_top + ky * p->dh;
            rows[ky] = iy >= 0 && iy < p->h ? img + (size_t)iy * row_floats : NULL;
        }
        nn_depthwise_row(p, rows, oy, out + r * (size_t)p->ow * oc);
    }
}
