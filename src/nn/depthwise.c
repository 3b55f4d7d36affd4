/*
 * depthwise.c — depthwise convolution (depthwise.h).
 */
#include "nn/depthwise.h"
#include "nn/simd.h"

/* The taps [k0, k1) of a window starting at `start` (stride-scaled, padding subtracted) that land
   inside [0, size). */
static void valid_taps(int start, int k, int dil, int size, int *k0, int *k1)
{
    int a = 0, b = k;
    while (a < b && start + a * dil < 0) a++;
    while (b > a && start + (b - 1) * dil >= size) b--;
    *k0 = a;
    *k1 = b;
}

static inline float act1(float v, nn_act act)
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

/* One output pixel, multiplier 1: x points at input pixel (iy0, ix0) of the first valid tap, w at
   that tap's filter row; taps step by dy/dx floats in the input and wy/wx floats in the filter. */
#define DW_PIXEL_ARGS const float *x, const float *w, float *o, const float *bias, int c, int ny, int nx, \
                      size_t dy, size_t dx, size_t wy, size_t wx, nn_act act

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
                const float *xp = x + ky * dy + kx * dx + ch, *wp = w + ky * wy + kx * wx + ch;
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
            for (int kx = 0; kx < nx; kx++) a += NN_V16C(x + ky * dy + kx * dx + ch) * NN_V16C(w + ky * wy + kx * wx + ch);
        ACT16(a, act);
        NN_V16(o + ch) = a;
    }
    for (; ch < c; ch++) {
        float a = bias ? bias[ch] : 0.0f;
        for (int ky = 0; ky < ny; ky++)
            for (int kx = 0; kx < nx; kx++) a += x[ky * dy + kx * dx + ch] * w[ky * wy + kx * wx + ch];
        o[ch] = act1(a, act);
    }
}

/* Any multiplier: plain loops. */
static void dw_pixel_mult(const nn_depthwise *p, const float *x, const float *w, float *o, int ny, int nx,
                          size_t dy, size_t dx, size_t wy, size_t wx)
{
    int m = p->mult;
    for (int ch = 0; ch < p->c; ch++)
        for (int j = 0; j < m; j++) {
            int oc = ch * m + j;
            float a = p->bias ? p->bias[oc] : 0.0f;
            for (int ky = 0; ky < ny; ky++)
                for (int kx = 0; kx < nx; kx++) a += x[ky * dy + kx * dx + ch] * w[ky * wy + kx * wx + oc];
            o[oc] = act1(a, p->act);
        }
}

void nn_depthwise_rows(const nn_depthwise *p, const float *in, float *out, size_t row0, size_t row1)
{
    size_t c = (size_t)p->c, oc = c * (size_t)p->mult;
    size_t dy = (size_t)p->dh * p->w * c, dx = (size_t)p->dw * c;   /* input step per tap */
    size_t wy = (size_t)p->kw * oc, wx = oc;                         /* filter step per tap */
    for (size_t r = row0; r < row1; r++) {
        int b = (int)(r / (size_t)p->oh), oy = (int)(r % (size_t)p->oh);
        int ystart = oy * p->sh - p->pad_top, ky0, ky1;
        valid_taps(ystart, p->kh, p->dh, p->h, &ky0, &ky1);
        const float *img = in + (size_t)b * p->h * p->w * c;
        float *orow = out + r * (size_t)p->ow * oc;
        for (int ox = 0; ox < p->ow; ox++) {
            int xstart = ox * p->sw - p->pad_left, kx0, kx1;
            valid_taps(xstart, p->kw, p->dw, p->w, &kx0, &kx1);
            float *o = orow + (size_t)ox * oc;
            int ny = ky1 - ky0, nx = kx1 - kx0;
            if (ny <= 0 || nx <= 0) { /* the window lies wholly in the padding */
                for (size_t ch = 0; ch < oc; ch++) o[ch] = act1(p->bias ? p->bias[ch] : 0.0f, p->act);
                continue;
            }
            const float *x = img + ((size_t)(ystart + ky0 * p->dh) * p->w + (size_t)(xstart + kx0 * p->dw)) * c;
            const float *w = p->filter + (size_t)ky0 * wy + (size_t)kx0 * wx;
            if (p->mult == 1) dw_pixel(x, w, o, p->bias, p->c, ny, nx, dy, dx, wy, wx, p->act);
            else dw_pixel_mult(p, x, w, o, ny, nx, dy, dx, wy, wx);
        }
    }
}
