/*
 * layernorm.h — layer normalisation over the last dimension, as torch.nn.LayerNorm computes it:
 * y = (x − mean) / √(var + eps) · gamma + beta, var the biased (population) variance.
 *
 * Two passes over each row (the mean, then the deviations from it, whose sum corrects the mean's
 * rounding: the "corrected two-pass" algorithm), so a large mean costs no precision; float
 * accumulators in 16 lanes.
 */
#ifndef CULL_NN_LAYERNORM_H
#define CULL_NN_LAYERNORM_H

#include <stddef.h>

/* Rows [row0, row1) of rows × cols: in at stride ld_in, out at stride ld_out (in == out allowed). */
void nn_layernorm_rows(const float *in, size_t ld_in, float *out, size_t ld_out, size_t cols, const float *gamma,
                       const float *beta, float eps, size_t row0, size_t row1);

#endif
