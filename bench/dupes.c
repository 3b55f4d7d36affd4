/*
 * dupes.c — benchmark: near-duplicate search (learn/dupes.c) over N unit embeddings, then the
 * nearest-neighbour search that `cull explain`, `rank --explain` and the review panel run
 * (learn/neighbours.c): the 5 nearest of all N rows for query batches of 1, 16 and 256, against a
 * plain loop of dot products per query (the baseline, timed in the same run) and checked by it.
 *
 *   dupes ROWS DIM [structured|flat] [THRESHOLD]
 *
 * Synthetic embeddings, non-negative like a CNN's pooled activations, L2-normalised:
 *   structured (default): relu(W·z − 0.2) with z of 256 normal components whose scales fall as
 *       j^−0.8 and W a fixed random DIM×256 matrix: most energy in a few dozen directions, as in
 *       real CNN features, so the projected first pass prunes.
 *   flat: relu(g − 0.3) with g i.i.d. normal per coordinate: no direction stands out, the worst
 *       case for the first pass (every block falls back to the full GEMM).
 * One row in twenty is a near-duplicate of an earlier row (the same vector plus noise, cosine
 * about 0.97-0.99), so there is something to find. Prints the time, the pairs found, and how much
 * the first pass pruned; with ROWS ≤ 20000 also checks the pairs against the plain full GEMM.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>

#include "learn/dupes.h"
#include "learn/neighbours.h"
#include "util/blas_setup.h"
#include "timing.h"
#include "util/splitmix.h"


static uint64_t rng_state = 0x5eed;

static uint64_t rnd(void)
{
    return splitmix_next(&rng_state);
}

/* Roughly standard normal: four 16-bit uniforms, centred and scaled (cheap for 10⁸ draws). */
static float gauss(void)
{
    uint64_t r = rnd();
    double s = (double)(r & 0xffff) + (double)((r >> 16) & 0xffff) + (double)((r >> 32) & 0xffff) + (double)(r >> 48);
    return (float)((s / 65536.0 - 2.0) * 1.7320508075688772);
}

static void normalise(float *x, int d)
{
    double s = 0;
    for (int j = 0; j < d; j++) s += (double)x[j] * x[j];
    float inv = s > 0 ? (float)(1 / sqrt(s)) : 0;
    for (int j = 0; j < d; j++) x[j] *= inv;
}

static float *make(int n, int d, int structured)
{
    enum { Z = 256 };
    float *X = malloc(sizeof(float) * (size_t)n * d);
    if (!X) return NULL;
    if (structured) {
        float *W = malloc(sizeof(float) * (size_t)d * Z), *Zm = malloc(sizeof(float) * (size_t)n * Z);
        if (!W || !Zm) exit(1);
        for (size_t i = 0; i < (size_t)d * Z; i++) W[i] = gauss();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < Z; j++) Zm[(size_t)i * Z + j] = gauss() * powf(j + 1.0f, -0.8f);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, d, Z, 1.0f, Zm, Z, W, Z, 0.0f, X, d);
        for (size_t i = 0; i < (size_t)n * d; i++) X[i] = X[i] > 0.2f ? X[i] - 0.2f : 0.0f;
        free(W), free(Zm);
    } else {
        for (size_t i = 0; i < (size_t)n * d; i++) {
            float g = gauss();
            X[i] = g > 0.3f ? g - 0.3f : 0.0f;
        }
    }
    for (int i = 0; i < n; i++) normalise(X + (size_t)i * d, d);
    for (int i = 1; i < n; i++) {
        if (rnd() % 20) continue;
        const float *src = X + (size_t)(rnd() % i) * d;
        float *x = X + (size_t)i * d;
        float amp = 0.1f + 0.1f * (float)(rnd() % 100) / 100;
        for (int j = 0; j < d; j++) x[j] = src[j] + amp * src[j] * gauss() + 0.002f * (gauss() > 1.5f);
        normalise(x, d);
    }
    return X;
}

/* The 5 nearest rows of one query by a plain loop: the baseline. */
static void nearest_plain(const float *X, int n, int d, const float *q, int k, int32_t *best)
{
    float top[8];
    for (int r = 0; r < k; r++) best[r] = -1, top[r] = -INFINITY;
    for (int i = 0; i < n; i++) {
        float s = 0;
        for (int j = 0; j < d; j++) s += X[(size_t)i * d + j] * q[j];
        if (s <= top[k - 1]) continue;
        int r = k - 1;
        for (; r > 0 && top[r - 1] < s; r--) top[r] = top[r - 1], best[r] = best[r - 1];
        top[r] = s, best[r] = i;
    }
}

static void bench_neighbours(const float *X, int n, int d)
{
    enum { K = 5, REPEATS = 5 };
    static const int batches[] = {1, 16, 256};
    neighbour *out = malloc(sizeof *out * 256 * K);
    int32_t plain[K];
    double t[REPEATS];
    for (int r = 0; r < REPEATS; r++) {
        double t0 = now_monotonic();
        nearest_plain(X, n, d, X + (size_t)(r * 7919 % n) * d, K, plain);
        t[r] = now_monotonic() - t0;
    }
    double base = median(t, REPEATS);
    printf("  nearest 5 of %d rows (neighbours_top_k), median of %d:\n", n, REPEATS);
    printf("    plain loop, 1 query   %8.1f ms   (baseline)\n", base * 1e3);
    int agree = 1;
    for (size_t b = 0; b < sizeof batches / sizeof *batches; b++) {
        int q = batches[b];
        for (int r = 0; r < REPEATS; r++) {
            double t0 = now_monotonic();
            neighbours_top_k(X, n, X + (size_t)(r * 7919 % (n - q + 1)) * d, q, d, K, NULL, out);
            t[r] = now_monotonic() - t0;
        }
        double m = median(t, REPEATS);
        printf("    GEMM, %3d quer%-3s     %8.1f ms   %.2f ms per query, %.1f× the baseline per query\n", q,
               q == 1 ? "y" : "ies", m * 1e3, m * 1e3 / q, base / (m / q));
    }
    /* The check: one query both ways (the query row itself is its own nearest). */
    const float *q = X + (size_t)(n / 2) * d;
    nearest_plain(X, n, d, q, K, plain);
    neighbours_top_k(X, n, q, 1, d, K, NULL, out);
    for (int r = 0; r < K; r++) agree &= out[r].row == plain[r];
    printf("    check: the 5 nearest of row %d %s the plain loop's\n", n / 2, agree ? "equal" : "DIFFER FROM");
    free(out);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: dupes ROWS DIM [structured|flat] [THRESHOLD]\n");
        return 2;
    }
    blas_setup(argv);
    int n = atoi(argv[1]), d = atoi(argv[2]);
    int structured = argc < 4 || strcmp(argv[3], "flat") != 0;
    float T = argc > 4 ? (float)atof(argv[4]) : 0.95f;
    double t0 = now_monotonic();
    float *X = make(n, d, structured);
    if (!X) return 1;
    double t_make = now_monotonic() - t0;
    dupes_pair *pairs;
    size_t np;
    dupes_stats st;
    t0 = now_monotonic();
    int rc = dupes_pairs(X, n, d, (size_t)d, T, (size_t)1 << 28, &pairs, &np, &st);
    double t = now_monotonic() - t0;
    if (rc) {
        fprintf(stderr, "dupes: failed (%d)\n", rc);
        return 1;
    }
    int *group = malloc(sizeof(int) * (size_t)n);
    t0 = now_monotonic();
    int groups = dupes_groups(n, pairs, np, 0, group);
    double t_groups = now_monotonic() - t0;
    double pairs_total = (double)n * (n - 1) / 2;
    printf("  %d × %d %s, cosine ≥ %.2f, OpenBLAS %s × %d threads\n", n, d, structured ? "structured" : "flat", T,
           openblas_get_corename(), openblas_get_num_threads());
    printf("    search      %8.2f s   %zu pairs, %d groups (union-find %.3f s)\n", t, np, groups, t_groups);
    if (st.projected)
        printf("    first pass  %d-d: %lld candidates (%.4f%% of all pairs), %d of %d blocks in full\n",
               st.projected, st.candidates, 100 * st.candidates / pairs_total, st.blocks_full, st.blocks);
    else
        printf("    first pass  none (%s): full GEMM on all %d blocks\n",
               d <= DUPES_DIRECT_DIM || n <= DUPES_BLOCK ? "short vectors or few rows" : "it would not prune", st.blocks);
    printf("    full-GEMM equivalent: %.1f GFLOP; effective %.1f GFLOP/s   (making the rows: %.1f s)\n",
           2 * pairs_total * d / 1e9, 2 * pairs_total * d / 1e9 / t, t_make);
    if (n <= 20000) {
        /* The plain full GEMM, block by block, as the reference. */
        size_t want = 0, agree = 0;
        float *C = malloc(sizeof(float) * 1024 * (size_t)n);
        t0 = now_monotonic();
        for (int a0 = 0; a0 < n; a0 += 1024) {
            int na = n - a0 < 1024 ? n - a0 : 1024;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, na, n, d, 1.0f, X + (size_t)a0 * d, d, X, d, 0.0f, C, n);
            for (int i = 0; i < na; i++)
                for (int j = a0 + i + 1; j < n; j++)
                    if (C[(size_t)i * n + j] >= T) {
                        want++;
                        dupes_pair key = {a0 + i, j, 0};
                        size_t lo = 0, hi = np;
                        while (lo < hi) {
                            size_t mid = (lo + hi) / 2;
                            if (pairs[mid].a < key.a || (pairs[mid].a == key.a && pairs[mid].b < key.b)) lo = mid + 1;
                            else hi = mid;
                        }
                        agree += lo < np && pairs[lo].a == key.a && pairs[lo].b == key.b;
                    }
        }
        printf("    check: plain full GEMM finds %zu pairs (%.2f s), %zu of them found here\n", want, now_monotonic() - t0, agree);
        free(C);
    }
    free(pairs), free(group);
    bench_neighbours(X, n, d);
    free(X);
    return 0;
}
