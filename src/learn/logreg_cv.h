/*
 * logreg_cv.h — out-of-fold predictions of the logistic regression (logreg.h) for every fold and
 * several λ at once.
 *
 * k folds × L values of λ are k·L independent problems over the same rows. Solved one by one,
 * each L-BFGS iteration reads the whole matrix twice through sgemv, which is memory-bound. Solved
 * together, the products of all columns still unsolved become two GEMMs per iteration
 * (X·[d_1 … d_m] and Xᵀ·[r_1 … r_m]), which read the matrix once for all of them. Each problem
 * keeps its own L-BFGS memory, line search and stopping test, and the result is the same as
 * cv_out_of_fold per λ (same loss, same per-fold standardisation, same start), to the solver's
 * tolerance: per-fold standardisation is folded into each problem's parameters (β/scale and a
 * shifted intercept) so that one standardised copy of X serves every fold.
 */
#ifndef CULL_LEARN_LOGREG_CV_H
#define CULL_LEARN_LOGREG_CV_H

#include <stdint.h>

#include "learn/logreg.h"

/* How the models see X's columns. */
typedef struct {
    int standardise_end;            /* columns before it are standardised on the training rows */
    int ignore_start, ignore_end;   /* columns in [start, end) are read as zeros, so they take no
                                       weight: the fit without them, with no copy of X */
} logreg_view;

/* oof[l·n + i]: out-of-fold P(delete) of row i with λ = lambdas[l], rows of fold f predicted by the
   model fitted on the other folds (class-balanced, columns as view says). grad_tol: the folds'
   stopping test ‖∇‖∞ < grad_tol (logreg_fit uses 1e-6; out-of-fold rankings settle long before);
   the folds also stop after 100 iterations. With final not NULL, the same batch also fits each λ
   on every row, to logreg_fit's tolerance, into final[l] (free each with logreg_free; ignored
   columns get weight 0): the model to keep once λ is chosen, at almost no extra cost. Returns 0,
   or -1 when some training split lacks a class or memory runs out. */
int logreg_cv(const float *X, const int8_t *y, const int *fold, int n, int dim, int k, logreg_view view,
              const double *lambdas, int n_lambda, double grad_tol, double *oof, logreg_model *final);

#endif
