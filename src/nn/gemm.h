/*
 * gemm.h — single-precision matrix products on BLAS, and the bias + activation that follows them.
 *
 * Row-major throughout. The nn kernels parallelise by themselves (nn/parallel.h), giving each thread
 * a block of rows, so BLAS must not start threads of its own inside those calls: nn_gemm_init()
 * puts OpenBLAS in single-thread mode once for the process (several threads may still call it at
 * the same time). Call it before the first nn kernel runs. Code that sizes its own threads (learn/)
 * asks nn_cpu_count(), never OpenBLAS's count, which this changes for the whole process.
 */
#ifndef CULL_NN_GEMM_H
#define CULL_NN_GEMM_H

#include <stddef.h>

typedef enum { NN_ACT_NONE, NN_ACT_RELU, NN_ACT_RELU6 } nn_act;

void nn_gemm_init(void);

/* C[m×n] = op(A)[m×k] · op(B)[k×n] + beta · C, op = transpose when ta / tb. */
void nn_gemm(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
             size_t ldb, float beta, float *c, size_t ldc);

/* x[r][c] = act(x[r][c] + bias[c]) over rows × cols (stride ld); bias may be NULL. */
void nn_bias_act(float *x, size_t rows, size_t cols, size_t ld, const float *bias, nn_act act);

/* A fully connected layer, y = act(x · op(W) + bias), on rows [row0, row1) and output columns
   [col0, col1) of y. x is rows × k; W is k × n, or n × k when transpose_w; y is rows × n. */
typedef struct {
    size_t k, n;
    int transpose_w;
    const float *w;
    const float *bias;  /* n, or NULL */
    nn_act act;
} nn_dense;

void nn_dense_block(const nn_dense *p, const float *x, float *y, size_t row0, size_t row1, size_t col0, size_t col1);

#endif
