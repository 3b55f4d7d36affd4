/*
 * select.h — from labelled feature rows to a chosen, fitted classifier with honest metrics.
 *
 *  1. Near-duplicate groups (dupes.h) among the rows' embeddings: resized, re-encoded or cropped
 *     copies and bursts share a group, and a group never straddles folds. Joins are capped at
 *     n/(2k) rows per group so that a chain of merely similar images cannot swallow a class.
 *     When the groups still leave some fold's training rows without keeps or deletes (a handful
 *     of labels), the folds fall back to exact-content groups (near_dropped says so).
 *  2. Logistic regression: k-fold out-of-fold predictions for every λ of SELECT_LAMBDAS at once
 *     (logreg_cv.h), with the final fits on all rows in the same batch; the λ with the best
 *     out-of-fold ROC-AUC is kept (the larger λ on a tie). Choosing λ on the same folds that
 *     report the metric flatters it a little; with five candidates the effect is small.
 *  3. MLP (when asked for, or for auto): per fold, trained on the other folds with early stopping
 *     and weight decay chosen on a grouped validation split of those training rows only, so its
 *     out-of-fold figure is nested and honest; the final MLP is trained the same way on all rows.
 *  4. auto keeps the kind with the better out-of-fold ROC-AUC (logistic regression on a tie, the
 *     simpler model).
 *  5. Optionally, the logistic regression at the chosen λ once more with folds grouped by exact
 *     content only, to show what near-duplicate grouping changed.
 *  6. Optionally, when the rows have prompt columns, the logistic regression for every λ on the
 *     same folds without them (read as zeros, logreg_cv.h: no copy of the rows; the best λ's
 *     ROC-AUC), to show what the prompts changed.
 */
#ifndef CULL_LEARN_SELECT_H
#define CULL_LEARN_SELECT_H

#include <stdint.h>

#include "learn/metrics.h"
#include "learn/model.h"

#define SELECT_FOLDS 5
#define SELECT_LAMBDAS {1e-3, 1e-2, 1e-1, 1.0}
#define SELECT_N_LAMBDAS 4
#define SELECT_WEIGHT_DECAYS {1e-3, 1e-1}
#define SELECT_N_WEIGHT_DECAYS 2
#define SELECT_CV_TOL 1e-4        /* gradient tolerance of the cross-validation fits */
#define SELECT_SEED 0x63756c6c    /* folds */

typedef enum { SELECT_AUTO, SELECT_LOGREG, SELECT_MLP } select_kind;

typedef struct {
    const float *X;            /* n rows of dim features (features.h): embedding first, L2-normalised */
    const int8_t *y;           /* 1 delete, 0 keep */
    const uint64_t *group;     /* exact-content group of each row */
    int n, dim, embed_dim;
    int n_prompts;             /* prompt columns (features.h) */
    float dupes_threshold;     /* near-duplicate cosine; above 1 disables near-duplicate grouping */
} select_data;

typedef struct {
    select_kind kind;
    int compare_grouping;      /* step 5 */
    int compare_prompts;       /* step 6 */
} select_options;

typedef struct {
    model_kind kind;
    logreg_model lr;           /* kind MODEL_LOGREG */
    mlp_model mlp;             /* kind MODEL_MLP */
    int folds;
    int *fold;                 /* n: each row's fold in the cross-validation that gave oof and cv */
    double *oof;               /* n: out-of-fold P(delete) of the kept kind */
    metrics cv;                /* its metrics */
    double lambda, weight_decay;
    double auc_logreg, auc_mlp, auc_exact_groups, auc_without_prompts;   /* NAN where not measured */
    int near_groups, near_rows;
    int near_dropped;          /* 1: grouping them left a fold's training rows without a class, so the
                                  folds were grouped by exact content only */
    double seconds_dupes, seconds_logreg, seconds_mlp, seconds_exact, seconds_prompts;
} select_result;

/* Returns 0; 1 when there are too few labels for the cross-validation asked for (reason in err);
   -1 on failure (reason in err). */
int select_fit(const select_data *d, const select_options *o, select_result *r, char *err, size_t errlen);
void select_result_free(select_result *r);

#endif
