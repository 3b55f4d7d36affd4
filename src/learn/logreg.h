/*
 * logreg.h — L2-regularised, class-balanced logistic regression, solved to convergence.
 *
 * Minimises  (1/W) Σ_i w_i · log(1 + exp(−s_i (x_i·β + b)))  +  (λ/2)·‖β‖²
 * with s_i = +1 for delete, −1 for keep, and w_i = n/(2·n_class(i)) when balanced (else 1),
 * W = Σ w_i. The intercept b is not penalised. Columns are standardised inside the model
 * (mean/scale estimated on the training rows for columns < standardise_end; later columns —
 * hashed token counts — are left as they are), so λ means the same for every encoder.
 * Solver: L-BFGS on the exact gradient, stopping when ‖∇‖∞ < 1e-6 or after max_iter.
 */
#ifndef CULL_LEARN_LOGREG_H
#define CULL_LEARN_LOGREG_H

#include <stdint.h>

typedef struct {
    int dim;
    float *mean, *scale;   /* dim each: x' = (x − mean) / scale */
    double *w;             /* dim weights on standardised columns */
    double b;              /* intercept */
    double lambda;
} logreg_model;

typedef struct {
    int iterations;
    double grad_norm;      /* ‖∇‖∞ at the end */
    int converged;
} logreg_report;

/* X: n rows of dim floats, row-major. y[i] = 1 delete, 0 keep. Needs both classes present.
   Returns 0, or -1 (both classes not present, or out of memory). rep may be NULL. The solver
   copies the training rows once (standardised floats), so peak memory is about twice X. */
int logreg_fit(const float *X, const int8_t *y, int n, int dim, int standardise_end,
               double lambda, int balanced, logreg_model *out, logreg_report *rep);

/* logreg_fit on the rows of X listed in rows[0..n) (all of the first n rows when rows is NULL).
   Cross-validation trains on most of X once per fold; this avoids gathering each training split
   into a second matrix before the solver makes its own standardised copy. */
int logreg_fit_rows(const float *X, const int8_t *y, const int *rows, int n, int dim,
                    int standardise_end, double lambda, int balanced,
                    logreg_model *out, logreg_report *rep);

/* P(delete) for one row; the log-odds it is the sigmoid of, b + Σ_j logreg_term(j); column j's
   term w_j·(x_j − mean_j)/scale_j (what learn/explain.h adds up by feature). */
double logreg_predict(const logreg_model *m, const float *x);
double logreg_log_odds(const logreg_model *m, const float *x);
double logreg_term(const logreg_model *m, const float *x, int j);

void logreg_free(logreg_model *m);

#endif
