/*
 * gemm_bf16.h — fully connected layers with bfloat16 inputs and float32 accumulation, on oneDNN's
 * native bf16 kernels: AMX tiles, or AVX512-BF16 dot products.
 *
 * On CPUs with AMX-BF16 (Intel Sapphire Rapids and later) a bf16 matrix product runs about ten
 * times faster than OpenBLAS's float32 sgemm on the same core (measured: ~1.5–2 TFLOP/s against
 * ~140 GFLOP/s); with AVX512-BF16 alone (AMD Zen 4/5, Intel Cooper Lake) about twice as fast.
 * The price is precision: inputs and weights are rounded to bf16 (8-bit mantissa, relative
 * error ≤ 2⁻⁹ per value); sums stay float32. For a CLIP embedding that is a relative change of a
 * few 10⁻³, far below what separates images, so the ViT encoder uses it by default where a
 * native kernel exists (see vit_encoder.c for the switch). ONEDNN_MAX_CPU_ISA limits what oneDNN
 * may use, so a test can take the AVX512-BF16 path on an AMX machine.
 *
 * nn_bf16_linear holds one weight matrix W [n × k] (PyTorch's [out, in]), converted once to bf16
 * and laid out as oneDNN's kernel wants it. A run computes y[m × n] = x[m × k] · Wᵀ + beta·y
 * for any m; the kernel for each m is built on first use and kept. Runs may come from several
 * threads at once.
 */
#ifndef CULL_NN_GEMM_BF16_H
#define CULL_NN_GEMM_BF16_H

#include <stddef.h>
#include <stdint.h>

typedef struct nn_bf16_linear nn_bf16_linear;

/* oneDNN's implementation of a bf16 matrix product here (e.g. "brg:avx512_core_amx",
   "brg:avx512_core_bf16") when it is bf16-native, else NULL (checked once). */
const char *nn_bf16_native_isa(void);

/* W [n × k], row-major float32. NULL with a reason when oneDNN refuses or memory runs out. */
nn_bf16_linear *nn_bf16_linear_new(const float *w, size_t n, size_t k, char *err, size_t errlen);
void nn_bf16_linear_free(nn_bf16_linear *l);

/* y[m × n] = x[m × k] · Wᵀ + beta · y, beta 0 or 1, on up to threads threads. xb is scratch for
   m × k bf16 values (64-byte aligned). 0, or -1 when oneDNN fails (y is then unspecified). */
int nn_bf16_linear_run(nn_bf16_linear *l, const float *x, size_t m, uint16_t *xb, float *y, float beta,
                       int threads);

#endif
