/*
 * depthwise.h — depthwise 2-D convolution, NHWC, TensorFlow filter layout kh × kw × c × multiplier,
 * with bias and activation fused. Output channel c·multiplier + j reads input channel c.
 *
 * Vectorised over channels (contiguous in NHWC): each output pixel keeps up to 64 channel sums in
 * registers while it runs over the filter taps that fall inside the input, so padding costs no
 * branches in the inner loop. Work is split by output row: "rows" are n·oh.
 */
#ifndef CULL_NN_DEPTHWISE_H
#define CULL_NN_DEPTHWISE_H

#include <stddef.h>
#include "nn/gemm.h"

typedef struct {
    int n, h, w, c;             /* input */
    int oh, ow, mult;           /* output: oh × ow × c·mult */
    int kh, kw;
    int sh, sw, dh, dw;
    int pad_top, pad_left;
    const float *filter;        /* kh × kw × c × mult */
    const float *bias;          /* c·mult, or NULL */
    nn_act act;
} nn_depthwise;

#define NN_DEPTHWISE_MAX_K 64       /* filter height the kernels take (tfjs_plan refuses taller ones) */

/* Output rows [row0, row1) (row = image · oh + y) of out from in. */
void nn_depthwise_rows(const nn_depthwise *p, const float *in, float *out, size_t row0, size_t row1);
/* Output row oy of one image from the input rows its window covers: rows[ky] is input row
   oy·sh − pad_top + ky·dh (w × c floats), unread (may be NULL) where that row is outside the image.
   The rows need not be adjacent in memory, so a caller can keep them in a ring buffer. */
void nn_depthwise_row(const nn_depthwise *p, const float *const *rows, int oy, float *out);

#endif
