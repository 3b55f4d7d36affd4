/*
 * layernorm.c — layer normalisation (layernorm.h).
 */
#include "nn/layernorm.h"

#include <math.h>

#include "nn/simd.h"

/* The sum of the lanes of v. */
#define V16_SUM(v)                                                                                     \
    ((v)[0] + (v)[1] + (v)[2] + (v)[3] + (v)[4] + (v)[5] + (v)[6] + (v)[7] + (v)[8] + (v)[9] + (v)[10] + \
     (v)[11] + (v)[12] + (v)[13] + (v)[14] + (v)[15])

NN_CLONES
static void norm_row(const float *x, float *y, size_t n, const float *g, const float *b, float eps)
{
    size_t i, full = n / 16 * 16;
    nn_v16 acc = NN_SPLAT(0.0f);
    for (i = 0; i < full; i += 16) acc += NN_V16C(x + i);
    float sum = V16_SUM(acc);
    for (; i < n; i++) sum += x[i];
    float mean = sum / (float)n;

    /* Second pass: the deviations, and their sum, which corrects the rounding of the first
       (the "corrected two-pass" algorithm): mean += Σd/n, var = (Σd² − (Σd)²/n)/n. */
    nn_v16 m = NN_SPLAT(mean), acc1 = NN_SPLAT(0.0f);
    acc = NN_SPLAT(0.0f);
    for (i = 0; i < full; i += 16) {
        nn_v16 d = NN_V16C(x + i) - m;
        acc1 += d;
        acc += d * d;
    }
    float s1 = V16_SUM(acc1), ss = V16_SUM(acc);
    for (; i < n; i++) {
        s1 += x[i] - mean;
        ss += (x[i] - mean) * (x[i] - mean);
    }
    float corr = s1 / (float)n;
    float var = (ss - s1 * corr) / (float)n;
    mean += corr;
    m = NN_SPLAT(mean);
    float inv = 1.0f / sqrtf((var > 0 ? var : 0) + eps);

    nn_v16 s = NN_SPLAT(inv);
    for (i = 0; i < full; i += 16) NN_V16(y + i) = (NN_V16C(x + i) - m) * s * NN_V16C(g + i) + NN_V16C(b + i);
    for (; i < n; i++) y[i] = (x[i] - mean) * inv * g[i] + b[i];
}

void nn_layernorm_rows(const float *in, size_t ld_in, float *out, size_t ld_out, size_t cols, const float *gamma,
                       const float *beta, float eps, size_t row0, size_t row1)
{
    for (size_t r = row0; r < row1; r++) norm_row(in + r * ld_in, out + r * ld_out, cols, gamma, beta, eps);
}
