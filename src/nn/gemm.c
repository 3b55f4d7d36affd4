/*
 * gemm.c — BLAS calls and the bias/activation epilogue (gemm.h).
 */
#include "nn/gemm.h"

#include <cblas.h>

void nn_gemm_init(void)
{
    static int done;
    if (!done) { /* racing callers both set 1: harmless */
        openblas_set_num_threads(1);
        done = 1;
    }
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

/* The loops are written so the compiler vectorises them over the columns. */
void nn_bias_act(float *x, size_t rows, size_t cols, size_t ld, const float *bias, nn_act act)
{
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * ld;
        if (bias)
            for (size_t c = 0; c < cols; c++) row[c] += bias[c];
        if (act == NN_ACT_RELU6)
            for (size_t c = 0; c < cols; c++) row[c] = row[c] < 0.0f ? 0.0f : row[c] > 6.0f ? 6.0f : row[c];
        else if (act == NN_ACT_RELU)
            for (size_t c = 0; c < cols; c++) row[c] = row[c] < 0.0f ? 0.0f : row[c];
    }
}

void nn_dense_rows(const nn_dense *p, const float *x, float *y, size_t row0, size_t row1)
{
    if (row1 <= row0) return;
    size_t m = row1 - row0;
    nn_gemm(0, p->transpose_w, m, p->n, p->k, x + row0 * p->k, p->k, p->w, p->transpose_w ? p->k : p->n, 0.0f,
            y + row0 * p->n, p->n);
    nn_bias_act(y + row0 * p->n, m, p->n, p->n, p->bias, p->act);
}
