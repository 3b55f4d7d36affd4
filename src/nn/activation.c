/*
 * activation.c — vectorised exp, erf and the GELU family (activation.h).
 */
#include "nn/activation.h"

#include <string.h>

#include "nn/simd.h"
#include "nn/vmath.h"

/* One vector of the activation, bias already added. */
#define V16_GELU(v, kind)                                                                              \
    do {                                                                                               \
        if ((kind) == NN_QUICK_GELU) {                                                                 \
            nn_v16 g_e_;                                                                               \
            V16_EXP(g_e_, (v) * NN_SPLAT(-1.702f));                                                    \
            (v) = (v) / (NN_SPLAT(1.0f) + g_e_);                                                       \
        } else {                                                                                       \
            nn_v16 g_f_;                                                                               \
            V16_ERF(g_f_, (v) * NN_SPLAT(0.70710678118654752f));                                      \
            (v) = NN_SPLAT(0.5f) * (v) * (NN_SPLAT(1.0f) + g_f_);                                      \
        }                                                                                              \
    } while (0)

NN_CLONES
static void gelu_row(float *x, const float *bias, size_t n, nn_gelu_kind kind)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        nn_v16 v = NN_V16C(x + i);
        if (bias) v += NN_V16C(bias + i);
        V16_GELU(v, kind);
        NN_V16(x + i) = v;
    }
    if (i < n) {
        float tail[16] = {0};
        memcpy(tail, x + i, (n - i) * sizeof *x);
        if (bias)
            for (size_t k = 0; k < n - i; k++) tail[k] += bias[i + k];
        nn_v16 v = NN_V16C(tail);
        V16_GELU(v, kind);
        NN_V16(tail) = v;
        memcpy(x + i, tail, (n - i) * sizeof *x);
    }
}

void nn_bias_gelu(float *x, size_t rows, size_t cols, size_t ld, const float *bias, nn_gelu_kind kind)
{
    for (size_t r = 0; r < rows; r++) gelu_row(x + r * ld, bias, cols, kind);
}

NN_CLONES
void nn_exp(float *x, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) V16_EXP(NN_V16(x + i), NN_V16C(x + i));
    if (i < n) {
        float tail[16] = {0};
        memcpy(tail, x + i, (n - i) * sizeof *x);
        V16_EXP(NN_V16(tail), NN_V16C(tail));
        memcpy(x + i, tail, (n - i) * sizeof *x);
    }
}

NN_CLONES
void nn_erf(float *x, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) V16_ERF(NN_V16(x + i), NN_V16C(x + i));
    if (i < n) {
        float tail[16] = {0};
        memcpy(tail, x + i, (n - i) * sizeof *x);
        V16_ERF(NN_V16(tail), NN_V16C(tail));
        memcpy(x + i, tail, (n - i) * sizeof *x);
    }
}
