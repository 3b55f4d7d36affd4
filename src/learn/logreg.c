/*
 * logreg.c — L-BFGS on the class-balanced, L2-penalised logistic loss (see logreg.h).
 *
 * Cost is dominated by two passes over the training matrix per iteration: X·d for the new search
 * direction and Xᵀr for the gradient. Both run through OpenBLAS sgemv on a float copy of the
 * training rows that is already standardised, so the copy is the only O(n·dim) allocation.
 * The margins z = Xβ + b are kept up to date as z += α·X·d, which makes every line-search trial
 * O(n) instead of another pass over X; they are recomputed from scratch before convergence is
 * declared, so float drift can never fake a small gradient.
 *
 * L-BFGS memory and the line search (which evaluates the loss as a difference from the current
 * point, so it still works near 1e-6) live in lbfgs.c, shared with the batched CV fit.
 */
#include "learn/logreg.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/lbfgs.h"

#define MAX_ITER 500
#define GRAD_TOL 1e-6
#define MIN_SCALE 1e-12

/* ---- the training problem ---- */

/* Parameters θ are β (dim values) followed by the intercept b. Row i's loss is
   c_i · softplus(q_i · z_i) with q_i = −1 for delete, +1 for keep, and c_i = w_i / W. */
typedef struct {
    int n, dim;
    float *X;          /* n × dim, standardised */
    double *q, *c;     /* n each */
    double lambda;
    double *z;         /* n: Xβ + b at the current θ */
    double *u;         /* n: X·d_β + d_b for the current direction */
    float *vec_n;      /* n: float scratch for sgemv */
    float *vec_dim;    /* dim: float scratch for sgemv */
} problem;

/* z = Xβ + b from scratch. */
static void compute_margins(problem *P, const double *theta)
{
    for (int j = 0; j < P->dim; j++)
        P->vec_dim[j] = (float)theta[j];
    cblas_sgemv(CblasRowMajor, CblasNoTrans, P->n, P->dim, 1.0f, P->X, P->dim,
                P->vec_dim, 1, 0.0f, P->vec_n, 1);
    for (int i = 0; i < P->n; i++)
        P->z[i] = P->vec_n[i] + theta[P->dim];
}

/* Gradient at the point whose margins are in z. */
static void compute_gradient(problem *P, const double *theta, double *g)
{
    double gb = 0;
    for (int i = 0; i < P->n; i++) {
        double r = P->c[i] * P->q[i] * logistic_sigmoid(P->q[i] * P->z[i]);
        P->vec_n[i] = (float)r;
        gb += r;
    }
    cblas_sgemv(CblasRowMajor, CblasTrans, P->n, P->dim, 1.0f, P->X, P->dim,
                P->vec_n, 1, 0.0f, P->vec_dim, 1);
    for (int j = 0; j < P->dim; j++)
        g[j] = P->vec_dim[j] + P->lambda * theta[j];
    g[P->dim] = gb;
}

/* u = X·d_β + d_b. d_β is first rounded to float in place, so that θ moves exactly along the
   direction whose product with X was computed. */
static void compute_direction_margins(problem *P, double *d)
{
    for (int j = 0; j < P->dim; j++) {
        P->vec_dim[j] = (float)d[j];
        d[j] = P->vec_dim[j];
    }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, P->n, P->dim, 1.0f, P->X, P->dim,
                P->vec_dim, 1, 0.0f, P->vec_n, 1);
    for (int i = 0; i < P->n; i++)
        P->u[i] = P->vec_n[i] + d[P->dim];
}

/* ---- the solver ---- */

/* Minimises from θ = (0, log-odds of the weighted classes), the optimum when β = 0.
   Fills rep; θ holds the solution. Returns 0, or -1 when out of memory. */
static int minimise(problem *P, double *theta, logreg_report *rep)
{
    int p = P->dim + 1, rc = -1;
    lbfgs L;
    int have_memory = lbfgs_init(&L, p) == 0;
    double *g = malloc(sizeof(double) * p), *g_prev = malloc(sizeof(double) * p);
    double *d = malloc(sizeof(double) * p), *step = malloc(sizeof(double) * p);
    if (!g || !g_prev || !d || !step || !have_memory)
        goto done;

    double pos = 0, neg = 0;
    for (int i = 0; i < P->n; i++)
        *(P->q[i] < 0 ? &pos : &neg) += P->c[i];
    memset(theta, 0, sizeof(double) * p);
    theta[P->dim] = log(pos / neg);
    compute_margins(P, theta);
    compute_gradient(P, theta, g);

    int iter = 0, fresh = 1, converged = 0;
    for (;;) {
        if (lbfgs_norm_inf(g, p) < GRAD_TOL) {
            if (fresh) {
                converged = 1;
                break;
            }
            compute_margins(P, theta);       /* rule out drift before believing it */
            compute_gradient(P, theta, g);
            fresh = 1;
            continue;
        }
        if (iter == MAX_ITER)
            break;

        lbfgs_direction(&L, g, d);
        if (!(lbfgs_dot(g, d, p) < 0)) {           /* memory went stale: restart from −g */
            L.count = 0;
            lbfgs_direction(&L, g, d);
        }
        compute_direction_margins(P, d);
        double slope0 = lbfgs_dot(g, d, p);
        double alpha0 = L.count ? 1.0 : 1.0 / fmax(1.0, lbfgs_norm_inf(d, p));
        logistic_line line = {.n = P->n, .q = P->q, .c = P->c, .z = P->z, .u = P->u,
                              .lambda = P->lambda, .bd = lbfgs_dot(theta, d, P->dim), .dd = lbfgs_dot(d, d, P->dim)};
        double alpha = logistic_line_search(&line, slope0, alpha0);
        if (alpha == 0)
            break;

        for (int j = 0; j < p; j++) {
            step[j] = alpha * d[j];
            theta[j] += step[j];
        }
        for (int i = 0; i < P->n; i++)
            P->z[i] += alpha * P->u[i];
        memcpy(g_prev, g, sizeof(double) * p);
        compute_gradient(P, theta, g);
        for (int j = 0; j < p; j++)
            g_prev[j] = g[j] - g_prev[j];
        lbfgs_push(&L, step, g_prev);
        iter++;
        fresh = 0;
    }
    if (!fresh) {
        compute_margins(P, theta);
        compute_gradient(P, theta, g);
    }
    rep->iterations = iter;
    rep->grad_norm = lbfgs_norm_inf(g, p);
    rep->converged = converged;
    rc = 0;
done:
    free(g), free(g_prev), free(d), free(step);
    if (have_memory)
        lbfgs_free(&L);
    return rc;
}

/* ---- data preparation ---- */

static int row_index(const int *rows, int i)
{
    return rows ? rows[i] : i;
}

/* Mean and scale of columns < std_end over the chosen rows; later columns get 0 and 1.
   Two passes (mean, then squared deviations) so large offsets cost no precision. */
static int column_stats(const float *X, const int *rows, int n, int dim, int std_end,
                        float *mean, float *scale)
{
    double *acc = calloc((size_t)dim, sizeof(double));
    if (!acc)
        return -1;
    for (int i = 0; i < n; i++) {
        const float *x = X + (size_t)row_index(rows, i) * dim;
        for (int j = 0; j < std_end; j++)
            acc[j] += x[j];
    }
    for (int j = 0; j < dim; j++)
        mean[j] = j < std_end ? (float)(acc[j] / n) : 0.0f;
    memset(acc, 0, sizeof(double) * dim);
    for (int i = 0; i < n; i++) {
        const float *x = X + (size_t)row_index(rows, i) * dim;
        for (int j = 0; j < std_end; j++) {
            double dx = (double)x[j] - mean[j];
            acc[j] += dx * dx;
        }
    }
    for (int j = 0; j < dim; j++) {
        double sd = j < std_end ? sqrt(acc[j] / n) : 1.0;
        scale[j] = sd < MIN_SCALE ? 1.0f : (float)sd;
    }
    free(acc);
    return 0;
}

/* The standardised float copy of the chosen rows, laid out contiguously for sgemv. */
static float *standardised_copy(const float *X, const int *rows, int n, int dim,
                                const float *mean, const float *scale)
{
    float *Xs = malloc(sizeof(float) * (size_t)n * dim);
    if (!Xs)
        return NULL;
    for (int i = 0; i < n; i++) {
        const float *x = X + (size_t)row_index(rows, i) * dim;
        float *o = Xs + (size_t)i * dim;
        for (int j = 0; j < dim; j++)
            o[j] = (x[j] - mean[j]) / scale[j];
    }
    return Xs;
}

/* Per-row sign q and normalised weight c = w/W. Returns -1 when a class is missing. */
static int row_weights(const int8_t *y, const int *rows, int n, int balanced, double *q, double *c)
{
    int n_pos = 0;
    for (int i = 0; i < n; i++)
        n_pos += y[row_index(rows, i)] == 1;
    int n_neg = n - n_pos;
    if (n_pos == 0 || n_neg == 0)
        return -1;
    /* w_i = n / (2·n_class): both classes then weigh n/2, so W = n either way. */
    double c_pos = balanced ? 0.5 / n_pos : 1.0 / n;
    double c_neg = balanced ? 0.5 / n_neg : 1.0 / n;
    for (int i = 0; i < n; i++) {
        int del = y[row_index(rows, i)] == 1;
        q[i] = del ? -1.0 : 1.0;
        c[i] = del ? c_pos : c_neg;
    }
    return 0;
}

static void problem_free(problem *P)
{
    free(P->X), free(P->q), free(P->c), free(P->z), free(P->u);
    free(P->vec_n), free(P->vec_dim);
}

int logreg_fit_rows(const float *X, const int8_t *y, const int *rows, int n, int dim,
                    int standardise_end, double lambda, int balanced,
                    logreg_model *out, logreg_report *rep)
{
    memset(out, 0, sizeof *out);
    if (n <= 0 || dim <= 0)
        return -1;
    int std_end = standardise_end < 0 ? 0 : standardise_end > dim ? dim : standardise_end;

    problem P = {.n = n, .dim = dim, .lambda = lambda};
    logreg_report local;
    double *theta = malloc(sizeof(double) * (dim + 1));
    out->dim = dim;
    out->lambda = lambda;
    out->mean = malloc(sizeof(float) * dim);
    out->scale = malloc(sizeof(float) * dim);
    out->w = malloc(sizeof(double) * dim);
    P.q = malloc(sizeof(double) * n);
    P.c = malloc(sizeof(double) * n);
    P.z = malloc(sizeof(double) * n);
    P.u = malloc(sizeof(double) * n);
    P.vec_n = malloc(sizeof(float) * n);
    P.vec_dim = malloc(sizeof(float) * dim);
    int rc = -1;
    if (!theta || !out->mean || !out->scale || !out->w || !P.q || !P.c || !P.z || !P.u ||
        !P.vec_n || !P.vec_dim)
        goto done;
    if (row_weights(y, rows, n, balanced, P.q, P.c) != 0)
        goto done;
    if (column_stats(X, rows, n, dim, std_end, out->mean, out->scale) != 0)
        goto done;
    if (!(P.X = standardised_copy(X, rows, n, dim, out->mean, out->scale)))
        goto done;
    if (minimise(&P, theta, rep ? rep : &local) != 0)
        goto done;
    memcpy(out->w, theta, sizeof(double) * dim);
    out->b = theta[dim];
    rc = 0;
done:
    free(theta);
    problem_free(&P);
    if (rc != 0)
        logreg_free(out);
    return rc;
}

int logreg_fit(const float *X, const int8_t *y, int n, int dim, int standardise_end,
               double lambda, int balanced, logreg_model *out, logreg_report *rep)
{
    return logreg_fit_rows(X, y, NULL, n, dim, standardise_end, lambda, balanced, out, rep);
}

double logreg_term(const logreg_model *m, const float *x, int j)
{
    return m->w[j] * (((double)x[j] - m->mean[j]) / m->scale[j]);
}

double logreg_log_odds(const logreg_model *m, const float *x)
{
    double z = m->b;
    for (int j = 0; j < m->dim; j++) z += logreg_term(m, x, j);
    return z;
}

double logreg_predict(const logreg_model *m, const float *x)
{
    return logistic_sigmoid(logreg_log_odds(m, x));
}

void logreg_free(logreg_model *m)
{
    free(m->mean), free(m->scale), free(m->w);
    memset(m, 0, sizeof *m);
}
