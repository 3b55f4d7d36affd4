/*
 * dupes.c — exact near-duplicate pairs by blocked GEMM with a projected first pass, and groups by
 * union-find (see dupes.h).
 *
 * Float safety of the first pass: the bound is only worth anything if it never falls below the
 * true cosine. The residual length r is computed as sqrt(‖x‖² − ‖p‖² + RESIDUAL_SLACK), which
 * overestimates it by far more than the float error of ‖p‖² (about 1e-6), and the bound is compared
 * with threshold − BOUND_MARGIN, which covers the float error of the bound's own GEMM and of Q's
 * orthonormality (both around 1e-6).
 */
#include "learn/dupes.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/splitmix.h"

#define RESIDUAL_SLACK 1e-5
#define BOUND_MARGIN 1e-4f
#define SAMPLE_ROWS 4096          /* rows the basis is estimated from */
#define SUBSPACE_ITERS 6
#define VERIFY_COST 15            /* a lone dot product costs about this many GEMM entries */
#define FULL_SHARE 16             /* more than 1/FULL_SHARE of a block passing: full GEMM instead
                                     (past 1/VERIFY_COST the dot products cost more than the block) */

/* ---- thresholds ---- */

/* Measured with scripts/dupes-threshold.sh (2026-12-05): the 36 demo photos, 40 of the demo
   screenshots and 40 gnuplot charts in one style, each with three copies (re-encoded at JPEG
   quality 60, halved, 90% centre crop), cosine of the L2-normalised embeddings. "Found" counts
   original–copy and copy–copy pairs; "joined" counts pairs of different pictures.
                  photos                     screenshots                charts
                  copies ≥   different ≤     copies ≥   different ≤     copies ≥   different ≤
   lite-1         0.993      0.978           0.893      0.998           0.986      1.000
   mobilenet      0.909      0.838           0.652      0.973           0.796      0.992
   lite-1 at 0.985: every photo copy found, no two photos joined; screenshots 60% found, 1.0% of
            pairs joined; charts 100% found but 44% joined. lite sees colour and texture
            statistics only, so different charts of one style are the same to it: no threshold
            separates them (the caveat below says so).
   mobilenet at 0.90: every photo copy found, no two photos joined; screenshots 67% found, 2.1%
            joined; charts 63% found, 20% joined. At 0.98: photos 57% found, screenshots 15% and
            0%, charts 50% and 0.26% — the trade the caveat offers for charts and screenshots.
   The defaults keep every photo copy (the commonest duplicates) and say what they cost elsewhere.
   Others (the CLIP ViTs): not measured (their weights cannot be fetched here); 0.95 is the usual
   near-duplicate cut for CLIP features. Run the script with --encoder's name and add a row. */
static const struct {
    const char *prefix;
    float threshold;
    const char *caveat;     /* what a user should know about groups found below caveat_until */
    float caveat_until;
} THRESHOLDS[] = {
    {"lite-", 0.985f,
     "lite compares colour and texture statistics, not what is drawn: different charts or screenshots in one style "
     "group together at any threshold; for content, cull model fetch mobilenet and cull dupes --encoder mobilenet",
     2.0f},
    {"mobilenet-", 0.90f,
     "different charts or screenshots in one style can group at mobilenet's 0.90 (photos do not); --threshold 0.98 "
     "joins almost none of them but finds about half of their re-encoded or resized copies",
     0.98f},
};
#define DEFAULT_THRESHOLD 0.95f

static int threshold_row(const char *encoder_id)
{
    for (size_t i = 0; i < sizeof THRESHOLDS / sizeof *THRESHOLDS; i++)
        if (strncmp(encoder_id, THRESHOLDS[i].prefix, strlen(THRESHOLDS[i].prefix)) == 0) return (int)i;
    return -1;
}

float dupes_default_threshold(const char *encoder_id)
{
    int i = threshold_row(encoder_id);
    return i < 0 ? DEFAULT_THRESHOLD : THRESHOLDS[i].threshold;
}

const char *dupes_threshold_caveat(const char *encoder_id, float threshold)
{
    int i = threshold_row(encoder_id);
    return i < 0 || threshold >= THRESHOLDS[i].caveat_until ? NULL : THRESHOLDS[i].caveat;
}

/* ---- the first-pass basis ---- */

/* Modified Gram–Schmidt, twice, in double, on the k rows of A (k × dim, one basis vector per
   row); writes Q (dim × k, one per column). A vector that vanishes is replaced by a coordinate
   vector: any orthonormal basis keeps the bound valid. */
static void orthonormalise(double *A, int dim, int k, float *Q)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int c = 0; c < k; c++) {
            double *v = A + (size_t)c * dim;
            for (int prev = 0; prev < c; prev++) {
                const double *u = A + (size_t)prev * dim;
                double d = 0;
                for (int j = 0; j < dim; j++) d += v[j] * u[j];
                for (int j = 0; j < dim; j++) v[j] -= d * u[j];
            }
            double nrm = 0;
            for (int j = 0; j < dim; j++) nrm += v[j] * v[j];
            nrm = sqrt(nrm);
            if (nrm < 1e-9) {
                for (int j = 0; j < dim; j++) v[j] = j == (c * 7919 + pass) % dim;
                c--;                       /* orthogonalise it again */
                continue;
            }
            for (int j = 0; j < dim; j++) v[j] /= nrm;
        }
    }
    for (int c = 0; c < k; c++)
        for (int j = 0; j < dim; j++) Q[(size_t)j * k + c] = (float)A[(size_t)c * dim + j];
}

/* Q (dim×k, orthonormal columns): the leading eigenvectors of the second-moment matrix of up to
   SAMPLE_ROWS evenly spaced rows, by subspace iteration from a seeded random start. */
static int basis(const float *X, int n, int dim, size_t ld, int k, float *Q)
{
    int m = n < SAMPLE_ROWS ? n : SAMPLE_ROWS;
    float *S = malloc(sizeof(float) * (size_t)m * dim);
    float *M = malloc(sizeof(float) * (size_t)dim * dim);
    float *Y = malloc(sizeof(float) * (size_t)dim * k);
    double *A = malloc(sizeof(double) * (size_t)dim * k);
    int rc = -1;
    if (!S || !M || !Y || !A) goto done;
    for (int i = 0; i < m; i++)
        memcpy(S + (size_t)i * dim, X + (size_t)((long long)i * n / m) * ld, sizeof(float) * dim);
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, dim, m, 1.0f, S, dim, 0.0f, M, dim);
    for (int i = 0; i < dim; i++)
        for (int j = 0; j < i; j++) M[(size_t)i * dim + j] = M[(size_t)j * dim + i];
    for (size_t i = 0; i < (size_t)dim * k; i++)
        A[i] = (double)(mix64(i ^ 0x64757065) >> 11) / 9007199254740992.0 - 0.5;
    orthonormalise(A, dim, k, Q);
    for (int it = 0; it < SUBSPACE_ITERS; it++) {
        /* Yᵀ = Qᵀ·M (M is symmetric): k × dim, one vector per row, as orthonormalise wants. */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, dim, dim, 1.0f, Q, k, M, dim, 0.0f, Y, dim);
        for (size_t i = 0; i < (size_t)dim * k; i++) A[i] = Y[i];
        orthonormalise(A, dim, k, Q);
    }
    rc = 0;
done:
    free(S), free(M), free(Y), free(A);
    return rc;
}

/* Candidate share among the pairs of two sample blocks when the bound uses the first k basis
   vectors: P holds n rows of DUPES_PROJECT_DIM + 1 floats, xx their squared lengths. */
static double sample_share(const float *P, const double *xx, int n, int k, float cut)
{
    enum { S = 512 };
    int na = n / 2 < S ? n / 2 : S, b0 = n / 2, stride = DUPES_PROJECT_DIM + 1;
    long long hits = 0;
    for (int i = 0; i < na; i++) {
        const float *p = P + (size_t)i * stride;
        double ri = 0;
        for (int t = 0; t < k; t++) ri += (double)p[t] * p[t];
        ri = sqrt(fmax(xx[i] - ri, 0.0) + RESIDUAL_SLACK);
        for (int j = b0; j < b0 + na; j++) {
            const float *q = P + (size_t)j * stride;
            double dot = 0, rj = 0;
            for (int t = 0; t < k; t++) dot += (double)p[t] * q[t], rj += (double)q[t] * q[t];
            rj = sqrt(fmax(xx[j] - rj, 0.0) + RESIDUAL_SLACK);
            hits += dot + ri * rj >= cut;
        }
    }
    return na ? (double)hits / ((double)na * na) : 1.0;
}

/* The first pass's rows [p, r] (n × (k+1), p = Qᵀx over the first k basis vectors, r an
   overestimate of the residual's length, so row_a · row_b ≥ x_a · x_b), with k chosen from
   32, 64, 128 by the cost it predicts on a sample: (k + 1) per pair for the bound GEMM, plus
   VERIFY_COST · dim per candidate (or dim, the full GEMM, once a block would fall back).
   Returns NULL with *kk = 0 when no k beats the plain full GEMM (data with no dominant
   directions), or on running out of memory (*kk = −1). */
static float *bound_rows(const float *X, int n, int dim, size_t ld, const float *Q, float threshold, int *kk)
{
    const int K = DUPES_PROJECT_DIM, stride = K + 1;
    float *P = malloc(sizeof(float) * (size_t)n * stride);
    double *xx = malloc(sizeof(double) * (size_t)n);
    *kk = -1;
    if (!P || !xx) {
        free(P), free(xx);
        return NULL;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, K, dim, 1.0f, X, (int)ld, Q, K, 0.0f, P, stride);
    for (int i = 0; i < n; i++) {
        const float *x = X + (size_t)i * ld;
        double s = 0;
        for (int j = 0; j < dim; j++) s += (double)x[j] * x[j];
        xx[i] = s;
    }
    int best_k = 0;
    double best_cost = dim;   /* the plain full GEMM, per pair */
    for (int k = 32; k <= K; k *= 2) {
        double share = sample_share(P, xx, n, k, threshold - BOUND_MARGIN);
        double cost = k + 1 + (share > 1.0 / FULL_SHARE ? dim : VERIFY_COST * dim * share);
        if (cost < best_cost) best_cost = cost, best_k = k;
    }
    *kk = best_k ? best_k + 1 : 0;
    if (!best_k) {
        free(P), free(xx);
        return NULL;
    }
    for (int i = 0; i < n; i++) {   /* compact in place to rows of k + 1 (never past row i's source) */
        float *src = P + (size_t)i * stride, *dst = P + (size_t)i * (best_k + 1);
        double pp = 0;
        for (int t = 0; t < best_k; t++) pp += (double)src[t] * src[t];
        float r = (float)sqrt(fmax(xx[i] - pp, 0.0) + RESIDUAL_SLACK);
        memmove(dst, src, sizeof(float) * best_k);
        dst[best_k] = r;
    }
    free(xx);
    return P;
}

/* ---- the blocked search ---- */

typedef struct {
    dupes_pair *v;
    size_t n, cap, max;
    int too_many;
} pair_list;

static int push(pair_list *L, int a, int b, float c)
{
    if (L->n == L->max) {
        L->too_many = 1;
        return -1;
    }
    if (L->n == L->cap) {
        size_t cap = L->cap ? 2 * L->cap : 4096;
        if (cap > L->max) cap = L->max;
        dupes_pair *g = realloc(L->v, sizeof *g * cap);
        if (!g) return -1;
        L->v = g;
        L->cap = cap;
    }
    L->v[L->n++] = (dupes_pair){a, b, c};
    return 0;
}

typedef struct {
    const float *X;
    int dim;
    size_t ld;
    float threshold;
    const float *P;     /* bound rows, or NULL: every block is done in full */
    int kk;
    float *C;           /* DUPES_BLOCK² scratch */
    int32_t *cand;      /* 2 × DUPES_BLOCK² / FULL_SHARE scratch */
    dupes_stats *st;
    pair_list *out;
} search;

/* Whether any of SCAN_CHUNK floats reaches cut: a fixed-length branch-free loop the compiler
   vectorises, so the scan over all n²/2 bounds runs at memory speed, not one branch per pair. */
#define SCAN_CHUNK 32
static int any_reaching(const float *v, float cut)
{
    int any = 0;
    for (int j = 0; j < SCAN_CHUNK; j++) any |= v[j] >= cut;
    return any;
}

/* Pairs of block rows [a0, a0+na) × [b0, b0+nb) from the full GEMM (diagonal blocks: j > i). */
static int full_block(search *s, int a0, int na, int b0, int nb)
{
    s->st->blocks_full++;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, na, nb, s->dim, 1.0f, s->X + (size_t)a0 * s->ld,
                (int)s->ld, s->X + (size_t)b0 * s->ld, (int)s->ld, 0.0f, s->C, nb);
    for (int i = 0; i < na; i++) {
        const float *row = s->C + (size_t)i * nb;
        for (int j = a0 == b0 ? i + 1 : 0; j < nb;) {
            if (j + SCAN_CHUNK <= nb && !any_reaching(row + j, s->threshold)) {
                j += SCAN_CHUNK;
                continue;
            }
            for (int end = j + SCAN_CHUNK < nb ? j + SCAN_CHUNK : nb; j < end; j++)
                if (row[j] >= s->threshold && push(s->out, a0 + i, b0 + j, row[j])) return -1;
        }
    }
    return 0;
}

/* The bound GEMM, then either each candidate's dot product or, when too many pass, the full
   block. */
static int bounded_block(search *s, int a0, int na, int b0, int nb)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, na, nb, s->kk, 1.0f, s->P + (size_t)a0 * s->kk, s->kk,
                s->P + (size_t)b0 * s->kk, s->kk, 0.0f, s->C, nb);
    const float cut = s->threshold - BOUND_MARGIN;
    const long long limit = (long long)na * nb / FULL_SHARE;
    long long nc = 0;
    for (int i = 0; i < na; i++) {
        const float *row = s->C + (size_t)i * nb;
        for (int j = a0 == b0 ? i + 1 : 0; j < nb;) {
            if (j + SCAN_CHUNK <= nb && !any_reaching(row + j, cut)) {
                j += SCAN_CHUNK;
                continue;
            }
            for (int end = j + SCAN_CHUNK < nb ? j + SCAN_CHUNK : nb; j < end; j++) {
                if (row[j] < cut) continue;
                if (nc == limit) {
                    s->st->candidates += nc;
                    return full_block(s, a0, na, b0, nb);
                }
                s->cand[2 * nc] = i;
                s->cand[2 * nc + 1] = j;
                nc++;
            }
        }
    }
    s->st->candidates += nc;
    for (long long c = 0; c < nc; c++) {
        int a = a0 + s->cand[2 * c], b = b0 + s->cand[2 * c + 1];
        float v = cblas_sdot(s->dim, s->X + (size_t)a * s->ld, 1, s->X + (size_t)b * s->ld, 1);
        if (v >= s->threshold && push(s->out, a, b, v)) return -1;
    }
    return 0;
}

static int cmp_pair(const void *pa, const void *pb)
{
    const dupes_pair *a = pa, *b = pb;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

int dupes_pairs(const float *X, int n, int dim, size_t ld, float threshold, size_t max_pairs,
                dupes_pair **out, size_t *n_out, dupes_stats *st)
{
    dupes_stats local = {0};
    if (!st) st = &local;
    memset(st, 0, sizeof *st);
    *out = NULL;
    *n_out = 0;
    if (n < 2 || dim <= 0) return 0;
    pair_list L = {.max = max_pairs};
    search s = {.X = X, .dim = dim, .ld = ld, .threshold = threshold, .st = st, .out = &L};
    float *Q = NULL;
    int rc = -1;
    s.C = malloc(sizeof(float) * DUPES_BLOCK * DUPES_BLOCK);
    s.cand = malloc(sizeof(int32_t) * 2 * (DUPES_BLOCK * DUPES_BLOCK / FULL_SHARE + 1));
    if (!s.C || !s.cand) goto done;
    if (dim > DUPES_DIRECT_DIM && n > DUPES_BLOCK) {
        Q = malloc(sizeof(float) * (size_t)dim * DUPES_PROJECT_DIM);
        if (!Q || basis(X, n, dim, ld, DUPES_PROJECT_DIM, Q)) goto done;
        s.P = bound_rows(X, n, dim, ld, Q, threshold, &s.kk);
        if (s.kk < 0) goto done;
        st->projected = s.kk ? s.kk - 1 : 0;
    }
    for (int a0 = 0; a0 < n; a0 += DUPES_BLOCK) {
        int na = n - a0 < DUPES_BLOCK ? n - a0 : DUPES_BLOCK;
        for (int b0 = a0; b0 < n; b0 += DUPES_BLOCK) {
            int nb = n - b0 < DUPES_BLOCK ? n - b0 : DUPES_BLOCK;
            st->blocks++;
            if (s.P ? bounded_block(&s, a0, na, b0, nb) : full_block(&s, a0, na, b0, nb)) goto done;
        }
    }
    if (L.n) qsort(L.v, L.n, sizeof *L.v, cmp_pair);
    *out = L.v;
    *n_out = L.n;
    L.v = NULL;
    rc = 0;
done:
    if (rc && L.too_many) rc = -2;
    free(L.v);
    free(s.C), free(s.cand), free(Q), free((float *)s.P);
    return rc;
}

/* ---- groups ---- */

static int find(int *parent, int i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* Most similar first; ties by (a, b), so the result never depends on qsort's order. */
static int cmp_similar(const void *pa, const void *pb)
{
    const dupes_pair *a = pa, *b = pb;
    if (a->cos != b->cos) return a->cos > b->cos ? -1 : 1;
    return cmp_pair(pa, pb);
}

int dupes_groups(int n, const dupes_pair *pairs, size_t n_pairs, int max_size, int *group)
{
    int *parent = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    int *size = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    dupes_pair *order = max_size > 0 ? malloc(sizeof *order * (n_pairs ? n_pairs : 1)) : NULL;
    if (!parent || !size || (max_size > 0 && !order)) {
        free(parent), free(size), free(order);
        return -1;
    }
    for (int i = 0; i < n; i++) parent[i] = i, size[i] = 1;
    const dupes_pair *p = pairs;
    if (order && n_pairs) {
        memcpy(order, pairs, sizeof *order * n_pairs);
        qsort(order, n_pairs, sizeof *order, cmp_similar);
        p = order;
    }
    for (size_t e = 0; e < n_pairs; e++) {
        int ra = find(parent, p[e].a), rb = find(parent, p[e].b);
        if (ra == rb || (max_size > 0 && size[ra] + size[rb] > max_size)) continue;
        if (size[ra] < size[rb]) {
            int t = ra;
            ra = rb;
            rb = t;
        }
        parent[rb] = ra;
        size[ra] += size[rb];
    }
    /* Name each component by its smallest row: the first of its rows met in index order. */
    int *name = size;   /* reused: root → smallest member, −1 until met */
    for (int i = 0; i < n; i++) name[i] = -1;
    for (int i = 0; i < n; i++) {
        int r = find(parent, i);
        if (name[r] < 0) name[r] = i;
        group[i] = name[r];
    }
    /* Components of two or more: count each name the first time another row carries it. */
    int groups = 0;
    for (int i = 0; i < n; i++) parent[i] = 0;
    for (int i = 0; i < n; i++)
        if (group[i] != i && parent[group[i]]++ == 0) groups++;
    free(parent), free(size), free(order);
    return groups;
}

int dupes_star_groups(int n, const dupes_pair *pairs, size_t n_pairs, const int *order, int *group)
{
    /* Neighbour lists (CSR) of the pair graph. */
    size_t *start = calloc((size_t)n + 1, sizeof *start);
    int32_t *next = malloc(sizeof *next * (2 * n_pairs + 1));
    size_t *fill = malloc(sizeof *fill * ((size_t)n + 1));
    int groups = -1;
    if (!start || !next || !fill) goto out;
    for (size_t k = 0; k < n_pairs; k++) start[pairs[k].a + 1]++, start[pairs[k].b + 1]++;
    for (int i = 0; i < n; i++) start[i + 1] += start[i];
    memcpy(fill, start, sizeof *fill * ((size_t)n + 1));
    for (size_t k = 0; k < n_pairs; k++) next[fill[pairs[k].a]++] = pairs[k].b, next[fill[pairs[k].b]++] = pairs[k].a;
    for (int i = 0; i < n; i++) group[i] = -1;
    groups = 0;
    for (int o = 0; o < n; o++) {
        int c = order[o];
        if (group[c] >= 0) continue;
        group[c] = c;
        int taken = 0;
        for (size_t e = start[c]; e < start[c + 1]; e++)
            if (group[next[e]] < 0) group[next[e]] = c, taken = 1;
        groups += taken;
    }
out:
    free(start), free(next), free(fill);
    return groups;
}
