/*
 * attention.c — one attention head (attention.h).
 *
 * The inner loops keep eight accumulators (two interleaved halves of the sum, four vectors each),
 * so the fused multiply-adds are not waiting on each other's latency.
 */
#include "nn/attention.h"

#include <string.h>

#include "nn/activation.h"
#include "nn/simd.h"
#include "nn/vmath.h"

static size_t padded(size_t t)
{
    return (t + 15) / 16 * 16;
}

size_t nn_attention_scratch(size_t t, size_t d)
{
    return d * padded(t) + padded(t) + t * d;
}

/* softmax(scale · s[0..t)) in place, on a row padded to tp floats (tp a multiple of 16, > 0);
   the padding ends up 0. */
NN_CLONES
static void softmax_padded(float *s, size_t t, size_t tp, float scale)
{
    for (size_t j = t; j < tp; j++) s[j] = s[0]; /* cannot raise the maximum */
    nn_v16 m = NN_V16C(s);
    for (size_t j = 16; j < tp; j += 16) V16_MAX(m, NN_V16C(s + j));
    float max;
    V16_HMAX(max, m);
    nn_v16 acc = NN_SPLAT(0.0f), mv = NN_SPLAT(max), sc = NN_SPLAT(scale);
    for (size_t j = 0; j < tp; j += 16) {
        nn_v16 e;
        V16_EXP(e, (NN_V16C(s + j) - mv) * sc);
        NN_V16(s + j) = e;
    }
    for (size_t j = t; j < tp; j++) s[j] = 0;
    for (size_t j = 0; j < tp; j += 16) acc += NN_V16C(s + j);
    float sum;
    V16_HSUM(sum, acc);
    nn_v16 inv = NN_SPLAT(1.0f / sum); /* sum ≥ 1: the maximum contributes e^0 */
    for (size_t j = 0; j < tp; j += 16) NN_V16(s + j) = NN_V16C(s + j) * inv;
}

void nn_softmax_scaled(float *x, size_t rows, size_t cols, size_t ld, float scale)
{
    float buf[1024];
    for (size_t r = 0; r < rows && cols; r++) {
        float *row = x + r * ld;
        if (cols <= sizeof buf / sizeof *buf) { /* through a padded copy: the vector code */
            memcpy(buf, row, cols * sizeof *row);
            softmax_padded(buf, cols, padded(cols), scale);
            memcpy(row, buf, cols * sizeof *row);
            continue;
        }
        float max = row[0], sum = 0; /* longer rows (not a ViT's): scalar */
        for (size_t c = 1; c < cols; c++) max = row[c] > max ? row[c] : max;
        for (size_t c = 0; c < cols; c++) row[c] = (row[c] - max) * scale;
        nn_exp(row, cols);
        for (size_t c = 0; c < cols; c++) sum += row[c];
        for (size_t c = 0; c < cols; c++) row[c] /= sum;
    }
}

/* out[0..width) = Σ_i coef[i] · rows[i][0..width), n rows at stride ld, width a multiple of 16:
   the scores (q against the transposed keys) and the weighted sum of the values alike. */
NN_CLONES
static void combine_rows(const float *coef, size_t n, const float *rows, size_t ld, size_t width, float *out)
{
    size_t c = 0;
    for (; c + 64 <= width; c += 64) {
        nn_v16 a0 = NN_SPLAT(0.0f), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        size_t i = 0;
        for (; i + 2 <= n; i += 2) {
            nn_v16 k0 = NN_SPLAT(coef[i]), k1 = NN_SPLAT(coef[i + 1]);
            const float *r0 = rows + i * ld + c, *r1 = r0 + ld;
            a0 += k0 * NN_V16C(r0), a1 += k0 * NN_V16C(r0 + 16), a2 += k0 * NN_V16C(r0 + 32), a3 += k0 * NN_V16C(r0 + 48);
            b0 += k1 * NN_V16C(r1), b1 += k1 * NN_V16C(r1 + 16), b2 += k1 * NN_V16C(r1 + 32), b3 += k1 * NN_V16C(r1 + 48);
        }
        if (i < n) {
            nn_v16 k0 = NN_SPLAT(coef[i]);
            const float *r0 = rows + i * ld + c;
            a0 += k0 * NN_V16C(r0), a1 += k0 * NN_V16C(r0 + 16), a2 += k0 * NN_V16C(r0 + 32), a3 += k0 * NN_V16C(r0 + 48);
        }
        NN_V16(out + c) = a0 + b0, NN_V16(out + c + 16) = a1 + b1, NN_V16(out + c + 32) = a2 + b2,
                     NN_V16(out + c + 48) = a3 + b3;
    }
    for (; c < width; c += 16) {
        nn_v16 a = NN_SPLAT(0.0f), b = a;
        size_t i = 0;
        for (; i + 2 <= n; i += 2) {
            a += NN_SPLAT(coef[i]) * NN_V16C(rows + i * ld + c);
            b += NN_SPLAT(coef[i + 1]) * NN_V16C(rows + (i + 1) * ld + c);
        }
        if (i < n) a += NN_SPLAT(coef[i]) * NN_V16C(rows + i * ld + c);
        NN_V16(out + c) = a + b;
    }
}

void nn_attention_head(const float *q, const float *k, const float *v, size_t ld_qkv, float *out, size_t ld_out,
                       size_t t, size_t d, float scale, int causal, float *scratch)
{
    size_t tp = padded(t);
    float *kt = scratch, *s = kt + d * tp, *vc = s + tp;
    /* K transposed and V packed: both read again for every query row, and rows of a wide qkv
       matrix (a stride of 3·D floats) fall on few cache sets */
    for (size_t j = 0; j < t; j++) {
        for (size_t c = 0; c < d; c++) kt[c * tp + j] = k[j * ld_qkv + c];
        memcpy(vc + j * d, v + j * ld_qkv, d * sizeof *vc);
    }
    for (size_t c = 0; c < d; c++) memset(kt + c * tp + t, 0, (tp - t) * sizeof *kt);
    for (size_t i = 0; i < t; i++) {
        size_t seen = causal ? i + 1 : t; /* the keys this query attends to */
        combine_rows(q + i * ld_qkv, d, kt, tp, padded(seen), s); /* the scores */
        softmax_padded(s, seen, padded(seen), scale);
        float *o = out + i * ld_out;
        if (d % 16 == 0) {
            combine_rows(s, seen, vc, d, d, o);
        } else {
            for (size_t c = 0; c < d; c++) {
                float acc = 0;
                for (size_t j = 0; j < seen; j++) acc += s[j] * vc[j * d + c];
                o[c] = acc;
            }
        }
    }
}
