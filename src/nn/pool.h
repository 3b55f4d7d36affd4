/*
 * pool.h — average pooling, NHWC, TensorFlow semantics: a window that hangs over the padding
 * averages only the input pixels it covers (so "SAME" padding never pulls in zeros).
 * Work is split by output row: "rows" are n·oh.
 */
#ifndef CULL_NN_POOL_H
#define CULL_NN_POOL_H

#include <stddef.h>

typedef struct {
    int n, h, w, c;             /* input */
    int oh, ow;                 /* output: oh × ow × c */
    int kh, kw, sh, sw;
    int pad_top, pad_left;
} nn_avgpool;

void nn_avgpool_rows(const nn_avgpool *p, const float *in, float *out, size_t row0, size_t row1);

#endif
