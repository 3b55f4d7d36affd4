/*
 * eltwise.h — element-wise binary arithmetic with NumPy/TensorFlow broadcasting, and softmax.
 *
 * nn_broadcast describes out = a ∘ b over an output of up to NN_MAX_RANK dimensions: both inputs
 * are indexed through strides, 0 along a dimension they are broadcast over. nn_broadcast_init
 * builds it from the two shapes (aligned at the right) and merges adjacent dimensions that index
 * alike, so the common cases (equal shapes, a scalar, a per-channel vector) become one or two
 * flat loops. Work is split by output element: "rows" are elements here.
 */
#ifndef CULL_NN_ELTWISE_H
#define CULL_NN_ELTWISE_H

#include <stddef.h>
#include <stdint.h>

#define NN_MAX_RANK 8

typedef enum { NN_ADD, NN_SUB, NN_MUL } nn_binop;

typedef struct {
    int rank;
    size_t dim[NN_MAX_RANK];        /* of the output */
    size_t sa[NN_MAX_RANK], sb[NN_MAX_RANK];
    size_t total;
} nn_broadcast;

/* 0, or -1 when the shapes do not broadcast (a dimension differs and neither is 1), a rank is over
   NN_MAX_RANK, or a dimension is not positive. */
int nn_broadcast_init(nn_broadcast *bc, const int64_t *da, int ra, const int64_t *db, int rb);
/* Output elements [i0, i1). */
void nn_binary(nn_binop op, const nn_broadcast *bc, const float *a, const float *b, float *out, size_t i0,
               size_t i1);

/* Softmax over the last dimension: rows [row0, row1) of rows × cols, in place allowed. */
void nn_softmax_rows(const float *in, float *out, size_t cols, size_t row0, size_t row1);

#endif
