/*
 * lbfgs.c — L-BFGS memory, logistic numerics and the line search (see lbfgs.h).
 */
#include "learn/lbfgs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LS_MAX_TRIALS 60
#define ARMIJO_C1 1e-4
#define WOLFE_C2 0.9

double lbfgs_dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

double lbfgs_norm_inf(const double *a, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++)
        m = fmax(m, fabs(a[i]));
    return m;
}

/* ---- numerics ---- */

double logistic_sigmoid(double t)
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
    return log1p(logistic_sigmoid(t) * expm1(dt));
}

/* ---- line search ---- */

/* φ(α) − φ(0) and φ'(α) along the line. */
static void line_eval(const logistic_line *L, double alpha, double *delta, double *slope)
{
    double df = 0, ds = 0;
    for (int k = 0; k < L->n; k++) {
        int i = L->rows ? L->rows[k] : k;
        double t = L->q[i] * L->z[i], dt = alpha * L->q[i] * L->u[i];
        df += L->c[i] * softplus_diff(t, dt);
        ds += L->c[i] * L->q[i] * logistic_sigmoid(t + dt) * L->u[i];
    }
    *delta = df + L->lambda * alpha * (L->bd + 0.5 * alpha * L->dd);
    *slope = ds + L->lambda * (L->bd + alpha * L->dd);
}

/* Steps grow ×2 until the slope has flattened enough, then bisect. */
double logistic_line_search(const logistic_line *line, double slope0, double alpha)
{
    double lo = 0, hi = INFINITY;
    for (int trial = 0; trial < LS_MAX_TRIALS; trial++) {
        double delta, slope;
        line_eval(line, alpha, &delta, &slope);
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

int lbfgs_init(lbfgs *L, int p)
{
    *L = (lbfgs){.p = p, .newest = LBFGS_MEMORY - 1};
    L->s = malloc(sizeof(double) * LBFGS_MEMORY * p);
    L->y = malloc(sizeof(double) * LBFGS_MEMORY * p);
    L->rho = malloc(sizeof(double) * LBFGS_MEMORY);
    L->a = malloc(sizeof(double) * LBFGS_MEMORY);
    if (L->s && L->y && L->rho && L->a)
        return 0;
    lbfgs_free(L);
    return -1;
}

void lbfgs_free(lbfgs *L)
{
    free(L->s), free(L->y), free(L->rho), free(L->a);
    L->s = L->y = L->rho = L->a = NULL;
}

void lbfgs_push(lbfgs *L, const double *s, const double *y)
{
    double sy = lbfgs_dot(s, y, L->p);
    if (!(sy > 0))
        return;
    L->newest = (L->newest + 1) % LBFGS_MEMORY;
    memcpy(L->s + (size_t)L->newest * L->p, s, sizeof(double) * L->p);
    memcpy(L->y + (size_t)L->newest * L->p, y, sizeof(double) * L->p);
    L->rho[L->newest] = 1.0 / sy;
    if (L->count < LBFGS_MEMORY)
        L->count++;
}

void lbfgs_direction(lbfgs *L, const double *g, double *d)
{
    int p = L->p;
    for (int j = 0; j < p; j++)
        d[j] = -g[j];
    if (L->count == 0)
        return;
    for (int k = 0, i = L->newest; k < L->count; k++, i = (i + LBFGS_MEMORY - 1) % LBFGS_MEMORY) {
        const double *s = L->s + (size_t)i * p, *y = L->y + (size_t)i * p;
        L->a[i] = L->rho[i] * lbfgs_dot(s, d, p);
        for (int j = 0; j < p; j++)
            d[j] -= L->a[i] * y[j];
    }
    const double *yn = L->y + (size_t)L->newest * p;
    double gamma = 1.0 / (L->rho[L->newest] * lbfgs_dot(yn, yn, p));   /* sᵀy / yᵀy */
    for (int j = 0; j < p; j++)
        d[j] *= gamma;
    int oldest = (L->newest + LBFGS_MEMORY - L->count + 1) % LBFGS_MEMORY;
    for (int k = 0, i = oldest; k < L->count; k++, i = (i + 1) % LBFGS_MEMORY) {
        const double *s = L->s + (size_t)i * p, *y = L->y + (size_t)i * p;
        double beta = L->rho[i] * lbfgs_dot(y, d, p);
        for (int j = 0; j < p; j++)
            d[j] += (L->a[i] - beta) * s[j];
    }
}
