/*
 * lbfgs.h — the pieces of the logistic-regression solver that the single fit (logreg.c) and the
 * batched cross-validation fit (logreg_cv.c) share: L-BFGS memory and the two-loop recursion,
 * stable logistic numerics, and a Wolfe line search along a precomputed direction.
 *
 * The line search works on margins: z_i = x_i·θ at the current point and u_i = x_i·d along the
 * direction, so each trial step costs O(rows), never another pass over X. The loss along the line
 * is evaluated as a difference from the current point (softplus(t + Δ) − softplus(t) =
 * log1p(σ(t)·expm1(Δ))), so the Armijo test still means something when the decrease is far below
 * the loss's rounding error, as it is near convergence.
 */
#ifndef CULL_LEARN_LBFGS_H
#define CULL_LEARN_LBFGS_H

#define LBFGS_MEMORY 10

typedef struct {
    int p, count, newest;          /* p = parameters; pairs stored in a ring */
    double *s, *y, *rho, *a;       /* LBFGS_MEMORY × p, × p, LBFGS_MEMORY, LBFGS_MEMORY */
} lbfgs;

int lbfgs_init(lbfgs *L, int p);   /* 0, or -1 when out of memory */
void lbfgs_free(lbfgs *L);
/* Remembers the step s and gradient change y (skipped unless sᵀy > 0, which keeps the
   inverse-Hessian estimate positive definite). */
void lbfgs_push(lbfgs *L, const double *s, const double *y);
/* d = −H·g by the two-loop recursion; plain steepest descent while the memory is empty. */
void lbfgs_direction(lbfgs *L, const double *g, double *d);

double logistic_sigmoid(double t);

/* One logistic loss along a line: row i (rows[i], or i when rows is NULL) weighs c[row] and has
   sign q[row] (−1 delete, +1 keep); its loss is c·softplus(q·(z + α·u)). The L2 penalty
   (λ/2)‖β‖² adds λ·α·(β·d + α/2·‖d_β‖²), with bd = β·d and dd = ‖d_β‖². */
typedef struct {
    int n;
    const int *rows;
    const double *q, *c, *z, *u;
    double lambda, bd, dd;
} logistic_line;

/* Bracketing search for a step meeting Armijo (sufficient decrease) and the Wolfe curvature
   condition. slope0 = ∇f·d < 0, alpha the first trial. Returns the step, or 0 when none was
   found; if only the curvature condition failed, the longest Armijo step is still taken. */
double logistic_line_search(const logistic_line *line, double slope0, double alpha);

double lbfgs_dot(const double *a, const double *b, int n);
double lbfgs_norm_inf(const double *a, int n);

#endif
