/*
 * block.h — a chain of pointwise (1×1) convolution → depthwise convolution → pointwise convolution,
 * run together row by row (MobileNetV2's inverted residual block, either 1×1 optional).
 *
 * Run layer by layer, the block writes and rereads its widest tensors — the expanded ones, six
 * times the channels of its input — in full, and at high resolution those are megabytes: memory
 * traffic, not arithmetic, bounds the layer. Here the expanded rows live in a small ring buffer:
 * each is computed once, when the depthwise window first reaches it, and dropped when the window
 * has passed; the depthwise output rows go straight into the second 1×1 a few rows at a time. Only
 * the block's input and output touch memory. The result is the same as running the three layers
 * one after the other.
 *
 * Work is split by output row of the depthwise convolution, per image: a range of rows starts by
 * computing the expanded rows its first window needs, so splitting an image repeats a few rows.
 */
#ifndef CULL_NN_BLOCK_H
#define CULL_NN_BLOCK_H

#include <stddef.h>
#include "nn/conv.h"
#include "nn/depthwise.h"

typedef struct {
    const nn_conv2d *expand;    /* pointwise, or NULL: the depthwise reads the input directly */
    const nn_depthwise *dw;
    const nn_conv2d *project;   /* pointwise, or NULL: the depthwise output is the result */
    int ring_rows;              /* expanded rows kept (at least the depthwise window's height) */
    int group;                  /* expanded rows computed per GEMM */
    int dw_rows;                /* depthwise rows gathered per project GEMM */
} nn_block;

/* Fills in ring_rows, group and dw_rows for about `bytes` of scratch (half for the ring, half for
   depthwise rows), and returns the scratch floats nn_block_rows needs per thread. */
size_t nn_block_prepare(nn_block *b, size_t bytes);

/* Depthwise output rows [oy0, oy1) of image `image`: in is the block input (the batch), out the
   block output (the batch). */
void nn_block_rows(const nn_block *b, const float *in, float *out, int image, int oy0, int oy1, float *scratch);

#endif
