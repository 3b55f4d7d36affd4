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
 * Everything along the search line is evaluated as a difference from the current point
 * (softplus(t + Δ) − softplus(t) = log1p(σ(t)·expm1(Δ))), so the Armijo test still means
 * something when the decrease is far below the loss's rounding error, as it is near 1e-6.
 */
#include "learn/logreg.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITER 500
#define GRAD_TOL 1e-6
#define LBFGS_MEMORY 10
#define LS_MAX_TRIALS 60
#define ARMIJO_C1 1e-4
#define WOLFE_C2 0.9
#define MIN_SCALE 1e-12

/* ---- numerics ---- */

static double sigmoid(double t)
{
    if (t >= 0)
        return 1.0 / (1.0 + exp(-t));
    double e = exp(t);
    return e / (1.0 + e);
}

static double softplus(double t)
{
    return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

/* softplus(t + dt) − softplus(t) without cancellation for small dt. For |dt| ≥ 1 the plain
   difference is already accurate relative to the result, and the product form could hit
   log1p(−1) when σ(t) rounds to 1. */
static double softplus_diff(double t, double dt)
{
    if (fabs(dt) >= 1.0)
        return softplus(t + dt) - softplus(t);
    return log1p(sigmoid(t) * expm1(dt));
}

static double dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static double norm_inf(const double *a, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++)
        m = fmax(m, fabs(a[i]));
    return m;
}

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
        double r = P->c[i] * P->q[i] * sigmoid(P->q[i] * P->z[i]);
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

/* ---- line search ---- */

/* φ(α) = f(θ + α·d) as the difference φ(α) − φ(0) and the slope φ'(α); bd = β·d, dd = ‖d_β‖². */
static void line_eval(const problem *P, double bd, double dd, double alpha,
                      double *delta, double *slope)
{
    double df = 0, ds = 0;
    for (int i = 0; i < P->n; i++) {
        double t = P->q[i] * P->z[i], dt = alpha * P->q[i] * P->u[i];
        df += P->c[i] * softplus_diff(t, dt);
        ds += P->c[i] * P->q[i] * sigmoid(t + dt) * P->u[i];
    }
    *delta = df + P->lambda * alpha * (bd + 0.5 * alpha * dd);
    *slope = ds + P->lambda * (bd + alpha * dd);
}

/* Bracketing search for a step meeting Armijo (sufficient decrease) and the Wolfe curvature
   condition, which keeps sᵀy > 0 for the L-BFGS update. Steps grow ×2 until the slope has
   flattened enough, then bisect. Returns the step, or 0 when none was found; if only the
   curvature condition failed, the longest Armijo step is still taken. */
static double line_search(const problem *P, const double *theta, const double *d,
                          double slope0, double alpha)
{
    double bd = dot(theta, d, P->dim), dd = dot(d, d, P->dim);
    double lo = 0, hi = INFINITY;
    for (int trial = 0; trial < LS_MAX_TRIALS; trial++) {
        double delta, slope;
        line_eval(P, bd, dd, alpha, &delta, &slope);
        if (!(delta <= ARMIJO_C1 * alpha * slope0))      /* also catches NaN */
            hi = alpha;
        else if (slope < WOLFE_C2 * slope0)
            lo = alpha;
        else
            return alpha;
        alpha = isinf(hi) ? 2 * lo : 0.5 * (lo + hi);
    }
    return lo;
}

/* ---- L-BFGS memory ---- */

typedef struct {
    int p, count, newest;          /* p = parameters; pairs stored in a ring */
    double *s, *y, *rho, *a;       /* LBFGS_MEMORY × p, × p, LBFGS_MEMORY, LBFGS_MEMORY */
} lbfgs;

static void lbfgs_push(lbfgs *L, const double *s, const double *y)
{
    double sy = dot(s, y, L->p);
    if (!(sy > 0))                 /* keep the inverse-Hessian estimate positive definite */
        return;
    L->newest = (L->newest + 1) % LBFGS_MEMORY;
    memcpy(L->s + (size_t)L->newest * L->p, s, sizeof(double) * L->p);
    memcpy(L->y + (size_t)L->newest * L->p, y, sizeof(double) * L->p);
    L->rho[L->newest] = 1.0 / sy;
    if (L->count < LBFGS_MEMORY)
        L->count++;
}

/* d = −H·g by the two-loop recursion; plain steepest descent while the memory is empty. */
static void lbfgs_direction(lbfgs *L, const double *g, double *d)
{
    int p = L->p;
    for (int j = 0; j < p; j++)
        d[j] = -g[j];
    if (L->count == 0)
        return;
    for (int k = 0, i = L->newest; k < L->count; k++, i = (i + LBFGS_MEMORY - 1) % LBFGS_MEMORY) {
        const double *s = L->s + (size_t)i * p, *y = L->y + (size_t)i * p;
        L->a[i] = L->rho[i] * dot(s, d, p);
        for (int j = 0; j < p; j++)
            d[j] -= L->a[i] * y[j];
    }
    const double *yn = L->y + (size_t)L->newest * p;
    double gamma = 1.0 / (L->rho[L->newest] * dot(yn, yn, p));   /* sᵀy / yᵀy */
    for (int j = 0; j < p; j++)
        d[j] *= gamma;
    int oldest = (L->newest + LBFGS_MEMORY - L->count + 1) % LBFGS_MEMORY;
    for (int k = 0, i = oldest; k < L->count; k++, i = (i + 1) % LBFGS_MEMORY) {
        const double *s = L->s + (size_t)i * p, *y = L->y + (size_t)i * p;
        double beta = L->rho[i] * dot(y, d, p);
        for (int j = 0; j < p; j++)
            d[j] += (L->a[i] - beta) * s[j];
    }
}

/* ---- the solver ---- */

/* Minimises from θ = (0, log-odds of the weighted classes), the optimum when β = 0.
   Fills rep; θ holds the solution. Returns 0, or -1 when out of memory. */
static int minimise(problem *P, double *theta, logreg_report *rep)
{
    int p = P->dim + 1, rc = -1;
    lbfgs L = {.p = p, .newest = LBFGS_MEMORY - 1};
    double *g = malloc(sizeof(double) * p), *g_prev = malloc(sizeof(double) * p);
    double *d = malloc(sizeof(double) * p), *step = malloc(sizeof(double) * p);
    L.s = malloc(sizeof(double) * LBFGS_MEMORY * p);
    L.y = malloc(sizeof(double) * LBFGS_MEMORY * p);
    L.rho = malloc(sizeof(double) * LBFGS_MEMORY);
    L.a = malloc(sizeof(double) * LBFGS_MEMORY);
    if (!g || !g_prev || !d || !step || !L.s || !L.y || !L.rho || !L.a)
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
        if (norm_inf(g, p) < GRAD_TOL) {
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
        if (!(dot(g, d, p) < 0)) {           /* memory went stale: restart from −g */
            L.count = 0;
            lbfgs_direction(&L, g, d);
        }
        compute_direction_margins(P, d);
        double slope0 = dot(g, d, p);
        double alpha0 = L.count ? 1.0 : 1.0 / fmax(1.0, norm_inf(d, p));
        double alpha = line_search(P, theta, d, slope0, alpha0);
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
    rep->grad_norm = norm_inf(g, p);
    rep->converged = converged;
    rc = 0;
done:
    free(g), free(g_prev), free(d), free(step);
    free(L.s), free(L.y), free(L.rho), free(L.a);
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

double logreg_predict(const logreg_model *m, const float *x)
{
    double z = m->b;
    for (int j = 0; j < m->dim; j++)
        z += m->w[j] * (((double)x[j] - m->mean[j]) / m->scale[j]);
    return sigmoid(z);
}

void logreg_free(logreg_model *m)
{
    free(m->mean), free(m->scale), free(m->w);
    memset(m, 0, sizeof *m);
}
