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

/* One im2col row: the receptive field of output pixel (b, oy, ox), zero outside the input. */
static void gather(const nn_conv2d *p, const float *in, size_t pixel, float *dst)
{
    size_t per_image = (size_t)p->oh * p->ow;
    int b = (int)(pixel / per_image), rem = (int)(pixel % per_image);
    int oy = rem / p->ow, ox = rem % p->ow;
    const float *img = in + (size_t)b * p->h * p->w * p->c;
    size_t cbytes = (size_t)p->c * sizeof(float);
    for (int ky = 0; ky < p->kh; ky++) {
        int iy = oy * p->sh - p->pad_top + ky * p->dh;
        for (int kx = 0; kx < p->kw; kx++, dst += p->c) {
            int ix = ox * p->sw - p->pad_left + kx * p->dw;
            if (iy < 0 || iy >= p->h || ix < 0 || ix >= p->w) memset(dst, 0, cbytes);
            else memcpy(dst, img + ((size_t)iy * p->w + ix) * p->c, cbytes);
        }
    }
}

void nn_conv2d_rows(const nn_conv2d *p, const float *in, float *out, size_t row0, size_t row1, float *scratch)
{
    if (row1 <= row0) return;
    size_t m = row1 - row0, oc = (size_t)p->oc;
    float *y = out + row0 * oc;
    if (nn_conv2d_is_pointwise(p)) {
        nn_gemm(0, 0, m, oc, (size_t)p->c, in + row0 * p->c, (size_t)p->c, p->filter, oc, 0.0f, y, oc);
    } else {
        size_t k = (size_t)p->kh * p->kw * p->c;
        for (size_t r = 0; r < m; r++) gather(p, in, row0 + r, scratch + r * k);
        nn_gemm(0, 0, m, oc, k, scratch, k, p->filter, oc, 0.0f, y, oc);
    }
    nn_bias_act(y, m, oc, oc, p->bias, p->act);
}
