/*
 * neighbours.c — exact top-k cosine search by blocked GEMM (neighbours.h).
 */
#include "learn/neighbours.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#include "learn/dupes.h"

/* A run this long is skipped when none of it beats the cut: a branch-free loop the compiler
   vectorises, as in dupes.c's scan. */
#define SCAN_CHUNK 32
static int any_above(const float *v, float cut)
{
    int any = 0;
    for (int j = 0; j < SCAN_CHUNK; j++) any |= v[j] > cut;
    return any;
}

/* Inserts (row, cos) into best[0..k), kept most similar first; equal cosines keep the earlier row
   first because rows arrive in increasing order. */
static void insert(neighbour *best, int k, int32_t row, float cos)
{
    int i = k - 1;
    while (i > 0 && (best[i - 1].row < 0 || best[i - 1].cos < cos)) {
        best[i] = best[i - 1];
        i--;
    }
    best[i] = (neighbour){row, cos};
}

static void scan_block(const float *sims, int nb, int r0, int k, int32_t skip, neighbour *best)
{
    for (int j = 0; j < nb;) {
        float cut = best[k - 1].row < 0 ? -INFINITY : best[k - 1].cos;
        if (j + SCAN_CHUNK <= nb && !any_above(sims + j, cut)) {
            j += SCAN_CHUNK;
            continue;
        }
        for (int end = j + SCAN_CHUNK < nb ? j + SCAN_CHUNK : nb; j < end; j++)
            if (r0 + j != skip && (best[k - 1].row < 0 || sims[j] > best[k - 1].cos)) insert(best, k, r0 + j, sims[j]);
    }
}

int neighbours_top_k(const float *R, int n, const float *Q, int q, int dim, int k, const int32_t *skip,
                     neighbour *out)
{
    if (k <= 0) return 0;
    for (size_t i = 0; i < (size_t)q * k; i++) out[i] = (neighbour){-1, 0};
    if (n <= 0 || q <= 0) return 0;
    int batch = q < NEIGHBOURS_QUERY_BATCH ? q : NEIGHBOURS_QUERY_BATCH;
    int block = n < DUPES_BLOCK ? n : DUPES_BLOCK;
    float *S = malloc(sizeof(float) * (size_t)batch * block);
    if (!S) return -1;
    for (int q0 = 0; q0 < q; q0 += batch) {
        int nq = q - q0 < batch ? q - q0 : batch;
        for (int r0 = 0; r0 < n; r0 += block) {
            int nb = n - r0 < block ? n - r0 : block;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, nb, dim, 1.0f, Q + (size_t)q0 * dim, dim,
                        R + (size_t)r0 * dim, dim, 0.0f, S, nb);
            for (int i = 0; i < nq; i++)
                scan_block(S + (size_t)i * nb, nb, r0, k, skip ? skip[q0 + i] : -1, out + (size_t)(q0 + i) * k);
        }
    }
    free(S);
    return 0;
}
