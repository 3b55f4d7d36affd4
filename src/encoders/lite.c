/*
 * lite.c — the built-in encoder "lite-1": hand-made image statistics, no weights.
 *
 * It gives the classifier the cues that tell photographs from screenshots, UI, text images and
 * memes (flat areas, few exact colours, axis-aligned step edges), and good photos from weak ones
 * (exposure, contrast, colour, focus, noise). Everything is computed on the 8-bit sRGB preview.
 *
 * Y' is luma from BT.709 weights (in 8.8 fixed point) on the gamma-encoded values, in 0..1; the
 * tone statistics use it rounded to 8 bits, the filters at full precision. "Strong edge" means a Sobel
 * magnitude (kernel divided by 8, so a step of height d reads d/2) above 0.1. Neighbourhoods are
 * clamped at the border, so every size down to 1×1 is defined. squash(x, k) = ln(1 + x/k) /
 * ln(1 + 1/k) maps 0..1 onto 0..1 log-compressed with its knee at k, for quantities that span
 * decades. Shares are of all pixels unless said otherwise; a ratio whose denominator is empty is 0.
 *
 * Layout (LITE_DIM = 48 floats; changing it means a new id):
 *  Tone
 *    0       mean Y'
 *    1       std Y' × 2
 *    2–4     5th, 50th, 95th percentile of Y'
 *    5–12    Y' histogram, 8 equal bins, shares of pixels
 *    13, 14  shares clipped black (Y' ≤ 2/255) and white (Y' ≥ 253/255)
 *    15      entropy of the 256-level Y' histogram, bits / 8
 *  Colour
 *    16–18   mean R, G, B (0..1)
 *    19, 20  mean HSV saturation, std × 2
 *    21–28   hue histogram, 8 bins of 45° centred on 0° (red), 45°, 90°, … 315°; each bin is the
 *            summed chroma (max − min, 0..1) of its pixels over the pixel count. Chroma rather than
 *            HSV saturation weights it, because dark pixels reach full saturation from sensor noise.
 *    29      share of achromatic pixels (chroma < 12/255)
 *    30      colourfulness M of Hasler & Süsstrunk (2003), 0..255 units, / 100
 *  Sharpness (full preview, then a 2×2 box-downsampled copy)
 *    31, 34  squash(mean |4-neighbour Laplacian| / 4, 0.01)
 *    32, 35  squash(mean Sobel gx² + gy², / 0.5, 0.001)
 *    33, 36  edge density: share of strong-edge pixels
 *    37      centre focus: ln((Lc + 0.001) / (L + 0.001)), clamped to ±3, where Lc and L are mean
 *            |Laplacian| over the central third and over the whole preview (subject in focus)
 *  Synthetic / text
 *    38      flat share: pixels whose 3×3 neighbourhood is one exact RGB colour
 *    39      distinct colours after 4-bit quantisation per channel: ln(1 + n) / ln(1 + 4096)
 *    40      share of the most common quantised colour
 *    41      entropy of the quantised colour histogram, bits / 12
 *    42      edges on flat ground: share of strong-edge pixels in 8×8 tiles that hold a flat pixel
 *    43      axis-aligned edges: share of strong-edge pixels whose gradient is within 11.3° of an
 *            axis (about 0.25 for edges of random orientation, higher for UI and text; corners
 *            read as diagonal, so it stays below 1 even for pure UI)
 *    44      horizontal/vertical balance: (Σ|gx| − Σ|gy|) / (Σ|gx| + Σ|gy|)
 *  Noise (Immerkær 1996: σ = √(π/2) / 6 · mean |I ∗ [1 −2 1; −2 4 −2; 1 −2 1]|, 0..255 units,
 *  over interior pixels; 0 when the preview is under 3 pixels on a side)
 *    45      squash(σ / 255, 0.004) over all interior pixels
 *    46      the same over the smooth interior pixels, Sobel magnitude ≤ 0.05 (after Tai & Yang
 *            2008), so that edges and text do not read as noise
 *  Geometry
 *    47      ln(w / h) of the preview, clamped to ±3
 *
 * encode() keeps no state between calls: its scratch memory is allocated per call.
 */
#include "encoders/encoder.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    F_Y_MEAN, F_Y_STD, F_Y_P5, F_Y_P50, F_Y_P95,
    F_Y_HIST, F_CLIP_BLACK = F_Y_HIST + 8, F_CLIP_WHITE, F_Y_ENTROPY,
    F_MEAN_R, F_MEAN_G, F_MEAN_B, F_SAT_MEAN, F_SAT_STD,
    F_HUE_HIST, F_GREY = F_HUE_HIST + 8, F_COLOURFUL,
    F_LAP, F_ENERGY, F_EDGES, F_LAP_HALF, F_ENERGY_HALF, F_EDGES_HALF, F_CENTRE_FOCUS,
    F_FLAT, F_COLOURS, F_TOP_COLOUR, F_COLOUR_ENTROPY, F_EDGES_ON_FLAT, F_AXIS_EDGES, F_HV_BALANCE,
    F_NOISE, F_NOISE_SMOOTH,
    F_ASPECT,
    LITE_DIM
};

#define EDGE_T 0.1f         /* strong-edge Sobel magnitude: a step of a fifth of the range */
#define AXIS_TAN 0.2f       /* tan 11.3°: half the 22.5° sector around each axis */
#define GREY_CHROMA 12      /* of 255: below this a pixel reads as achromatic */
#define SMOOTH_T 0.05f      /* Sobel magnitude below which a pixel counts as smooth for noise */
#define TILE 8              /* side of the tiles in which an edge counts as on plain ground */
_Static_assert(TILE % 4 == 0, "gradient_pass reads one tile flag per block of four pixels");

typedef struct {
    uint32_t luma_hist[256];        /* Y' quantised to 8 bits */
    uint32_t colour_hist[4096];     /* 4 bits per channel */
    uint64_t sum_r, sum_g, sum_b;
    double sum_s, sum_s2;           /* HSV saturation */
    uint64_t hue[8];                /* chroma (0..255) summed per hue bin */
    uint64_t grey;                  /* achromatic pixels */
    /* Squares of the Hasler–Süsstrunk opponent channels r − g and r + g − 2b (twice their yb), in
     * 0..255 units; their plain sums follow from the channel sums. */
    uint64_t sum_rg2, sum_yb2;
} colour_stats;

typedef struct {
    double lap;             /* mean |Laplacian| */
    double energy;          /* mean gx² + gy² */
    double density;         /* share of strong-edge pixels */
    double centre_lap;      /* mean |Laplacian| over the central third */
    double axis;            /* share of strong edges within 11.3° of an axis */
    double on_flat;         /* share of strong edges in tiles that hold a flat pixel */
    double hv;              /* (Σ|gx| − Σ|gy|) / (Σ|gx| + Σ|gy|) */
    double noise;           /* Immerkær σ over all interior pixels */
    double noise_smooth;    /* the same over the interior pixels with Sobel magnitude ≤ SMOOTH_T */
} grad_stats;

/*
 * A luma plane with a border that repeats the edge pixels, so the 3×3 filters need no bounds
 * checks: pixel (x, y) is px[(y + 1) * stride + x + 1]. One row and column of border on each side,
 * and on the right enough more to make whole blocks of four for the gradient pass.
 */
typedef struct {
    int w, h, stride;
    float *px;
} plane;

static plane plane_of(int w, int h)
{
    return (plane){w, h, (w + 3) / 4 * 4 + 2, NULL};
}

static size_t plane_floats(const plane *pl)
{
    return (size_t)pl->stride * (size_t)(pl->h + 2);
}

static float *plane_row(const plane *pl, int y)
{
    return pl->px + (size_t)(y + 1) * pl->stride + 1;
}

static void plane_fill_border(plane *pl)
{
    for (int y = 0; y < pl->h; y++) {
        float *row = plane_row(pl, y);
        row[-1] = row[0];
        for (int x = pl->w; x < pl->stride - 1; x++)
            row[x] = row[pl->w - 1];
    }
    memcpy(pl->px, pl->px + pl->stride, (size_t)pl->stride * sizeof *pl->px);
    memcpy(pl->px + (size_t)(pl->h + 1) * pl->stride, pl->px + (size_t)pl->h * pl->stride,
           (size_t)pl->stride * sizeof *pl->px);
}

static double ratio(double num, double den)
{
    return den > 0 ? num / den : 0;
}

static float squash(double x, double knee)
{
    return (float)(log1p(x / knee) / log1p(1 / knee));
}

static double std_from(double sum, double sum2, double n)
{
    double mean = sum / n, var = sum2 / n - mean * mean;
    return var > 0 ? sqrt(var) : 0;
}

static double clamp(double x, double lim)
{
    return x < -lim ? -lim : x > lim ? lim : x;
}

static double entropy_bits(const uint32_t *hist, int bins, double n)
{
    double e = 0;
    for (int b = 0; b < bins; b++)
        if (hist[b]) {
            double p = hist[b] / n;
            e -= p * log2(p);
        }
    return e;
}

/* Smallest 8-bit level at or below which a share q of the pixels lie, in 0..1. */
static float percentile(const uint32_t hist[256], double n, double q)
{
    int b = 0;
    for (double cum = hist[0]; cum < q * n && b < 255; cum += hist[++b]) {}
    return b / 255.0f;
}

/*
 * The 45° bin (centred on 0°, 45°, … 315°) of a pixel's HSV hue. In sextants the hue is
 * base + num / chroma, with base 0, 2 or 4 when red, green or blue is the largest channel, and the
 * bin is ⌊(8·hue + 3) / 6⌋ mod 8 (ties go to the upper bin). Adding 48·chroma, eight whole bins, to
 * the numerator keeps it positive for integer division. Branch-free, because in dark noisy areas
 * the largest channel changes from pixel to pixel. An achromatic pixel gets an arbitrary bin, but
 * it weighs nothing there.
 */
static int hue_bin(int r, int g, int b, int max, int chroma)
{
    int is_r = max == r, is_g = !is_r & (max == g), is_b = !is_r & !is_g;
    int base = 2 * is_g + 4 * is_b;
    int num = is_r * (g - b) + is_g * (b - r) + is_b * (r - g);
    return ((8 * base + 51) * chroma + 8 * num) / (6 * chroma + (chroma == 0)) & 7;
}

/*
 * One pass over the pixels: the luma plane and packed RGB for the later passes, and the colour
 * statistics. Integer sums where the inputs are bytes, so they are exact and cheap; the sums live in
 * locals per row, because stores through cs would have to be redone after every histogram update.
 */
static void colour_pass(const rgb_image *img, plane *luma, uint32_t *packed, colour_stats *cs)
{
    memset(cs, 0, sizeof *cs);
    for (int y = 0; y < img->height; y++) {
        const uint8_t *p = img->rgb + (size_t)y * img->width * 3;
        float *lrow = plane_row(luma, y);
        uint32_t *prow = packed + (size_t)y * img->width;
        uint64_t sr = 0, sg = 0, sb = 0, grey = 0, srg2 = 0, syb2 = 0;
        float ss = 0, ss2 = 0;
        for (int x = 0; x < img->width; x++, p += 3) {
            int r = p[0], g = p[1], b = p[2];
            int max = r > g ? r : g, min = r < g ? r : g;
            max = max > b ? max : b;
            min = min < b ? min : b;
            int chroma = max - min;

            int y16 = 54 * r + 183 * g + 19 * b; /* BT.709 weights in 8.8 fixed point: 0..65280 */
            lrow[x] = (float)y16 * (1.0f / 65280);
            prow[x] = (uint32_t)r << 16 | (uint32_t)g << 8 | (uint32_t)b;
            cs->luma_hist[(y16 + 128) >> 8]++;
            cs->colour_hist[(r >> 4) << 8 | (g >> 4) << 4 | b >> 4]++;
            sr += (uint64_t)r;
            sg += (uint64_t)g;
            sb += (uint64_t)b;

            float s = max > 0 ? (float)chroma / max : 0;
            ss += s;
            ss2 += s * s;
            cs->hue[hue_bin(r, g, b, max, chroma)] += (uint64_t)chroma;
            grey += chroma < GREY_CHROMA;

            int rg = r - g, yb = r + g - 2 * b;
            srg2 += (uint64_t)(rg * rg);
            syb2 += (uint64_t)(yb * yb);
        }
        cs->sum_r += sr;
        cs->sum_g += sg;
        cs->sum_b += sb;
        cs->grey += grey;
        cs->sum_s += ss;
        cs->sum_s2 += ss2;
        cs->sum_rg2 += srg2;
        cs->sum_yb2 += syb2;
    }
    plane_fill_border(luma);
}

/* Immerkær σ in 0..255 units from the summed |response| (0..1 units) over n pixels. */
static double immerkaer_sigma(double sum_resp, size_t n)
{
    return n > 0 ? sqrt(M_PI / 2) / 6 * 255 * sum_resp / (double)n : 0;
}

/*
 * A pixel is flat when it and all 8 neighbours (clamped at the border) have exactly the same RGB.
 * Returns how many pixels are flat and sets plain[tile] for every TILE×TILE tile holding one.
 *
 * The tiles tell edges drawn on plain ground (text, UI) from edges in photographs, which have next
 * to no flat pixels. Tiles rather than an edge's own neighbourhood, because inside a line of small
 * text every pixel is near a stroke and none is flat; the ground shows a few pixels away, between
 * lines and words.
 */
static int row_same(const uint32_t *row, int l, int i, int r, uint32_t v)
{
    return row[l] == v && row[i] == v && row[r] == v;
}

static size_t flat_pass(const uint32_t *px, int w, int h, uint8_t *plain)
{
    int tw = (w + TILE - 1) / TILE;
    size_t flat = 0;
    memset(plain, 0, (size_t)tw * ((h + TILE - 1) / TILE));
    for (int j = 0; j < h; j++) {
        const uint32_t *up = px + (size_t)(j > 0 ? j - 1 : 0) * w, *row = px + (size_t)j * w;
        const uint32_t *dn = px + (size_t)(j < h - 1 ? j + 1 : j) * w;
        uint8_t *tiles = plain + (size_t)(j / TILE) * tw;
        for (int i = 0; i < w; i++) {
            int l = i > 0 ? i - 1 : 0, r = i < w - 1 ? i + 1 : i;
            /* The middle row first: in photographs the left neighbour almost always differs. */
            int f = row_same(row, l, i, r, row[i]) && row_same(up, l, i, r, row[i]) &&
                    row_same(dn, l, i, r, row[i]);
            flat += (size_t)f;
            tiles[i / TILE] |= (uint8_t)f;
        }
    }
    return flat;
}

/*
 * The gradient pass works on four pixels at a time with GCC/Clang vector extensions, which lower
 * to SSE2 or NEON (or to scalar code elsewhere) without intrinsics: it is most of the encoder's
 * arithmetic. Comparisons give lanes of −1 (true) or 0, used as bit masks and counted by negation.
 */
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static v4f load4(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static v4f vabs(v4f x)
{
    return (v4f)((v4i)x & 0x7fffffff);
}

static v4f vmask(v4f x, v4i m)
{
    return (v4f)((v4i)x & m);
}

static double hsum(v4f v)
{
    return (double)v[0] + v[1] + v[2] + v[3];
}

static size_t hcount(v4i m)
{
    return (size_t)-(m[0] + m[1] + m[2] + m[3]);
}

/*
 * Laplacian, Sobel and Immerkær responses for every pixel of the luma plane. With plain (the tile
 * flags from flat_pass) it also counts the strong edges in tiles that hold a flat pixel. Rows are
 * read in blocks of four, past w into the plane's padding; those lanes are masked out.
 *
 * The smooth-pixel noise estimate leaves out pixels with a Sobel gradient, as Tai & Yang do, but
 * with a fixed threshold rather than their top-10% rule: text and UI have far more than 10% edge
 * pixels. The threshold costs no bias, because the Immerkær and Sobel masks are orthogonal, so on
 * Gaussian noise their responses are independent; heavy noise only leaves fewer pixels to average.
 */
static void gradient_pass(const plane *pl, const uint8_t *plain, grad_stats *gs)
{
    int w = pl->w, h = pl->h, tw = (w + TILE - 1) / TILE;
    int cx0 = w / 3, cx1 = w - w / 3, cy0 = h / 3, cy1 = h - h / 3;
    double lap = 0, energy = 0, centre = 0, sum_gx = 0, sum_gy = 0, resp_all = 0, resp_smooth = 0;
    size_t strong = 0, axis = 0, on_flat = 0, n_smooth = 0;
    const v4i lane = {0, 1, 2, 3};

    for (int j = 0; j < h; j++) {
        const float *up = plane_row(pl, j - 1), *row = plane_row(pl, j), *dn = plane_row(pl, j + 1);
        const uint8_t *tiles = plain ? plain + (size_t)(j / TILE) * tw : NULL;
        int inner_row = -(j > 0 && j < h - 1), centre_row = -(j >= cy0 && j < cy1);
        /* Per-row sums in float lanes, added into doubles at the end of the row. */
        v4f r_lap = {0}, r_energy = {0}, r_centre = {0}, r_gx = {0}, r_gy = {0}, r_all = {0}, r_smooth = {0};
        v4i r_strong = {0}, r_axis = {0}, r_flat = {0}, r_nsmooth = {0};
        for (int i = 0; i < w; i += 4) {
            v4f a = load4(up + i - 1), b = load4(up + i), c = load4(up + i + 1);
            v4f d = load4(row + i - 1), e = load4(row + i), f = load4(row + i + 1);
            v4f g = load4(dn + i - 1), k = load4(dn + i), m = load4(dn + i + 1);
            v4f gx = (c + 2.0f * f + m - a - 2.0f * d - g) * 0.125f;
            v4f gy = (g + 2.0f * k + m - a - 2.0f * b - c) * 0.125f;
            v4f lapl = vabs(b + d + f + k - 4.0f * e);
            v4f resp = vabs(a - 2.0f * b + c - 2.0f * d + 4.0f * e - 2.0f * f + g - 2.0f * k + m);
            v4f ax = vabs(gx), ay = vabs(gy), mag2 = gx * gx + gy * gy;

            v4i x = lane + i, valid = x < w;
            v4i is_edge = valid & (mag2 > EDGE_T * EDGE_T);
            /* min(ax, ay) ≤ tan·max(ax, ay), without the min and max */
            v4i is_axis = (ax <= AXIS_TAN * ay) | (ay <= AXIS_TAN * ax);
            v4i inner = inner_row & (x > 0) & (x < w - 1);
            v4i smooth = inner & (mag2 <= SMOOTH_T * SMOOTH_T);

            r_lap += vmask(lapl, valid);
            r_energy += vmask(mag2, valid);
            r_gx += vmask(ax, valid);
            r_gy += vmask(ay, valid);
            r_centre += vmask(lapl, centre_row & (x >= cx0) & (x < cx1));
            r_strong += is_edge;
            r_axis += is_edge & is_axis;
            if (tiles && tiles[i / TILE]) /* TILE is a multiple of 4: one tile per block */
                r_flat += is_edge;
            r_all += vmask(resp, inner);
            r_smooth += vmask(resp, smooth);
            r_nsmooth += smooth;
        }
        lap += hsum(r_lap);
        energy += hsum(r_energy);
        centre += hsum(r_centre);
        sum_gx += hsum(r_gx);
        sum_gy += hsum(r_gy);
        resp_all += hsum(r_all);
        resp_smooth += hsum(r_smooth);
        strong += hcount(r_strong);
        axis += hcount(r_axis);
        on_flat += hcount(r_flat);
        n_smooth += hcount(r_nsmooth);
    }
    double n = (double)w * h;
    size_t n_inner = w > 2 && h > 2 ? (size_t)(w - 2) * (size_t)(h - 2) : 0;
    gs->lap = lap / n;
    gs->energy = energy / n;
    gs->density = (double)strong / n;
    gs->centre_lap = centre / ((double)(cx1 - cx0) * (cy1 - cy0));
    gs->axis = ratio((double)axis, (double)strong);
    gs->on_flat = ratio((double)on_flat, (double)strong);
    gs->hv = ratio(sum_gx - sum_gy, sum_gx + sum_gy);
    gs->noise = immerkaer_sigma(resp_all, n_inner);
    gs->noise_smooth = immerkaer_sigma(resp_smooth, n_smooth);
}

/* 2×2 box average into dst, whose w and h are already set; an odd last row or column averages
 * the border copy of itself. */
static void downsample2(const plane *src, plane *dst)
{
    for (int j = 0; j < dst->h; j++) {
        const float *r0 = plane_row(src, 2 * j), *r1 = plane_row(src, 2 * j + 1);
        float *out = plane_row(dst, j);
        for (int i = 0; i < dst->w; i++)
            out[i] = (r0[2 * i] + r0[2 * i + 1] + r1[2 * i] + r1[2 * i + 1]) * 0.25f;
    }
    plane_fill_border(dst);
}

static void write_tone(const colour_stats *cs, double n, float *out)
{
    double sum = 0, sum2 = 0;
    for (int v = 0; v < 256; v++) {
        sum += (double)v * cs->luma_hist[v];
        sum2 += (double)v * v * cs->luma_hist[v];
    }
    out[F_Y_MEAN] = (float)(sum / n / 255);
    out[F_Y_STD] = (float)(2 * std_from(sum, sum2, n) / 255);
    out[F_Y_P5] = percentile(cs->luma_hist, n, 0.05);
    out[F_Y_P50] = percentile(cs->luma_hist, n, 0.50);
    out[F_Y_P95] = percentile(cs->luma_hist, n, 0.95);
    for (int b = 0; b < 8; b++) {
        uint32_t c = 0;
        for (int v = 32 * b; v < 32 * (b + 1); v++)
            c += cs->luma_hist[v];
        out[F_Y_HIST + b] = (float)(c / n);
    }
    out[F_CLIP_BLACK] = (float)((cs->luma_hist[0] + cs->luma_hist[1] + cs->luma_hist[2]) / n);
    out[F_CLIP_WHITE] = (float)((cs->luma_hist[253] + cs->luma_hist[254] + cs->luma_hist[255]) / n);
    out[F_Y_ENTROPY] = (float)(entropy_bits(cs->luma_hist, 256, n) / 8);
}

static void write_colour(const colour_stats *cs, double n, float *out)
{
    out[F_MEAN_R] = (float)(cs->sum_r / n / 255);
    out[F_MEAN_G] = (float)(cs->sum_g / n / 255);
    out[F_MEAN_B] = (float)(cs->sum_b / n / 255);
    out[F_SAT_MEAN] = (float)(cs->sum_s / n);
    out[F_SAT_STD] = (float)(2 * std_from(cs->sum_s, cs->sum_s2, n));
    for (int b = 0; b < 8; b++)
        out[F_HUE_HIST + b] = (float)(cs->hue[b] / n / 255);
    out[F_GREY] = (float)(cs->grey / n);
    /* yb is summed doubled, to stay in integers. */
    double sum_rg = (double)cs->sum_r - (double)cs->sum_g;
    double sum_yb = (double)cs->sum_r + (double)cs->sum_g - 2.0 * (double)cs->sum_b;
    double mrg = sum_rg / n, myb = sum_yb / n / 2;
    double srg = std_from(sum_rg, (double)cs->sum_rg2, n), syb = std_from(sum_yb, (double)cs->sum_yb2, n) / 2;
    out[F_COLOURFUL] = (float)((sqrt(srg * srg + syb * syb) + 0.3 * sqrt(mrg * mrg + myb * myb)) / 100);
}

static void write_sharpness(const grad_stats *gs, float *lap, float *energy, float *edges)
{
    *lap = squash(gs->lap / 4, 0.01);
    *energy = squash(gs->energy / 0.5, 0.001);
    *edges = (float)gs->density;
}

static void write_synthetic(const colour_stats *cs, const grad_stats *gs, double flat_share,
                            double n, float *out)
{
    uint32_t distinct = 0, top = 0;
    for (int c = 0; c < 4096; c++) {
        distinct += cs->colour_hist[c] > 0;
        top = cs->colour_hist[c] > top ? cs->colour_hist[c] : top;
    }
    out[F_FLAT] = (float)flat_share;
    out[F_COLOURS] = (float)(log1p(distinct) / log1p(4096));
    out[F_TOP_COLOUR] = (float)(top / n);
    out[F_COLOUR_ENTROPY] = (float)(entropy_bits(cs->colour_hist, 4096, n) / 12);
    out[F_EDGES_ON_FLAT] = (float)gs->on_flat;
    out[F_AXIS_EDGES] = (float)gs->axis;
    out[F_HV_BALANCE] = (float)gs->hv;
}

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int lite_encode(const encoder *enc, const rgb_image *img, float *out, char *err, size_t errlen)
{
    if (!img || !img->rgb || img->width <= 0 || img->height <= 0) {
        set_err(err, errlen, "lite: empty image");
        return -1;
    }
    int w = img->width, h = img->height;
    plane luma = plane_of(w, h), half = plane_of((w + 1) / 2, (h + 1) / 2);
    size_t n = (size_t)w * h, n_luma = plane_floats(&luma), n_half = plane_floats(&half);
    size_t tiles = (size_t)((w + TILE - 1) / TILE) * ((h + TILE - 1) / TILE);
    /* One block: the two planes and packed RGB (4-byte items), then the tile flags. */
    luma.px = malloc((n_luma + n_half + n) * 4 + tiles);
    if (!luma.px) {
        set_err(err, errlen, "lite: out of memory for a %dx%d image", w, h);
        return -1;
    }
    half.px = luma.px + n_luma;
    uint32_t *packed = (uint32_t *)(half.px + n_half);
    uint8_t *plain = (uint8_t *)(packed + n);

    colour_stats cs;
    grad_stats full, coarse;
    colour_pass(img, &luma, packed, &cs);
    size_t n_flat = flat_pass(packed, w, h, plain);
    gradient_pass(&luma, plain, &full);
    downsample2(&luma, &half);
    gradient_pass(&half, NULL, &coarse);

    write_tone(&cs, (double)n, out);
    write_colour(&cs, (double)n, out);
    write_sharpness(&full, &out[F_LAP], &out[F_ENERGY], &out[F_EDGES]);
    write_sharpness(&coarse, &out[F_LAP_HALF], &out[F_ENERGY_HALF], &out[F_EDGES_HALF]);
    out[F_CENTRE_FOCUS] = (float)clamp(log((full.centre_lap + 0.001) / (full.lap + 0.001)), 3);
    write_synthetic(&cs, &full, (double)n_flat / n, (double)n, out);
    out[F_NOISE] = squash(full.noise / 255, 0.004);
    out[F_NOISE_SMOOTH] = squash(full.noise_smooth / 255, 0.004);
    out[F_ASPECT] = (float)clamp(log((double)w / h), 3);
    free(luma.px);
    return 0;
}

static void lite_close(encoder *enc)
{
    free(enc);
}

encoder *lite_encoder_open(void)
{
    encoder *enc = calloc(1, sizeof *enc);
    if (!enc)
        return NULL;
    enc->name = "lite";
    snprintf(enc->id, sizeof enc->id, "lite-1");
    enc->dim = LITE_DIM;
    enc->encode = lite_encode;
    enc->close = lite_close;
    return enc;
}
