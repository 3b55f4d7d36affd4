/*
 * skinny.h — products of a tall matrix with a few vectors at once, at memory speed.
 *
 * The batched cross-validation fit multiplies the n × dim training matrix by 5-50 vectors twice
 * per iteration. OpenBLAS 0.3.21's sgemm packs the whole tall operand on every call for such
 * shapes and runs several times slower than one pass over the matrix (25,000 × 2,082 by 20
 * vectors: about 90 ms, where an sgemv takes 15-25 ms). These kernels stream the matrix once,
 * keep the few vectors in L1/L2, use 16-float GCC vector types (compiled for AVX-512, AVX2 and
 * baseline x86-64, picked at load time by CPU feature, never by CPU model, which toolchains as
 * old as OpenBLAS 0.3.21 do not know for recent CPUs) and split the work over as many threads as OpenBLAS
 * uses. Results match sgemm up to float rounding (sums taken in a different order).
 */
#ifndef CULL_LEARN_SKINNY_H
#define CULL_LEARN_SKINNY_H

/* U (n × m, row-major, leading dimension m) = A (n × k, leading dimension lda) · B (k × m). */
void skinny_ab(int n, int k, int m, const float *A, int lda, const float *B, float *U);

/* G (k × m, leading dimension m) = Aᵀ · R with A n × k (leading dimension lda), R n × m. */
void skinny_atb(int n, int k, int m, const float *A, int lda, const float *R, float *G);

#endif
