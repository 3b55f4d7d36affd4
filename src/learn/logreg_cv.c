/*
 * logreg_cv.c — k folds × L values of λ solved together, their X products batched into GEMMs
 * (see logreg_cv.h).
 *
 * X is standardised once over all rows (Xs). Fold f's model standardises on its own training
 * rows; on Xs that is x' = (xs − m_f)/s_f with m_f, s_f the mean and deviation of Xs over those
 * rows. Its margin is then z = xs·(β/s_f) + (b − m_f·(β/s_f)), and its gradient is
 * (Xsᵀr − m_f·Σr)/s_f + λβ: one GEMM over Xs serves every problem, whatever its fold.
 *
 * Every problem's GEMM column covers all n rows, its own test rows included (their weight is 0):
 * that wastes 1/k of the products but keeps one matrix for all, and leaves the test rows'
 * margins, hence the out-of-fold predictions, up to date at no extra cost.
 *
 * The per-problem work between GEMMs (line searches: O(training rows) each) runs on as many
 * threads as OpenBLAS uses.
 */
#include "learn/logreg_cv.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "learn/lbfgs.h"
#include "learn/logreg.h"
#include "learn/skinny.h"
#include "nn/parallel.h"

#define MAX_ITER 500        /* the final fits: as logreg_fit */
#define FINAL_TOL 1e-6
#define CV_MAX_ITER 100     /* the folds' fits: a weakly regularised fold can crawl for hundreds of
                               iterations at the end, each a full pass over X for that one problem,
                               while its out-of-fold ranking has long settled */
#define MIN_SCALE 1e-12
#define MAX_THREADS 16

enum { RUNNING, CONVERGED, STOPPED };

typedef struct {
    int *rows, n_rows;       /* training rows */
    double *c;               /* n: normalised class-balanced weight, 0 outside training */
    double *mean, *scale;    /* dim: standardisation of the training rows, on Xs */
} fold_data;

typedef struct {
    const fold_data *fd;
    int fold, state, iter, fresh;   /* fold k: the final fit on every row */
    double lambda, tol;
    int max_iter;
    double *theta, *g, *g_prev, *d, *step;   /* dim + 1: β then the intercept */
    double *z, *u;                           /* n: margins, and their change along d */
    double cst, sum_r;
    lbfgs L;
} column;

typedef struct {
    int n, dim, threads;
    const float *Xs;
    const double *q;        /* n: −1 delete, +1 keep */
    float *V, *U, *R, *G;   /* dim×m, n×m, n×m, dim×m for a batch of m columns */
    column **batch;
    int m;
} solver;

/* ---- threads ---- */

typedef struct {
    solver *S;
    void (*fn)(solver *S, int t);
    int t;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->fn(j->S, j->t);
    return NULL;
}

/* fn(S, t) for t in [0, S->threads), on that many threads (inline when one cannot start). */
static void parallel(solver *S, void (*fn)(solver *S, int t))
{
    pthread_t th[MAX_THREADS];
    job jobs[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 1; t < S->threads; t++) {
        jobs[t] = (job){S, fn, t};
        started[t] = pthread_create(&th[t], NULL, run_job, &jobs[t]) == 0;
        if (!started[t]) fn(S, t);
    }
    fn(S, 0);
    for (int t = 1; t < S->threads; t++)
        if (started[t]) pthread_join(th[t], NULL);
}

/* ---- batched products ---- */

/* Margins from scratch for the batch: z = Xs·(β/s) + b − m·(β/s). */
static void margins(solver *S)
{
    int m = S->m, dim = S->dim;
    for (int a = 0; a < m; a++) {
        column *c = S->batch[a];
        double cst = c->theta[dim];
        for (int j = 0; j < dim; j++) {
            float v = (float)(c->theta[j] / c->fd->scale[j]);
            S->V[(size_t)j * m + a] = v;
            cst -= c->fd->mean[j] * v;
        }
        c->cst = cst;
    }
    skinny_ab(S->n, dim, m, S->Xs, dim, S->V, S->U);
    for (int a = 0; a < m; a++) {
        column *c = S->batch[a];
        for (int i = 0; i < S->n; i++) c->z[i] = S->U[(size_t)i * m + a] + c->cst;
    }
}

/* R[i][a] = c_i·q_i·σ(q_i·z_i) for rows [t·n/T, (t+1)·n/T): by rows, so threads never write
   neighbouring floats. Partial sums go to G's spare area (see gradients). */
static void residuals_part(solver *S, int t)
{
    int m = S->m, lo = (int)((long long)S->n * t / S->threads), hi = (int)((long long)S->n * (t + 1) / S->threads);
    double sums[64] = {0};
    for (int a0 = 0; a0 < m; a0 += 64) {
        int am = m - a0 < 64 ? m - a0 : 64;
        memset(sums, 0, sizeof sums);
        for (int i = lo; i < hi; i++) {
            double q = S->q[i];
            for (int a = 0; a < am; a++) {
                const column *c = S->batch[a0 + a];
                double w = c->fd->c[i];
                float r = w ? (float)(w * q * logistic_sigmoid(q * c->z[i])) : 0.0f;
                S->R[(size_t)i * m + a0 + a] = r;
                sums[a] += r;
            }
        }
        for (int a = 0; a < am; a++) S->G[(size_t)S->dim * m + (size_t)t * m + a0 + a] = (float)sums[a];
    }
}

/* Gradients for the batch, from the margins in z. */
static void gradients(solver *S)
{
    int m = S->m, dim = S->dim;
    parallel(S, residuals_part);
    for (int a = 0; a < m; a++) {
        double s = 0;
        for (int t = 0; t < S->threads; t++) s += S->G[(size_t)dim * m + (size_t)t * m + a];
        S->batch[a]->sum_r = s;
    }
    skinny_atb(S->n, dim, m, S->Xs, dim, S->R, S->G);
    for (int a = 0; a < m; a++) {
        column *c = S->batch[a];
        for (int j = 0; j < dim; j++)
            c->g[j] = (S->G[(size_t)j * m + a] - c->fd->mean[j] * c->sum_r) / c->fd->scale[j] + c->lambda * c->theta[j];
        c->g[dim] = c->sum_r;
    }
}

/* ---- one L-BFGS iteration for every running problem ---- */

/* The search direction, rounded as the GEMM will see it (θ then moves exactly along the
   direction whose product with Xs was computed), into V. */
static void load_direction(solver *S, int a)
{
    column *c = S->batch[a];
    int dim = S->dim, p = dim + 1, m = S->m;
    lbfgs_direction(&c->L, c->g, c->d);
    if (!(lbfgs_dot(c->g, c->d, p) < 0)) {   /* memory went stale: restart from −g */
        c->L.count = 0;
        lbfgs_direction(&c->L, c->g, c->d);
    }
    double cst = c->d[dim];
    for (int j = 0; j < dim; j++) {
        float v = (float)(c->d[j] / c->fd->scale[j]);
        S->V[(size_t)j * m + a] = v;
        c->d[j] = (double)v * c->fd->scale[j];
        cst -= c->fd->mean[j] * v;
    }
    c->cst = cst;
}

static void line_search_part(solver *S, int t)
{
    int dim = S->dim, p = dim + 1, m = S->m;
    for (int a = t; a < m; a += S->threads) {
        column *c = S->batch[a];
        for (int i = 0; i < S->n; i++) c->u[i] = S->U[(size_t)i * m + a] + c->cst;
        double slope0 = lbfgs_dot(c->g, c->d, p);
        double alpha0 = c->L.count ? 1.0 : 1.0 / fmax(1.0, lbfgs_norm_inf(c->d, p));
        logistic_line line = {.n = c->fd->n_rows, .rows = c->fd->rows, .q = S->q, .c = c->fd->c, .z = c->z,
                              .u = c->u, .lambda = c->lambda, .bd = lbfgs_dot(c->theta, c->d, dim),
                              .dd = lbfgs_dot(c->d, c->d, dim)};
        double alpha = logistic_line_search(&line, slope0, alpha0);
        if (alpha == 0) {
            c->state = STOPPED;
            continue;
        }
        for (int j = 0; j < p; j++) {
            c->step[j] = alpha * c->d[j];
            c->theta[j] += c->step[j];
        }
        for (int i = 0; i < S->n; i++) c->z[i] += alpha * c->u[i];
        memcpy(c->g_prev, c->g, sizeof(double) * p);
    }
}

/* Gathers the columns in state RUNNING (and, with need_fresh, not fresh) into the batch. */
static int gather(solver *S, column *cols, int n_cols, int only_stale_converging)
{
    S->m = 0;
    for (int i = 0; i < n_cols; i++) {
        column *c = &cols[i];
        if (c->state != RUNNING) continue;
        if (only_stale_converging && (c->fresh || lbfgs_norm_inf(c->g, S->dim + 1) >= c->tol)) continue;
        S->batch[S->m++] = c;
    }
    return S->m;
}

static void solve(solver *S, column *cols, int n_cols)
{
    int p = S->dim + 1;
    if (gather(S, cols, n_cols, 0)) gradients(S);   /* at the start, margins are the intercepts */
    for (;;) {
        /* A small gradient is believed only when computed from fresh margins (no float drift). */
        if (gather(S, cols, n_cols, 1)) {
            margins(S);
            gradients(S);
            for (int a = 0; a < S->m; a++) S->batch[a]->fresh = 1;
        }
        for (int i = 0; i < n_cols; i++) {
            column *c = &cols[i];
            if (c->state != RUNNING) continue;
            if (c->fresh && lbfgs_norm_inf(c->g, p) < c->tol) c->state = CONVERGED;
            else if (c->iter == c->max_iter) c->state = STOPPED;
        }
        if (!gather(S, cols, n_cols, 0)) break;
        for (int a = 0; a < S->m; a++) load_direction(S, a);
        skinny_ab(S->n, S->dim, S->m, S->Xs, S->dim, S->V, S->U);
        parallel(S, line_search_part);
        if (!gather(S, cols, n_cols, 0)) break;
        gradients(S);
        for (int a = 0; a < S->m; a++) {
            column *c = S->batch[a];
            for (int j = 0; j < p; j++) c->g_prev[j] = c->g[j] - c->g_prev[j];
            lbfgs_push(&c->L, c->step, c->g_prev);
            c->iter++;
            c->fresh = 0;
        }
    }
    /* Problems stopped early predict from fresh margins too. */
    S->m = 0;
    for (int i = 0; i < n_cols; i++)
        if (!cols[i].fresh) S->batch[S->m++] = &cols[i];
    if (S->m) margins(S);
}

/* ---- setup ---- */

/* Xs and the folds' training rows, weights and standardisation (on Xs); fd[k] is "no fold": every
   row trains (the final fits). -1: out of memory or a training split without both classes. */
static int prepare(const float *X, const int8_t *y, const int *fold, int n, int dim, int k, logreg_view view,
                   float *Xs, double *q, double *mean, double *sd, fold_data *fd)
{
    int std_end = view.standardise_end;
#define IGNORED(j) ((j) >= view.ignore_start && (j) < view.ignore_end)
    memset(mean, 0, sizeof(double) * dim);
    memset(sd, 0, sizeof(double) * dim);
    double *s1 = calloc((size_t)(k + 1) * dim, sizeof(double)), *s2 = calloc((size_t)(k + 1) * dim, sizeof(double));
    int *pos = calloc((size_t)k + 1, sizeof(int)), *cnt = calloc((size_t)k + 1, sizeof(int));
    int rc = -1;
    if (!s1 || !s2 || !pos || !cnt) goto done;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < std_end; j++)
            if (!IGNORED(j)) mean[j] += X[(size_t)i * dim + j];
    for (int j = 0; j < std_end; j++) mean[j] /= n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < std_end; j++) {
            double dx = IGNORED(j) ? 0.0 : X[(size_t)i * dim + j] - mean[j];
            sd[j] += dx * dx;
        }
    for (int j = 0; j < dim; j++) {
        sd[j] = j < std_end ? sqrt(sd[j] / n) : 1.0;
        if (sd[j] < MIN_SCALE) sd[j] = 1.0;
    }
    int n_pos = 0;
    for (int i = 0; i < n; i++) {
        const float *x = X + (size_t)i * dim;
        float *o = Xs + (size_t)i * dim;
        double *a = s1 + (size_t)fold[i] * dim, *b = s2 + (size_t)fold[i] * dim;
        for (int j = 0; j < dim; j++) {
            o[j] = IGNORED(j) ? 0.0f : j < std_end ? (float)((x[j] - mean[j]) / sd[j]) : x[j];
            if (j < std_end) a[j] += o[j], b[j] += (double)o[j] * o[j];
        }
        q[i] = y[i] == 1 ? -1.0 : 1.0;
        pos[fold[i]] += y[i] == 1;
        cnt[fold[i]]++;
        n_pos += y[i] == 1;
    }
    for (int f = 0; f <= k; f++) {
        int n_tr = f < k ? n - cnt[f] : n, p_tr = f < k ? n_pos - pos[f] : n_pos;
        if (f < k && cnt[f] == 0) continue;   /* empty fold: nothing to predict, no problem to solve */
        if (p_tr == 0 || p_tr == n_tr) goto done;
        fd[f].n_rows = 0;
        for (int i = 0; i < n; i++)
            if (fold[i] != f) fd[f].rows[fd[f].n_rows++] = i;
        /* w = n/(2·n_class), normalised by W = n_tr: c = 0.5 / n_class. */
        for (int i = 0; i < n; i++)
            fd[f].c[i] = fold[i] == f ? 0.0 : y[i] == 1 ? 0.5 / p_tr : 0.5 / (n_tr - p_tr);
        for (int j = 0; j < dim; j++) {
            if (j >= std_end) {
                fd[f].mean[j] = 0, fd[f].scale[j] = 1;
                continue;
            }
            double tot1 = 0, tot2 = 0;
            for (int g = 0; g < k; g++)
                if (g != f) tot1 += s1[(size_t)g * dim + j], tot2 += s2[(size_t)g * dim + j];
            double mu = tot1 / n_tr, var = tot2 / n_tr - mu * mu;
            /* Xs has unit deviation over all rows: the training rows' own is relative to it. */
            double s = var > 0 ? sqrt(var) : 0;
            fd[f].mean[j] = mu;
            fd[f].scale[j] = s * sd[j] < MIN_SCALE ? 1.0 : s;
        }
    }
    rc = 0;
done:
    free(s1), free(s2), free(pos), free(cnt);
    return rc;
#undef IGNORED
}

static int column_init(column *c, int n, int dim)
{
    int p = dim + 1;
    c->theta = calloc((size_t)p, sizeof(double));
    c->g = malloc(sizeof(double) * p);
    c->g_prev = malloc(sizeof(double) * p);
    c->d = malloc(sizeof(double) * p);
    c->step = malloc(sizeof(double) * p);
    c->z = calloc((size_t)n, sizeof(double));   /* β = 0, intercept 0: every margin starts at 0 */
    c->u = malloc(sizeof(double) * n);
    int mem = lbfgs_init(&c->L, p) == 0;
    if (!mem) c->L.s = NULL;
    return c->theta && c->g && c->g_prev && c->d && c->step && c->z && c->u && mem ? 0 : -1;
}

static void column_free(column *c)
{
    free(c->theta), free(c->g), free(c->g_prev), free(c->d), free(c->step), free(c->z), free(c->u);
    if (c->L.s) lbfgs_free(&c->L);
}

/* The final fit of column c as a logreg_model in X's own units: the all-rows standardisation on
   Xs (mean ≈ 0, scale ≈ 1) composed with Xs's own. */
static int final_model(const column *c, int dim, const double *mean, const double *sd, logreg_model *out)
{
    memset(out, 0, sizeof *out);
    out->dim = dim;
    out->lambda = c->lambda;
    out->mean = malloc(sizeof(float) * dim);
    out->scale = malloc(sizeof(float) * dim);
    out->w = malloc(sizeof(double) * dim);
    if (!out->mean || !out->scale || !out->w) {
        logreg_free(out);
        return -1;
    }
    for (int j = 0; j < dim; j++) {
        out->mean[j] = (float)(mean[j] + c->fd->mean[j] * sd[j]);
        out->scale[j] = (float)(sd[j] * c->fd->scale[j]);
        out->w[j] = c->theta[j];
    }
    out->b = c->theta[dim];
    return 0;
}

int logreg_cv(const float *X, const int8_t *y, const int *fold, int n, int dim, int k, logreg_view view,
              const double *lambdas, int n_lambda, double grad_tol, double *oof, logreg_model *final)
{
    if (view.standardise_end < 0) view.standardise_end = 0;
    if (view.standardise_end > dim) view.standardise_end = dim;
    int n_folds = final ? k + 1 : k, n_cols = n_folds * n_lambda, rc = -1;
    solver S = {.n = n, .dim = dim};
    float *Xs = malloc(sizeof(float) * (size_t)n * dim);
    double *q = malloc(sizeof(double) * (size_t)n);
    double *mean = malloc(sizeof(double) * (size_t)dim), *sd = malloc(sizeof(double) * (size_t)dim);
    fold_data *fd = calloc((size_t)k + 1, sizeof *fd);
    column *cols = calloc((size_t)n_cols, sizeof *cols);
    for (int l = 0; final && l < n_lambda; l++) memset(&final[l], 0, sizeof final[l]);
    S.threads = nn_cpu_count();   /* not OpenBLAS's count: an nn encoder in this process sets that to 1 */
    if (S.threads < 1) S.threads = 1;
    if (S.threads > MAX_THREADS) S.threads = MAX_THREADS;
    S.V = malloc(sizeof(float) * (size_t)dim * n_cols);
    S.U = malloc(sizeof(float) * (size_t)n * n_cols);
    S.R = malloc(sizeof(float) * (size_t)n * n_cols);
    S.G = malloc(sizeof(float) * ((size_t)dim + S.threads) * n_cols);
    S.batch = malloc(sizeof(column *) * (size_t)n_cols);
    S.Xs = Xs;
    S.q = q;
    if (!Xs || !q || !mean || !sd || !fd || !cols || !S.V || !S.U || !S.R || !S.G || !S.batch) goto done;
    for (int f = 0; f <= k; f++) {
        fd[f].rows = malloc(sizeof(int) * (size_t)n);
        fd[f].c = malloc(sizeof(double) * (size_t)n);
        fd[f].mean = malloc(sizeof(double) * (size_t)dim);
        fd[f].scale = malloc(sizeof(double) * (size_t)dim);
        if (!fd[f].rows || !fd[f].c || !fd[f].mean || !fd[f].scale) goto done;
    }
    if (prepare(X, y, fold, n, dim, k, view, Xs, q, mean, sd, fd)) goto done;
    int used = 0;
    for (int l = 0; l < n_lambda; l++) {
        for (int f = 0; f < n_folds; f++) {
            if (fd[f].n_rows == 0) continue;   /* empty fold */
            column *c = &cols[used++];
            c->fd = &fd[f];
            c->fold = f;
            c->lambda = lambdas[l];
            c->tol = f == k ? FINAL_TOL : grad_tol;
            c->max_iter = f == k ? MAX_ITER : CV_MAX_ITER;
            c->fresh = 1;
            if (column_init(c, n, dim)) goto done;
            /* Start where β = 0 is optimal: with balanced weights both classes weigh a half, so
               the intercept is 0 and so are all margins. */
        }
    }
    solve(&S, cols, used);
    for (int a = 0; a < used; a++) {
        const column *c = &cols[a];
        int l = a / (used / n_lambda);
        if (c->fold == k) {
            if (final_model(c, dim, mean, sd, &final[l])) goto done;
            continue;
        }
        for (int i = 0; i < n; i++)
            if (fold[i] == c->fold) oof[(size_t)l * n + i] = logistic_sigmoid(c->z[i]);
    }
    rc = 0;
done:
    for (int l = 0; rc && final && l < n_lambda; l++) logreg_free(&final[l]);
    for (int a = 0; cols && a < n_cols; a++) column_free(&cols[a]);
    for (int f = 0; fd && f <= k; f++) free(fd[f].rows), free(fd[f].c), free(fd[f].mean), free(fd[f].scale);
    free(Xs), free(q), free(mean), free(sd), free(fd), free(cols);
    free(S.V), free(S.U), free(S.R), free(S.G), free(S.batch);
    return rc;
}
