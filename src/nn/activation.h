/*
 * activation.h — the element-wise functions of transformer MLPs and attention, vectorised.
 *
 * exp and erf are nn/vmath.h's (exp: relative error about 2e-7, arguments clamped to [−87.3,
 * 88.3]; erf: absolute error ≤ 5e-7). Tails shorter than a vector go through the same code
 * (padded), so a value's result never depends on where it sits in a row.
 */
#ifndef CULL_NN_ACTIVATION_H
#define CULL_NN_ACTIVATION_H

#include <stddef.h>

typedef enum {
    NN_GELU,        /* x·Φ(x) = ½x(1 + erf(x/√2)), "gelu" in Hugging Face configs */
    NN_QUICK_GELU,  /* x·σ(1.702x), OpenAI CLIP's approximation */
} nn_gelu_kind;

/* x[r][c] = act(x[r][c] + bias[c]) over rows × cols (row stride ld); bias may be NULL. */
void nn_bias_gelu(float *x, size_t rows, size_t cols, size_t ld, const float *bias, nn_gelu_kind kind);
/* x[i] = e^x[i], in place. */
void nn_exp(float *x, size_t n);
/* x[i] = erf(x[i]), in place. */
void nn_erf(float *x, size_t n);

#endif
