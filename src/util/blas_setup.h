/*
 * blas_setup.h — make Debian's OpenBLAS use the widest kernels this CPU can run.
 *
 * OpenBLAS 0.3.21 (Debian 12) picks its kernels by CPU model, and gets newer CPUs wrong both
 * ways: recent Intel cores fall back to the SSE3 "Prescott" set (sgemm ~5× slower than with its
 * AVX-512 set), and AMD Zen 4/5, which have AVX-512, get the AVX2 "Haswell" set (~1.8× slower).
 * cull decides by CPU features instead (CPUID, so a kernel the CPU lacks is never chosen):
 * AVX-512 F/BW/VL/DQ → SkylakeX, else AVX2 + FMA → Haswell; an AVX-512 set OpenBLAS already chose
 * (Cooperlake, SapphireRapids) stays. OpenBLAS reads OPENBLAS_CORETYPE only while it loads,
 * before main(), so cull sets the variable and re-executes itself once. A user's own
 * OPENBLAS_CORETYPE is always respected.
 */
#ifndef CULL_UTIL_BLAS_SETUP_H
#define CULL_UTIL_BLAS_SETUP_H

/* Call first thing in main. Returns only when no re-exec was needed (or it failed). */
void blas_setup(char **argv);

/* The kernel set cull wants instead of current (an OpenBLAS core name), or NULL when current
   is already right for this CPU. */
const char *blas_wanted_core(const char *current);

/* The kernel set OpenBLAS is using, e.g. "SkylakeX". */
const char *blas_core_name(void);

#endif
