/*
 * gemm.c — BLAS calls and the bias/activation epilogue (gemm.h).
 */
#include "nn/gemm.h"

#include <cblas.h>
#include <pthread.h>

#include "nn/simd.h"

static void single_thread(void)
{
    openblas_set_num_threads(1);
}

void nn_gemm_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, single_thread);
}

void nn_gemm(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
             size_t ldb, float beta, float *c, size_t ldc)
{
    if (m == 0 || n == 0) return;
    if (k == 0) { /* BLAS rejects lda = 0; the product of empty sums is 0 */
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
        return;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (blasint)m,
                (blasint)n, (blasint)k, 1.0f, a, (blasint)lda, b, (blasint)ldb, beta, c, (blasint)ldc);
}

/* One pass over each row, 16 columns at a time. */
NN_CLONES void nn_bias_act(float *x, size_t rows, size_t cols, size_t ld, const float *bias, nn_act act)
{
    if (!bias && act == NN_ACT_NONE) return;
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * ld;
        size_t c = 0;
        for (; c + 16 <= cols; c += 16) {
            nn_v16 v = NN_V16C(row + c);
            if (bias) v += NN_V16C(bias + c);
            if (act != NN_ACT_NONE) NN_V16_RELU(v);
            if (act == NN_ACT_RELU6) NN_V16_CAP(v, 6.0f);
            NN_V16(row + c) = v;
        }
        for (; c < cols; c++) {
            float v = row[c] + (bias ? bias[c] : 0.0f);
            if (act != NN_ACT_NONE && v < 0.0f) v = 0.0f;
            if (act == NN_ACT_RELU6 && v > 6.0f) v = 6.0f;
            row[c] = v;
        }
    }
}

void nn_dense_block(const nn_dense *p, const float *x, float *y, size_t row0, size_t row1, size_t col0, size_t col1)
{
    if (row1 <= row0 || col1 <= col0) return;
    size_t m = row1 - row0, n = col1 - col0;
    const float *w = p->transpose_w ? p->w + col0 * p->k : p->w + col0;
    float *out = y + row0 * p->n + col0;
    nn_gemm(0, p->transpose_w, m, n, p->k, x + row0 * p->k, p->k, w, p->transpose_w ? p->k : p->n, 0.0f, out, p->n);
    nn_bias_act(out, m, n, p->n, p->bias ? p->bias + col0 : NULL, p->act);
}
