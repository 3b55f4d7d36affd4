/*
 * simd.h — what the hand-vectorised kernels share: a 16-float vector type (GCC/Clang vector
 * extensions, so it compiles to whatever the target has: one AVX-512 register, two AVX, four SSE)
 * and NN_CLONES, which builds a function once per instruction set and picks the best one for the
 * CPU at load time (function multiversioning). Every x86-64 CPU runs the "default" clone.
 *
 * The helpers are macros, not functions: a function that takes or returns a 64-byte vector draws
 * GCC's psabi warnings even when it is always inlined.
 */
#ifndef CULL_NN_SIMD_H
#define CULL_NN_SIMD_H

/* 16 floats at any float-aligned address (loads and stores through it are unaligned). */
typedef float nn_v16 __attribute__((vector_size(64), aligned(4), may_alias));
typedef int nn_i16 __attribute__((vector_size(64)));     /* lane masks of comparisons */

#define NN_V16(p) (*(nn_v16 *)(p))              /* the 16 floats at p, as an lvalue */
#define NN_V16C(p) (*(const nn_v16 *)(p))       /* the same, read-only */
#define NN_SPLAT(x) ((nn_v16){(x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x)})

/* v = max(v, 0) lane-wise, on a vector variable (C has no vector ?:, so by masks). */
#define NN_V16_RELU(v)                                                                                 \
    do {                                                                                               \
        nn_i16 nn_m_ = (v) < NN_SPLAT(0.0f);                                                           \
        (v) = (nn_v16)((nn_i16)(v) & ~nn_m_);                                                          \
    } while (0)
/* v = min(v, x) lane-wise. */
#define NN_V16_CAP(v, x)                                                                               \
    do {                                                                                               \
        nn_v16 nn_c_ = NN_SPLAT(x);                                                                    \
        nn_i16 nn_m_ = (v) > nn_c_;                                                                    \
        (v) = (nn_v16)(((nn_i16)(v) & ~nn_m_) | ((nn_i16)nn_c_ & nn_m_));                              \
    } while (0)

/* Clones are chosen by CPU feature, not by CPU model name ("arch=skylake-avx512" would miss every
   newer AVX-512 CPU the compiler's runtime does not know by name). fp-contract lets a * b + c
   become one fused multiply-add where the clone has FMA (ISO C mode turns contraction off). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define NN_CLONES __attribute__((target_clones("avx512f", "avx2,fma", "default"), optimize("fp-contract=fast")))
#else
#define NN_CLONES
#endif

#endif
