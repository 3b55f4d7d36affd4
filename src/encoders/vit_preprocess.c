/*
 * vit_preprocess.c — CLIP preprocessing (vit.h), bit for bit as Hugging Face's CLIPImageProcessor
 * does it with Pillow, starting from the decoder's preview raster (media/image.h: shortest side
 * at most 256; for images that small already it is the image itself).
 *
 * 1. Size: the shortest side becomes S (the model's image_size), the other int(S · long / short)
 *    (Python's truncation), as transformers' get_resize_output_image_size(default_to_square=False).
 * 2. Resize: Pillow's Image.resize(BICUBIC) (libImaging/Resample.c), which is separable and
 *    antialiased:
 *      kernel     Keys' cubic convolution with a = −0.5 (Catmull-Rom):
 *                   |x| < 1: (a+2)|x|³ − (a+3)|x|² + 1;   1 ≤ |x| < 2: a(|x|³ − 5|x|² + 8|x| − 4)
 *      per axis   scale = in/out; fs = max(scale, 1) (downscaling widens the kernel by fs);
 *                 support = 2·fs; output pixel i has centre c = (i + ½)·scale and taps
 *                 j = xmin … xmax−1 with xmin = max((int)(c − support + ½), 0),
 *                 xmax = min((int)(c + support + ½), in), weights K((j − c + ½)/fs) divided by
 *                 their sum (in double), then rounded to fixed point with 22 fraction bits
 *                 (round half away from zero)
 *      passes     horizontal first, into an 8-bit image, then vertical; each output is
 *                 (2^21 + Σ pixel·weight) >> 22 clamped to 0…255. A pass whose size does not
 *                 change is skipped (Pillow copies).
 * 3. Centre crop S × S: top = (height − S) // 2, left = (width − S) // 2 (transformers' floor;
 *    torchvision's CenterCrop rounds instead, which can differ by one pixel for odd margins).
 * 4. value / 255 in float, then (value − mean) / std per channel with CLIP's mean (0.48145466,
 *    0.4578275, 0.40821073) and std (0.26862954, 0.26130258, 0.27577711); planar output (CHW),
 *    as pixel_values.
 * Only the pixels inside the crop are computed: each output pixel depends on its own taps alone,
 * so the result is the same as resizing everything and cropping, at a fraction of the work and
 * memory (a 1 × 20000 strip would otherwise grow to 224 × 4.5 million pixels).
 */
#include "encoders/vit.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRECISION_BITS (32 - 8 - 2)

static const float MEAN[3] = {0.48145466f, 0.4578275f, 0.40821073f};
static const float STD[3] = {0.26862954f, 0.26130258f, 0.27577711f};

static double bicubic(double x)
{
    const double a = -0.5;
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

/* Taps of output pixels first … first+count−1 of a resize from in to out pixels along one axis. */
typedef struct {
    int ksize;          /* weights per output pixel (the rest are 0) */
    int *xmin, *n;      /* first source pixel and number of taps, per output pixel */
    int32_t *k;         /* count × ksize fixed-point weights */
} taps;

static void taps_free(taps *t)
{
    free(t->xmin);
    free(t->n);
    free(t->k);
}

static int taps_make(taps *t, int in, int out, int first, int count)
{
    double scale = (double)in / out, fs = scale < 1.0 ? 1.0 : scale, support = 2.0 * fs;
    t->ksize = (int)ceil(support) * 2 + 1;
    t->xmin = malloc((size_t)count * sizeof *t->xmin);
    t->n = malloc((size_t)count * sizeof *t->n);
    t->k = calloc((size_t)count * (size_t)t->ksize, sizeof *t->k);
    double *w = malloc((size_t)t->ksize * sizeof *w);
    if (!t->xmin || !t->n || !t->k || !w) {
        free(w);
        taps_free(t);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        double c = (first + i + 0.5) * scale;
        int xmin = (int)(c - support + 0.5), xmax = (int)(c + support + 0.5);
        if (xmin < 0) xmin = 0;
        if (xmax > in) xmax = in;
        xmax -= xmin;
        if (xmax > t->ksize) xmax = t->ksize; /* cannot happen: the window is 2·support + 1 wide */
        double ww = 0.0;
        for (int x = 0; x < xmax; x++) ww += w[x] = bicubic((x + xmin - c + 0.5) / fs);
        int32_t *k = t->k + (size_t)i * (size_t)t->ksize;
        for (int x = 0; x < xmax; x++) {
            double v = ww != 0.0 ? w[x] / ww : w[x];
            k[x] = (int32_t)(v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
        }
        t->xmin[i] = xmin;
        t->n[i] = xmax;
    }
    free(w);
    return 0;
}

static uint8_t clip8(int64_t v)
{
    v >>= PRECISION_BITS; /* arithmetic: floor */
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

int vit_preprocess(const rgb_image *img, int size, float *out, char *err, size_t errlen)
{
    int w = img->width, h = img->height;
    if (!img->rgb || w < 1 || h < 1) {
        snprintf(err, errlen, "empty image");
        return -1;
    }
    double longer = (double)size * (w <= h ? h : w) / (w <= h ? w : h);
    if (longer > 1 << 30) {
        snprintf(err, errlen, "a %d × %d image is too elongated to scale its short side to %d", w, h, size);
        return -1;
    }
    int nw = w <= h ? size : (int)longer, nh = w <= h ? (int)longer : size;
    int top = (nh - size) / 2, left = (nw - size) / 2;

    /* Horizontal pass: the crop's columns, on the source rows the vertical pass will read. */
    taps hx = {0}, vy = {0};
    int resize_x = nw != w, resize_y = nh != h;
    if ((resize_x && taps_make(&hx, w, nw, left, size)) || (resize_y && taps_make(&vy, h, nh, top, size))) {
        taps_free(&hx);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int y0 = resize_y ? vy.xmin[0] : top, y1 = resize_y ? vy.xmin[size - 1] + vy.n[size - 1] : top + size;
    size_t stride = (size_t)size * 3;
    uint8_t *mid = malloc((size_t)(y1 - y0) * stride + 1);
    uint8_t *res = malloc((size_t)size * stride);
    if (!mid || !res) {
        free(mid);
        free(res);
        taps_free(&hx);
        taps_free(&vy);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int y = y0; y < y1; y++) {
        const uint8_t *src = img->rgb + (size_t)y * (size_t)w * 3;
        uint8_t *dst = mid + (size_t)(y - y0) * stride;
        if (!resize_x) {
            memcpy(dst, src + (size_t)left * 3, stride);
            continue;
        }
        for (int x = 0; x < size; x++) {
            const int32_t *k = hx.k + (size_t)x * (size_t)hx.ksize;
            const uint8_t *s = src + (size_t)hx.xmin[x] * 3;
            int64_t acc[3] = {1 << (PRECISION_BITS - 1), 1 << (PRECISION_BITS - 1), 1 << (PRECISION_BITS - 1)};
            for (int j = 0; j < hx.n[x]; j++)
                for (int c = 0; c < 3; c++) acc[c] += (int64_t)s[j * 3 + c] * k[j];
            for (int c = 0; c < 3; c++) dst[x * 3 + c] = clip8(acc[c]);
        }
    }
    /* Vertical pass. */
    for (int y = 0; y < size; y++) {
        uint8_t *dst = res + (size_t)y * stride;
        if (!resize_y) {
            memcpy(dst, mid + (size_t)(top + y - y0) * stride, stride);
            continue;
        }
        const int32_t *k = vy.k + (size_t)y * (size_t)vy.ksize;
        const uint8_t *s = mid + (size_t)(vy.xmin[y] - y0) * stride;
        for (size_t x = 0; x < stride; x++) {
            int64_t acc = 1 << (PRECISION_BITS - 1);
            for (int j = 0; j < vy.n[y]; j++) acc += (int64_t)s[(size_t)j * stride + x] * k[j];
            dst[x] = clip8(acc);
        }
    }
    /* Normalise into planes. */
    size_t plane = (size_t)size * (size_t)size;
    for (size_t i = 0; i < plane; i++)
        for (int c = 0; c < 3; c++) out[(size_t)c * plane + i] = ((float)res[i * 3 + c] / 255.0f - MEAN[c]) / STD[c];
    free(mid);
    free(res);
    taps_free(&hx);
    taps_free(&vy);
    return 0;
}
