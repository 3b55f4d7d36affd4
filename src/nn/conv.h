/*
 * conv.h — 2-D convolution, NHWC activations, HWIO filters (TensorFlow's layouts), with the bias
 * and activation fused into the same pass.
 *
 * A 1×1 convolution with stride 1 and no padding is one GEMM on the input as it lies (pixels ×
 * in-channels times in × out). Anything else is im2col + GEMM: a block of output pixels gathers its
 * kh·kw·cin input values into a scratch row each (zeros where the window hangs over the padding),
 * in the filter's (ky, kx, ci) order, so the HWIO filter is the right-hand matrix unchanged.
 * Work is split by output pixel — "rows" below are output pixels n·oh·ow, the GEMM's M dimension —
 * and, where there are few pixels, by output channel (the GEMM's N).
 *
 * Padding is given as the rows/columns added before (top, left); what is added after follows from
 * the output size. nn_same_padding() gives TensorFlow's "SAME" numbers, which are asymmetric.
 */
#ifndef CULL_NN_CONV_H
#define CULL_NN_CONV_H

#include <stddef.h>
#include "nn/gemm.h"

typedef struct {
    int n, h, w, c;             /* input */
    int oh, ow, oc;             /* output */
    int kh, kw;                 /* filter */
    int sh, sw, dh, dw;         /* strides, dilations */
    int pad_top, pad_left;
    const float *filter;        /* kh × kw × c × oc */
    const float *bias;          /* oc, or NULL */
    nn_act act;
} nn_conv2d;

/* TensorFlow "SAME" along one axis: out = ceil(in / stride), total padding
   max((out − 1)·stride + (k − 1)·dilation + 1 − in, 0), floor(total / 2) of it before. */
void nn_same_padding(int in, int k, int stride, int dilation, int *out, int *before);

/* 1 when the convolution is a plain GEMM on its input (no scratch needed). */
int nn_conv2d_is_pointwise(const nn_conv2d *p);
/* Scratch floats nn_conv2d_block needs for a block of `rows` output pixels (0 for pointwise). */
size_t nn_conv2d_scratch(const nn_conv2d *p, size_t rows);
/* A pointwise convolution on m pixels that lie anywhere: y (m × oc) = act(x (m × c) · filter + bias). */
void nn_pointwise(const nn_conv2d *p, const float *x, size_t m, float *y);

/* Output pixels [row0, row1), output channels [col0, col1), of out (n·oh·ow × oc) from in
   (n·h·w × c). Splitting by channel repeats the gathering, so do that for pointwise ones only. */
void nn_conv2d_block(const nn_conv2d *p, const float *in, float *out, size_t row0, size_t row1, size_t col0,
                     size_t col1, float *scratch);

#endif
