/*
 * blas_setup.h — make Debian's OpenBLAS use the kernels this CPU can run fast.
 *
 * OpenBLAS 0.3.21 (Debian 12) does not recognise recent Intel CPUs and falls back to its SSE3
 * "Prescott" kernels: sgemm runs about 5× slower than with its AVX-512 kernels. It reads
 * OPENBLAS_CORETYPE only while it loads, before main(). So when the detected core is such a
 * fallback and the CPU has the instructions of a better kernel set (checked with CPUID, so a
 * kernel the CPU lacks is never chosen), cull sets the variable and re-executes itself once.
 * A user's own OPENBLAS_CORETYPE is always respected.
 */
#ifndef CULL_UTIL_BLAS_SETUP_H
#define CULL_UTIL_BLAS_SETUP_H

/* Call first thing in main. Returns only when no re-exec was needed (or it failed). */
void blas_setup(char **argv);

/* The kernel set OpenBLAS is using, e.g. "SkylakeX". */
const char *blas_core_name(void);

#endif
