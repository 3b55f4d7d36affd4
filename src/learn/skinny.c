/*
 * skinny.c — tall matrix × a few vectors (see skinny.h).
 *
 * The vectors are copied, zero-padded, into 16-float chunks. A·B: each thread takes a range of
 * rows; four rows at a time, two chunks at a time, the 4 × 2 accumulators stay in registers while
 * j runs along the rows. Aᵀ·R: each thread takes a range of A's columns and sums eight rows at a
 * time into its slice of G.
 */
#include "learn/skinny.h"

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nn/parallel.h"

#define W 16            /* floats per chunk: one AVX-512 register */
#define ROWS 4
#define MAX_THREADS 16

typedef float v16 __attribute__((vector_size(W * sizeof(float))));

#if defined(__x86_64__) && defined(__GNUC__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

/* Unaligned 16-float load and store; macros, so that each clone compiles them for its own
   instruction set (a helper function would be built for the baseline and not inlined). */
typedef float v16u __attribute__((vector_size(W * sizeof(float)), aligned(sizeof(float))));
#define load(p) ((v16) * (const v16u *)(p))
#define store(p, v) (*(v16u *)(p) = (v16u)(v))

/* ---- A·B ---- */

typedef struct {
    const float *A, *Bp;
    float *U;
    int n, k, m, lda, chunks, r0, r1;
} ab_job;

/* Writes the accumulators of rows i.. (those below r1) into U's columns of chunk c. */
static void put_rows(const ab_job *J, int i, int c, const v16 *acc)
{
    int cols = J->m - c * W < W ? J->m - c * W : W;
    for (int r = 0; r < ROWS && i + r < J->r1; r++)
        memcpy(J->U + (size_t)(i + r) * J->m + c * W, &acc[r], sizeof(float) * cols);
}

/* The accumulators are named variables, not an array, so that they live in registers. */
CLONES static void ab_rows(const ab_job *J)
{
    const int cw = J->chunks * W;
    for (int i = J->r0; i < J->r1; i += ROWS) {
        const float *a[ROWS];
        for (int r = 0; r < ROWS; r++) a[r] = J->A + (size_t)(i + r < J->r1 ? i + r : J->r1 - 1) * J->lda;
        const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];
        for (int c = 0; c < J->chunks; c += 2) {
            const v16 zero = {0};
            v16 s00 = zero, s01 = zero, s10 = zero, s11 = zero, s20 = zero, s21 = zero, s30 = zero, s31 = zero;
            const float *b = J->Bp + c * W;
            if (c + 1 < J->chunks) {
                for (int j = 0; j < J->k; j++, b += cw) {
                    v16 b0 = load(b), b1 = load(b + W);
                    s00 += a0[j] * b0, s01 += a0[j] * b1;
                    s10 += a1[j] * b0, s11 += a1[j] * b1;
                    s20 += a2[j] * b0, s21 += a2[j] * b1;
                    s30 += a3[j] * b0, s31 += a3[j] * b1;
                }
            } else {
                for (int j = 0; j < J->k; j++, b += cw) {
                    v16 b0 = load(b);
                    s00 += a0[j] * b0, s10 += a1[j] * b0, s20 += a2[j] * b0, s30 += a3[j] * b0;
                }
            }
            v16 first[ROWS] = {s00, s10, s20, s30}, second[ROWS] = {s01, s11, s21, s31};
            put_rows(J, i, c, first);
            if (c + 1 < J->chunks) put_rows(J, i, c + 1, second);
        }
    }
}

static void *ab_thread(void *arg)
{
    ab_rows(arg);
    return NULL;
}

/* ---- Aᵀ·R ---- */

typedef struct {
    const float *A, *Rp;
    float *Gp;
    int n, lda, chunks, j0, j1;
} atb_job;

/* Rows outer, eight at a time, so A is read in whole row segments (a block of columns across all
   rows would walk a new page per row); the thread's slice of G stays in L2 and takes eight rows'
   worth per read-modify-write. */
#define TR 8
CLONES static void atb_cols(const atb_job *J)
{
    const int cw = J->chunks * W;
    memset(J->Gp + (size_t)J->j0 * cw, 0, sizeof(float) * (size_t)(J->j1 - J->j0) * cw);
    for (int i = 0; i < J->n; i += TR) {
        /* Past the last row: any row of A times a zero row of R (Rp has zero rows at the end). */
        const float *a[TR], *rr[TR];
        for (int r = 0; r < TR; r++) {
            int ok = i + r < J->n;
            a[r] = J->A + (size_t)(ok ? i + r : i) * J->lda;
            rr[r] = J->Rp + (size_t)(ok ? i + r : J->n) * cw;
        }
        for (int c = 0; c < J->chunks; c++) {
            v16 r0 = load(rr[0] + c * W), r1 = load(rr[1] + c * W), r2 = load(rr[2] + c * W),
                r3 = load(rr[3] + c * W), r4 = load(rr[4] + c * W), r5 = load(rr[5] + c * W),
                r6 = load(rr[6] + c * W), r7 = load(rr[7] + c * W);
            const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *a4 = a[4], *a5 = a[5], *a6 = a[6],
                        *a7 = a[7];
            float *g = J->Gp + (size_t)J->j0 * cw + c * W;
            for (int j = J->j0; j < J->j1; j++, g += cw) {
                v16 lo = (a0[j] * r0 + a1[j] * r1) + (a2[j] * r2 + a3[j] * r3);
                v16 hi = (a4[j] * r4 + a5[j] * r5) + (a6[j] * r6 + a7[j] * r7);
                store(g, load(g) + (lo + hi));
            }
        }
    }
}

static void *atb_thread(void *arg)
{
    atb_cols(arg);
    return NULL;
}

/* ---- entry points ---- */

static int thread_count(long long work_rows)
{
    int t = nn_cpu_count();   /* not OpenBLAS's count: an nn encoder in this process sets that to 1 */
    if (t > MAX_THREADS) t = MAX_THREADS;
    if (work_rows < 256) t = 1;   /* not worth a thread */
    return t < 1 ? 1 : t;
}

/* Copies the n × m matrix S into n × (chunks·W), zero-padded, plus TR rows of zeros. */
static float *padded(const float *S, int n, int m, int chunks)
{
    float *P = calloc(((size_t)n + TR) * chunks * W, sizeof(float));
    if (P)
        for (int i = 0; i < n; i++) memcpy(P + (size_t)i * chunks * W, S + (size_t)i * m, sizeof(float) * m);
    return P;
}

void skinny_ab(int n, int k, int m, const float *A, int lda, const float *B, float *U)
{
    int chunks = (m + W - 1) / W;
    float *Bp = padded(B, k, m, chunks);
    if (!Bp) {   /* out of memory: the BLAS needs none of ours */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, m, k, 1.0f, A, lda, B, m, 0.0f, U, m);
        return;
    }
    int T = thread_count(n);
    ab_job jobs[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 0; t < T; t++) {
        jobs[t] = (ab_job){A, Bp, U, n, k, m, lda, chunks, (int)((long long)n * t / T), (int)((long long)n * (t + 1) / T)};
        if (t > 0) started[t] = pthread_create(&th[t], NULL, ab_thread, &jobs[t]) == 0;
    }
    for (int t = 0; t < T; t++)
        if (!started[t]) ab_rows(&jobs[t]);
    for (int t = 1; t < T; t++)
        if (started[t]) pthread_join(th[t], NULL);
    free(Bp);
}

void skinny_atb(int n, int k, int m, const float *A, int lda, const float *R, float *G)
{
    int chunks = (m + W - 1) / W;
    float *Rp = padded(R, n, m, chunks);
    float *Gp = malloc(sizeof(float) * (size_t)k * chunks * W);
    if (!Rp || !Gp) {
        free(Rp), free(Gp);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, m, n, 1.0f, A, lda, R, m, 0.0f, G, m);
        return;
    }
    int T = thread_count(k);
    atb_job jobs[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 0; t < T; t++) {
        jobs[t] = (atb_job){A, Rp, Gp, n, lda, chunks, (int)((long long)k * t / T), (int)((long long)k * (t + 1) / T)};
        if (t > 0) started[t] = pthread_create(&th[t], NULL, atb_thread, &jobs[t]) == 0;
    }
    for (int t = 0; t < T; t++)
        if (!started[t]) atb_cols(&jobs[t]);
    for (int t = 1; t < T; t++)
        if (started[t]) pthread_join(th[t], NULL);
    for (int j = 0; j < k; j++) memcpy(G + (size_t)j * m, Gp + (size_t)j * chunks * W, sizeof(float) * m);
    free(Rp), free(Gp);
}
