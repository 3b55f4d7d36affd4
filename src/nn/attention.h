/*
 * attention.h — scaled dot-product attention for one head of one sequence.
 *
 *   out = softmax(scale · Q Kᵀ) V      Q, K, V: T × d (rows at stride ld_qkv), out: T × d (ld_out)
 *
 * causal: query i attends to keys 0..i only (a text tower's mask), as if the later scores were −∞.
 *
 * The softmax subtracts each row's maximum before exponentiating, so no score overflows however
 * large the logits (scale > 0); the row sum is then at least 1.
 *
 * A ViT head is small (T = 50, d = 64 for ViT-B/32), too small for BLAS to pay for its packing, so
 * the products are written here: Kᵀ is copied once into a padded d × T' block (T' = T rounded up
 * to 16) and V into a packed T × d block; then each query row's scores are 16-wide fused
 * multiply-adds down the Kᵀ block, its softmax (vectorised on the padded row), and its output
 * row 16 columns at a time (any d; a multiple of 16 takes the vector path). Float accumulation,
 * each sum split in two interleaved halves.
 */
#ifndef CULL_NN_ATTENTION_H
#define CULL_NN_ATTENTION_H

#include <stddef.h>

/* Floats of scratch nn_attention_head needs for t tokens of head size d. */
size_t nn_attention_scratch(size_t t, size_t d);
void nn_attention_head(const float *q, const float *k, const float *v, size_t ld_qkv, float *out, size_t ld_out,
                       size_t t, size_t d, float scale, int causal, float *scratch);
/* Row-wise softmax(scale · x) in place over rows × cols (stride ld). */
void nn_softmax_scaled(float *x, size_t rows, size_t cols, size_t ld, float scale);

#endif
