/*
 * conv.c — convolution as GEMM (conv.h).
 */
#include "nn/conv.h"

#include <string.h>

void nn_same_padding(int in, int k, int stride, int dilation, int *out, int *before)
{
    int o = (in + stride - 1) / stride;
    long total = (long)(o - 1) * stride + (long)(k - 1) * dilation + 1 - in;
    if (total < 0) total = 0;
    *out = o;
    *before = (int)(total / 2);
}

int nn_conv2d_is_pointwise(const nn_conv2d *p)
{
    return p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pad_top == 0 && p->pad_left == 0 &&
           p->oh == p->h && p->ow == p->w;
}

size_t nn_conv2d_scratch(const nn_conv2d *p, size_t rows)
{
    return nn_conv2d_is_pointwise(p) ? 0 : rows * (size_t)p->kh * p->kw * p->c;
}

static void copy_floats(float *dst, const float *src, size_t n)
{
    if (n > 32) memcpy(dst, src, n * sizeof *dst);
    else /* short runs (the stem's 3 channels): a loop beats a call */
        for (size_t i = 0; i < n; i++) dst[i] = src[i];
}

/* One im2col row: the receptive field of output pixel (b, oy, ox), zero outside the input. With no
   horizontal dilation a filter row whose taps all fall inside is one contiguous run of kw·c floats. */
static void gather(const nn_conv2d *p, const float *in, size_t pixel, float *dst)
{
    size_t per_image = (size_t)p->oh * p->ow, c = (size_t)p->c, run = (size_t)p->kw * c;
    int b = (int)(pixel / per_image), rem = (int)(pixel % per_image);
    int oy = rem / p->ow, ox = rem % p->ow;
    const float *img = in + (size_t)b * p->h * p->w * c;
    int ix0 = ox * p->sw - p->pad_left, inside = ix0 >= 0 && ix0 + (p->kw - 1) * p->dw < p->w;
    for (int ky = 0; ky < p->kh; ky++, dst += run) {
        int iy = oy * p->sh - p->pad_top + ky * p->dh;
        if (iy < 0 || iy >= p->h) {
            memset(dst, 0, run * sizeof *dst);
            continue;
        }
        const float *row = img + (size_t)iy * p->w * c;
        if (inside && p->dw == 1) {
            copy_floats(dst, row + (size_t)ix0 * c, run);
            continue;
        }
        for (int kx = 0; kx < p->kw; kx++) {
            int ix = ix0 + kx * p->dw;
            if (ix < 0 || ix >= p->w) memset(dst + kx * c, 0, c * sizeof *dst);
            else copy_floats(dst + kx * c, row + (size_t)ix * c, c);
        }
    }
}

/* Rows of y start as the bias (or zero) and the GEMM adds to them (beta = 1): that spares BLAS its
   own pass that zeroes C, and the epilogue its bias pass. */
static void init_rows(float *y, size_t m, size_t n, size_t ld, const float *bias)
{
    for (size_t r = 0; r < m; r++) {
        if (bias) memcpy(y + r * ld, bias, n * sizeof *y);
        else memset(y + r * ld, 0, n * sizeof *y);
    }
}

void nn_pointwise(const nn_conv2d *p, const float *x, size_t m, float *y)
{
    size_t oc = (size_t)p->oc;
    init_rows(y, m, oc, oc, p->bias);
    nn_gemm(0, 0, m, oc, (size_t)p->c, x, (size_t)p->c, p->filter, oc, 1.0f, y, oc);
    nn_bias_act(y, m, oc, oc, NULL, p->act);
}

void nn_conv2d_block(const nn_conv2d *p, const float *in, float *out, size_t row0, size_t row1, size_t col0,
                     size_t col1, float *scratch)
{
    if (row1 <= row0 || col1 <= col0) return;
    size_t m = row1 - row0, n = col1 - col0, oc = (size_t)p->oc;
    float *y = out + row0 * oc + col0;
    const float *w = p->filter + col0;
    init_rows(y, m, n, oc, p->bias ? p->bias + col0 : NULL);
    if (nn_conv2d_is_pointwise(p)) {
        nn_gemm(0, 0, m, n, (size_t)p->c, in + row0 * p->c, (size_t)p->c, w, oc, 1.0f, y, oc);
    } else {
        size_t k = (size_t)p->kh * p->kw * p->c;
        for (size_t r = 0; r < m; r++) gather(p, in, row0 + r, scratch + r * k);
        nn_gemm(0, 0, m, n, k, scratch, k, w, oc, 1.0f, y, oc);
    }
    nn_bias_act(y, m, n, oc, NULL, p->act);
}
