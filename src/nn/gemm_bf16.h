/*
 * gemm_bf16.h — fully connected layers with bfloat16 inputs and float32 accumulation, on oneDNN's
 * AMX kernels.
 *
 * On CPUs with AMX-BF16 (Intel Sapphire Rapids and later) a bf16 matrix product runs about ten
 * times faster than OpenBLAS's float32 sgemm on the same core (measured here: ~1.5–2 TFLOP/s
 * against ~140 GFLOP/s). The price is precision: inputs and weights are rounded to bf16 (8-bit
 * mantissa, relative error ≤ 2⁻⁹ per value); sums stay float32. For a CLIP embedding that is a
 * relative change of a few 10⁻³, far below what separates images, so the ViT encoder uses it by
 * default where AMX exists (see vit_encoder.c for the switch).
 *
 * nn_bf16_linear holds one weight matrix W [n × k] (PyTorch's [out, in]), converted once to bf16
 * and laid out as oneDNN's AMX kernel wants it. A run computes y[m × n] = x[m × k] · Wᵀ + beta·y
 * for any m; the kernel for each m is built on first use and kept. Runs may come from several
 * threads at once.
 */
#ifndef CULL_NN_GEMM_BF16_H
#define CULL_NN_GEMM_BF16_H

#include <stddef.h>
#include <stdint.h>

typedef struct nn_bf16_linear nn_bf16_linear;

/* 1 when oneDNN runs bf16 matrix products on AMX here (checked once). */
int nn_bf16_supported(void);

/* W [n × k], row-major float32. NULL with a reason when oneDNN refuses or memory runs out. */
nn_bf16_linear *nn_bf16_linear_new(const float *w, size_t n, size_t k, char *err, size_t errlen);
void nn_bf16_linear_free(nn_bf16_linear *l);

/* y[m × n] = x[m × k] · Wᵀ + beta · y, beta 0 or 1, on up to threads threads. xb is scratch for
   m × k bf16 values (64-byte aligned). 0, or -1 when oneDNN fails (y is then unspecified). */
int nn_bf16_linear_run(nn_bf16_linear *l, const float *x, size_t m, uint16_t *xb, float *y, float beta,
                       int threads);

#endif
