/*
 * vmath.h — exp and erf on 16-float vectors (nn/simd.h), as macros for the kernels' NN_CLONES
 * functions (a function taking or returning a 64-byte vector draws GCC's psabi warnings).
 *
 * V16_EXP: Cephes' single-precision expf — range reduction by ln 2 in two parts, a degree-6
 * polynomial, 2^n put together in the exponent bits; relative error about 2e-7; arguments clamped
 * to [−87.3, 88.3], so results stay normal and finite. V16_ERF: the rational approximation Eigen
 * uses for float (odd degree-13 over even degree-8 polynomial; the argument clamped to ±4, where erf
 * is ±1 in float); absolute error ≤ 5e-7.
 */
#ifndef CULL_NN_VMATH_H
#define CULL_NN_VMATH_H

#include "nn/simd.h"

/* Round to nearest (the FPU's default mode) for |v| < 2^22: adding 1.5·2^23 pushes the fraction
   bits out of the mantissa. */
#define ROUND_MAGIC 12582912.0f

/* e^x lane-wise; x is a vector variable, the result goes to out. */
#define V16_EXP(out, x)                                                                                \
    do {                                                                                               \
        nn_v16 e_x_ = (x);                                                                             \
        nn_i16 e_lo_ = e_x_ < NN_SPLAT(-87.3f), e_hi_ = e_x_ > NN_SPLAT(88.3f);                        \
        e_x_ = (nn_v16)(((nn_i16)e_x_ & ~e_lo_) | ((nn_i16)NN_SPLAT(-87.3f) & e_lo_));                 \
        e_x_ = (nn_v16)(((nn_i16)e_x_ & ~e_hi_) | ((nn_i16)NN_SPLAT(88.3f) & e_hi_));                  \
        nn_v16 e_n_ = e_x_ * NN_SPLAT(1.44269504088896341f) + NN_SPLAT(ROUND_MAGIC);                   \
        e_n_ = e_n_ - NN_SPLAT(ROUND_MAGIC);                                                           \
        nn_v16 e_r_ = e_x_ - e_n_ * NN_SPLAT(0.693359375f);                                            \
        e_r_ = e_r_ - e_n_ * NN_SPLAT(-2.12194440e-4f);                                                \
        nn_v16 e_p_ = NN_SPLAT(1.9875691500e-4f);                                                      \
        e_p_ = e_p_ * e_r_ + NN_SPLAT(1.3981999507e-3f);                                               \
        e_p_ = e_p_ * e_r_ + NN_SPLAT(8.3334519073e-3f);                                               \
        e_p_ = e_p_ * e_r_ + NN_SPLAT(4.1665795894e-2f);                                               \
        e_p_ = e_p_ * e_r_ + NN_SPLAT(1.6666665459e-1f);                                               \
        e_p_ = e_p_ * e_r_ + NN_SPLAT(5.0000001201e-1f);                                               \
        e_p_ = e_p_ * (e_r_ * e_r_) + e_r_ + NN_SPLAT(1.0f);                                           \
        nn_i16 e_k_ = (__builtin_convertvector(e_n_, nn_i16) + 127) << 23;                             \
        (out) = e_p_ * (nn_v16)e_k_;                                                                   \
    } while (0)

/* erf lane-wise (Eigen's generic_fast_erf_float coefficients). */
#define V16_ERF(out, x)                                                                                \
    do {                                                                                               \
        nn_v16 f_x_ = (x);                                                                             \
        NN_V16_CAP(f_x_, 4.0f);                                                                        \
        f_x_ = -f_x_;                                                                                  \
        NN_V16_CAP(f_x_, 4.0f);                                                                        \
        f_x_ = -f_x_;                                                                                  \
        nn_v16 f_x2_ = f_x_ * f_x_;                                                                    \
        nn_v16 f_p_ = NN_SPLAT(-2.72614225801306e-10f);                                                \
        f_p_ = f_p_ * f_x2_ + NN_SPLAT(2.77068142495902e-08f);                                         \
        f_p_ = f_p_ * f_x2_ + NN_SPLAT(-2.10102402082508e-06f);                                        \
        f_p_ = f_p_ * f_x2_ + NN_SPLAT(-5.69250639462346e-05f);                                        \
        f_p_ = f_p_ * f_x2_ + NN_SPLAT(-7.34990630326855e-04f);                                        \
        f_p_ = f_p_ * f_x2_ + NN_SPLAT(-2.95459980854025e-03f);                                        \
        f_p_ = f_p_ * f_x2_ + NN_SPLAT(-1.60960333262415e-02f);                                        \
        f_p_ = f_p_ * f_x_;                                                                            \
        nn_v16 f_q_ = NN_SPLAT(-1.45660718464996e-05f);                                                \
        f_q_ = f_q_ * f_x2_ + NN_SPLAT(-2.13374055278905e-04f);                                        \
        f_q_ = f_q_ * f_x2_ + NN_SPLAT(-1.68282697438203e-03f);                                        \
        f_q_ = f_q_ * f_x2_ + NN_SPLAT(-7.37332916720468e-03f);                                        \
        f_q_ = f_q_ * f_x2_ + NN_SPLAT(-1.42647390514189e-02f);                                        \
        (out) = f_p_ / f_q_;                                                                           \
    } while (0)

/* The largest and the sum of the 16 lanes of a vector variable: four halving steps of shuffles,
   in registers. (GCC spells a constant shuffle __builtin_shuffle, Clang __builtin_shufflevector.) */
#if defined(__clang__)
#define V16_SWAP_(v, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)                                   \
    __builtin_shufflevector((v), (v), a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)
#else
#define V16_SWAP_(v, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)                                   \
    __builtin_shuffle((v), (nn_i16){a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p})
#endif
#define V16_FOLD_(v, OP)                                                                               \
    do {                                                                                               \
        nn_v16 f_w_;                                                                                   \
        f_w_ = V16_SWAP_((v), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);                   \
        OP((v), f_w_);                                                                                 \
        f_w_ = V16_SWAP_((v), 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);                   \
        OP((v), f_w_);                                                                                 \
        f_w_ = V16_SWAP_((v), 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);                   \
        OP((v), f_w_);                                                                                 \
        f_w_ = V16_SWAP_((v), 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);                   \
        OP((v), f_w_);                                                                                 \
    } while (0)
#define V16_ADD_(v, w) ((v) += (w))
#define V16_HMAX(out, v)                                                                               \
    do {                                                                                               \
        nn_v16 h_v_ = (v);                                                                             \
        V16_FOLD_(h_v_, V16_MAX);                                                                      \
        (out) = h_v_[0];                                                                               \
    } while (0)
#define V16_HSUM(out, v)                                                                               \
    do {                                                                                               \
        nn_v16 h_v_ = (v);                                                                             \
        V16_FOLD_(h_v_, V16_ADD_);                                                                     \
        (out) = h_v_[0];                                                                               \
    } while (0)
/* v = max(v, w) lane-wise, on vector variables. */
#define V16_MAX(v, w)                                                                                  \
    do {                                                                                               \
        nn_i16 x_m_ = (w) > (v);                                                                       \
        (v) = (nn_v16)(((nn_i16)(v) & ~x_m_) | ((nn_i16)(w) & x_m_));                                  \
    } while (0)

#endif
