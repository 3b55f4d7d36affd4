/*
 * neighbours.h — for each query vector, the k reference rows with the highest cosine.
 *
 * Exact, by the duplicate finder's method (learn/dupes.h): one GEMM per block of DUPES_BLOCK
 * reference rows against a batch of queries, then a scan of the block's similarities that skips a
 * run of them at once when none beats a query's current k-th best. Rows and queries must be unit
 * length (the cosine is then the dot product: learn/features.h's features_unit_vector). Cost: one pass over the reference matrix per
 * batch of NEIGHBOURS_QUERY_BATCH queries; memory: one batch × block of similarities.
 */
#ifndef CULL_LEARN_NEIGHBOURS_H
#define CULL_LEARN_NEIGHBOURS_H

#include <stddef.h>
#include <stdint.h>

#define NEIGHBOURS_QUERY_BATCH 256

typedef struct {
    int32_t row;    /* reference row, −1 for an empty slot (fewer than k rows to choose from) */
    float cos;
} neighbour;

/* R: n rows of dim floats (row i at R + i·dim); Q: q rows likewise. For query i, out[i·k ..
   i·k + k) gets its k nearest rows, most similar first (ties: lower row first), skipping row
   skip[i] (its own, when the query is one of the rows; skip may be NULL, −1 skips nothing).
   Returns 0, or −1 when out of memory. */
int neighbours_top_k(const float *R, int n, const float *Q, int q, int dim, int k, const int32_t *skip,
                     neighbour *out);


#endif
