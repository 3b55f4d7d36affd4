/*
 * eltwise.c — broadcasting arithmetic and softmax (eltwise.h).
 */
#include "nn/eltwise.h"

#include <math.h>

int nn_broadcast_init(nn_broadcast *bc, const int64_t *da, int ra, const int64_t *db, int rb)
{
    int r = ra > rb ? ra : rb;
    if (r > NN_MAX_RANK || ra < 0 || rb < 0) return -1;
    size_t dim[NN_MAX_RANK], sa[NN_MAX_RANK], sb[NN_MAX_RANK];
    size_t stride_a = 1, stride_b = 1;
    for (int i = r - 1; i >= 0; i--) { /* right-aligned; missing leading dims are 1 */
        int ia = i - (r - ra), ib = i - (r - rb);
        int64_t x = ia >= 0 ? da[ia] : 1, y = ib >= 0 ? db[ib] : 1;
        if (x < 1 || y < 1 || (x != y && x != 1 && y != 1)) return -1;
        dim[i] = (size_t)(x > y ? x : y);
        sa[i] = x == 1 && dim[i] != 1 ? 0 : stride_a;
        sb[i] = y == 1 && dim[i] != 1 ? 0 : stride_b;
        stride_a *= (size_t)x;
        stride_b *= (size_t)y;
    }
    /* Drop size-1 dimensions, then merge neighbours whose strides continue each other. */
    bc->rank = 0;
    bc->total = 1;
    for (int i = 0; i < r; i++) {
        if (dim[i] == 1) continue;
        bc->total *= dim[i];
        int k = bc->rank;
        if (k > 0 && sa[i] * dim[i] == bc->sa[k - 1] && sb[i] * dim[i] == bc->sb[k - 1]) {
            bc->dim[k - 1] *= dim[i];
            bc->sa[k - 1] = sa[i];
            bc->sb[k - 1] = sb[i];
            continue;
        }
        bc->dim[k] = dim[i];
        bc->sa[k] = sa[i];
        bc->sb[k] = sb[i];
        bc->rank++;
    }
    if (bc->rank == 0) { /* a single element */
        bc->rank = 1;
        bc->dim[0] = 1;
        bc->sa[0] = bc->sb[0] = 1;
    }
    return 0;
}

/* The innermost loop: n elements, inputs stepping by 0 or 1. */
static void run_inner(nn_binop op, const float *a, size_t sa, const float *b, size_t sb, float *o, size_t n)
{
#define LOOP(expr)                                                                                     \
    do {                                                                                               \
        if (sa && sb)                                                                                  \
            for (size_t i = 0; i < n; i++) { float x = a[i], y = b[i]; o[i] = (expr); }                \
        else if (sa)                                                                                   \
            for (size_t i = 0; i < n; i++) { float x = a[i], y = b[0]; o[i] = (expr); }                \
        else if (sb)                                                                                   \
            for (size_t i = 0; i < n; i++) { float x = a[0], y = b[i]; o[i] = (expr); }                \
        else                                                                                           \
            for (size_t i = 0; i < n; i++) { float x = a[0], y = b[0]; o[i] = (expr); }                \
    } while (0)
    switch (op) {
    case NN_ADD: LOOP(x + y); break;
    case NN_SUB: LOOP(x - y); break;
    case NN_MUL: LOOP(x * y); break;
    }
#undef LOOP
}

void nn_binary(nn_binop op, const nn_broadcast *bc, const float *a, const float *b, float *out, size_t i0,
               size_t i1)
{
    int last = bc->rank - 1;
    size_t inner = bc->dim[last];
    size_t sa = bc->sa[last], sb = bc->sb[last]; /* 0 or 1 after merging */
    size_t i = i0;
    while (i < i1) {
        /* offsets of element i in a and b */
        size_t rem = i, oa = 0, ob = 0;
        for (int d = last; d >= 0; d--) {
            size_t q = rem % bc->dim[d];
            rem /= bc->dim[d];
            oa += q * bc->sa[d];
            ob += q * bc->sb[d];
        }
        size_t pos = i % inner, n = inner - pos;
        if (n > i1 - i) n = i1 - i;
        run_inner(op, a + oa, sa, b + ob, sb, out + i, n);
        i += n;
    }
}

void nn_softmax_rows(const float *in, float *out, size_t cols, size_t row0, size_t row1)
{
    for (size_t r = row0; r < row1; r++) {
        const float *x = in + r * cols;
        float *y = out + r * cols;
        float mx = x[0];
        for (size_t c = 1; c < cols; c++) mx = x[c] > mx ? x[c] : mx;
        double sum = 0;
        for (size_t c = 0; c < cols; c++) {
            y[c] = expf(x[c] - mx);
            sum += y[c];
        }
        float inv = (float)(1.0 / sum);
        for (size_t c = 0; c < cols; c++) y[c] *= inv;
    }
}
