/*
 * gemm.c — BLAS calls and the bias/activation epilogue (gemm.h).
 */
#include "nn/gemm.h"

#include <cblas.h>
#include <pthread.h>

#include "nn/simd.h"

/* Rows of A up to which nn_gemm (A · Bᵀ) takes few_rows instead of BLAS: a short prompt through
   the text tower is a handful of rows against large weight matrices, where BLAS spends more time
   packing B than multiplying (measured: 8 × 2048 × 512, few_rows 0.34 ms, OpenBLAS 0.44 ms). */
#define FEW_ROWS 16

/* 8 floats: a whole register on AVX2 (the 16-float nn_v16 accumulators of this loop would be
   spilled to the stack there), half of one on AVX-512. */
typedef float v8 __attribute__((vector_size(32), aligned(4), may_alias));
#define V8C(p) (*(const v8 *)(p))

/* C = A · Bᵀ + beta·C for few rows of A: each row of B (contiguous) is read once and dotted with
   four rows of A at a time (which stay in cache), no packing. Sums in two interleaved halves. */
NN_CLONES
static void few_rows(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                     float *c, size_t ldc)
{
    size_t k16 = k / 16 * 16;
    for (size_t j = 0; j < n; j++) {
        const float *bj = b + j * ldb;
        for (size_t i = 0; i < m; i += 4) {
            size_t rows = m - i < 4 ? m - i : 4;
            const float *ar[4];
            for (size_t r = 0; r < 4; r++) ar[r] = a + (i + (r < rows ? r : 0)) * lda; /* past the end: row i again */
            v8 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, t0 = {0}, t1 = {0}, t2 = {0}, t3 = {0};
            for (size_t kk = 0; kk < k16; kk += 16) {
                v8 w = V8C(bj + kk), x = V8C(bj + kk + 8);
                s0 += w * V8C(ar[0] + kk), s1 += w * V8C(ar[1] + kk), s2 += w * V8C(ar[2] + kk), s3 += w * V8C(ar[3] + kk);
                t0 += x * V8C(ar[0] + kk + 8), t1 += x * V8C(ar[1] + kk + 8), t2 += x * V8C(ar[2] + kk + 8),
                    t3 += x * V8C(ar[3] + kk + 8);
            }
            v8 sum[4] = {s0 + t0, s1 + t1, s2 + t2, s3 + t3};
            for (size_t r = 0; r < rows; r++) {
                v8 v = sum[r];
                float total = ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
                for (size_t kk = k16; kk < k; kk++) total += ar[r][kk] * bj[kk];
                float *cij = c + (i + r) * ldc + j;
                *cij = beta == 0.0f ? total : beta * *cij + total;
            }
        }
    }
}

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
    if (!ta && tb && m <= FEW_ROWS && k > 0) {
        few_rows(m, n, k, a, lda, b, ldb, beta, c, ldc);
        return;
    }
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
