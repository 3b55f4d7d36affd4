/*
 * select.c — grouped cross-validation, λ and weight-decay choice, logreg vs MLP (see select.h).
 */
#include "learn/select.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "learn/cv.h"
#include "learn/dupes.h"
#include "learn/features.h"
#include "learn/logreg_cv.h"
#include "util/progress.h"

#define MAX_PAIRS 10000000       /* near-duplicate pairs kept for grouping (12 bytes each) */
#define INNER_FOLDS 5            /* the MLP's validation rows: one of this many grouped folds */

static int cmp_u64_row(const void *pa, const void *pb, void *ctx)
{
    const uint64_t *g = ctx;
    int a = *(const int *)pa, b = *(const int *)pb;
    if (g[a] != g[b]) return g[a] < g[b] ? -1 : 1;
    return (a > b) - (a < b);
}

/* near[i]: the CV group of row i, exact-content groups joined by near-duplicate pairs (capped, as
   select.h says; exact groups are never split). Counts the groups of two rows or more. -1: out of
   memory. A threshold that yields more than MAX_PAIRS pairs leaves the exact groups alone. */
static int near_groups(const select_data *d, int k, uint64_t *near, int *n_groups, int *n_rows)
{
    int n = d->n, rc = -1;
    dupes_pair *pairs = NULL, *all = NULL;
    size_t np = 0;
    int *rep = malloc(sizeof(int) * (size_t)n), *order = malloc(sizeof(int) * (size_t)n);
    *n_groups = *n_rows = 0;
    if (!rep || !order) goto done;
    if (d->dupes_threshold <= 1.0f) {
        int r = dupes_pairs(d->X, n, d->embed_dim, (size_t)d->dim, d->dupes_threshold, MAX_PAIRS, &pairs, &np, NULL);
        if (r == -1) goto done;
    }
    /* Exact duplicates as pairs of similarity 2, so they join first and always. */
    for (int i = 0; i < n; i++) order[i] = i;
    qsort_r(order, (size_t)n, sizeof *order, cmp_u64_row, (void *)d->group);
    size_t n_exact = 0;
    int biggest = 1, run = 1;
    for (int i = 1; i < n; i++) {
        run = d->group[order[i]] == d->group[order[i - 1]] ? run + 1 : 1;
        n_exact += run > 1;
        if (run > biggest) biggest = run;
    }
    all = malloc(sizeof *all * (np + n_exact + 1));
    if (!all) goto done;
    size_t m = 0;
    for (int i = 1; i < n; i++)
        if (d->group[order[i]] == d->group[order[i - 1]]) {
            int a = order[i - 1], b = order[i];
            all[m++] = (dupes_pair){a < b ? a : b, a < b ? b : a, 2.0f};
        }
    if (np) memcpy(all + m, pairs, sizeof *all * np);
    m += np;
    int cap = n / (2 * k);
    if (cap < biggest) cap = biggest;
    if (cap < 2) cap = 2;
    if (dupes_groups(n, all, m, cap, rep) < 0) goto done;
    /* Groups that near-duplicates made: those holding more than one exact group (order[] now
       flags them by their representative). */
    for (int i = 0; i < n; i++) near[i] = d->group[rep[i]];
    for (int i = 0; i < n; i++) order[i] = 0;
    for (int i = 0; i < n; i++)
        if (d->group[i] != d->group[rep[i]] && order[rep[i]]++ == 0) (*n_groups)++;
    for (int i = 0; i < n; i++) *n_rows += order[rep[i]] > 0;
    rc = 0;
done:
    free(pairs), free(all), free(rep), free(order);
    return rc;
}

static double auc_of(const double *p, const int8_t *y, int n)
{
    metrics m;
    return metrics_compute(p, y, n, &m) == 0 ? m.auc : NAN;
}

/* Splits rows[0..n) into training and validation rows: grouped, stratified folds of those rows,
   the first fold for validation. -1 when either side would lack a class, or out of memory. */
static int inner_split(const int8_t *y, const uint64_t *group, const int *rows, int n, int *tr, int *n_tr, int *va,
                       int *n_va)
{
    int8_t *ys = malloc((size_t)n);
    uint64_t *gs = malloc(sizeof(uint64_t) * (size_t)n);
    int *f = malloc(sizeof(int) * (size_t)n), pos = 0, rc = -1;
    if (!ys || !gs || !f) goto done;
    for (int i = 0; i < n; i++) ys[i] = y[rows[i]], gs[i] = group[rows[i]], pos += ys[i] == 1;
    int k = INNER_FOLDS;
    if (pos < k) k = pos;
    if (n - pos < k) k = n - pos;
    if (k < 2) goto done;
    cv_assign_folds(ys, gs, n, k, SELECT_SEED + 1, f);
    *n_tr = *n_va = 0;
    int pos_tr = 0, pos_va = 0;
    for (int i = 0; i < n; i++) {
        if (f[i] == 0) va[(*n_va)++] = rows[i], pos_va += ys[i] == 1;
        else tr[(*n_tr)++] = rows[i], pos_tr += ys[i] == 1;
    }
    rc = pos_tr > 0 && pos_tr < *n_tr && pos_va > 0 && pos_va < *n_va ? 0 : -1;
done:
    free(ys), free(gs), free(f);
    return rc;
}

/* The MLP as select.h step 3 trains it on rows[0..n): 0, or -1 (too few of a class, memory). */
static int mlp_on(const select_data *d, const uint64_t *group, const int *rows, int n, int *tr, int *va,
                  mlp_model *out)
{
    int n_tr, n_va;
    if (inner_split(d->y, group, rows, n, tr, &n_tr, va, &n_va)) return -1;
    const double wd[] = SELECT_WEIGHT_DECAYS;
    mlp_options opt;
    mlp_default_options(&opt);
    return mlp_fit(d->X, d->y, d->dim, features_token_start(d->embed_dim, d->n_prompts), tr, n_tr, va, n_va, wd,
                   SELECT_N_WEIGHT_DECAYS, &opt, out, NULL);
}

/* Out-of-fold MLP predictions. -1: some fold could not train one. */
static int mlp_cv(const select_data *d, const uint64_t *group, const int *fold, int k, double *oof)
{
    int n = d->n, rc = -1;
    int *rows = malloc(sizeof(int) * (size_t)n), *test = malloc(sizeof(int) * (size_t)n);
    int *tr = malloc(sizeof(int) * (size_t)n), *va = malloc(sizeof(int) * (size_t)n);
    double *p = malloc(sizeof(double) * (size_t)n);
    if (!rows || !test || !tr || !va || !p) goto done;
    for (int f = 0; f < k; f++) {
        int n_rows = 0, n_test = 0;
        for (int i = 0; i < n; i++) {
            if (fold[i] == f) test[n_test++] = i;
            else rows[n_rows++] = i;
        }
        if (n_test == 0) continue;
        mlp_model m;
        if (mlp_on(d, group, rows, n_rows, tr, va, &m)) goto done;
        int bad = mlp_predict_rows(&m, d->X, test, n_test, p);
        mlp_free(&m);
        if (bad) goto done;
        for (int i = 0; i < n_test; i++) oof[test[i]] = p[i];
    }
    rc = 0;
done:
    free(rows), free(test), free(tr), free(va), free(p);
    return rc;
}

/* Step 6: the best λ's out-of-fold ROC-AUC with the prompt columns read as zeros (no copy of the
   rows). NAN when out of memory. */
static double auc_without_prompts(const select_data *d, const int *fold, int k)
{
    int prompts = features_prompt_start(d->embed_dim);
    logreg_view view = {features_token_start(d->embed_dim, d->n_prompts), prompts, prompts + d->n_prompts};
    double *oof = malloc(sizeof(double) * (size_t)d->n * SELECT_N_LAMBDAS);
    const double lambdas[] = SELECT_LAMBDAS;
    double best = NAN;
    if (oof && logreg_cv(d->X, d->y, fold, d->n, d->dim, k, view, lambdas, SELECT_N_LAMBDAS, SELECT_CV_TOL, oof,
                         NULL) == 0)
        for (int l = 0; l < SELECT_N_LAMBDAS; l++) {
            double a = auc_of(oof + (size_t)l * d->n, d->y, d->n);
            if (l == 0 || a >= best) best = a;
        }
    free(oof);
    return best;
}

int select_fit(const select_data *d, const select_options *o, select_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->auc_logreg = r->auc_mlp = r->auc_exact_groups = r->auc_without_prompts = r->lambda = r->weight_decay = NAN;
    int n = d->n, n_del = 0;
    for (int i = 0; i < n; i++) n_del += d->y[i] == 1;
    int k = SELECT_FOLDS;
    if (n_del < k) k = n_del;
    if (n - n_del < k) k = n - n_del;
    if (k < 2) {
        snprintf(err, errlen, "too few labels for cross-validation (%d keep, %d delete)", n - n_del, n_del);
        return 1;
    }
    r->folds = k;
    const double lambdas[] = SELECT_LAMBDAS;
    const int L = SELECT_N_LAMBDAS;
    const logreg_view every_column = {features_token_start(d->embed_dim, d->n_prompts), 0, 0};
    logreg_model fin[SELECT_N_LAMBDAS];
    uint64_t *near = malloc(sizeof(uint64_t) * (size_t)n);
    int *fold = malloc(sizeof(int) * (size_t)n);
    double *oof = malloc(sizeof(double) * (size_t)n * L), *oof_mlp = malloc(sizeof(double) * (size_t)n);
    int rc = -1, have_fin = 0;
    if (!near || !fold || !oof || !oof_mlp) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }

    double t0 = now_monotonic();
    if (near_groups(d, k, near, &r->near_groups, &r->near_rows)) {
        snprintf(err, errlen, "out of memory finding near-duplicates");
        goto done;
    }
    cv_assign_folds(d->y, near, n, k, SELECT_SEED, fold);
    double t1 = now_monotonic();
    r->seconds_dupes = t1 - t0;

    int cv = logreg_cv(d->X, d->y, fold, n, d->dim, k, every_column, lambdas, L, SELECT_CV_TOL, oof, fin);
    if (cv && r->near_groups > 0) {
        /* With few labels, keeping near-duplicates together can leave some fold's training rows
           without a class: fall back to exact-content groups, and say so. */
        r->near_dropped = 1;
        memcpy(near, d->group, sizeof(uint64_t) * (size_t)n);
        cv_assign_folds(d->y, near, n, k, SELECT_SEED, fold);
        cv = logreg_cv(d->X, d->y, fold, n, d->dim, k, every_column, lambdas, L, SELECT_CV_TOL, oof, fin);
    }
    if (cv) {
        snprintf(err, errlen, "cross-validation failed (some fold's training rows lack keeps or deletes: label more)");
        rc = 1;
        goto done;
    }
    have_fin = 1;
    int best = 0;
    for (int l = 0; l < L; l++) {
        double a = auc_of(oof + (size_t)l * n, d->y, n);
        if (l == 0 || a >= r->auc_logreg) r->auc_logreg = a, best = l;
    }
    r->lambda = lambdas[best];
    double t2 = now_monotonic();
    r->seconds_logreg = t2 - t1;

    if (o->compare_grouping && r->near_groups > 0 && !r->near_dropped) {
        int *fold_exact = malloc(sizeof(int) * (size_t)n);
        if (fold_exact) {
            cv_assign_folds(d->y, d->group, n, k, SELECT_SEED, fold_exact);
            if (logreg_cv(d->X, d->y, fold_exact, n, d->dim, k, every_column, &r->lambda, 1, SELECT_CV_TOL, oof_mlp,
                          NULL) == 0)
                r->auc_exact_groups = auc_of(oof_mlp, d->y, n);
            free(fold_exact);
        }
    }
    double t3 = now_monotonic();
    r->seconds_exact = t3 - t2;
    if (o->compare_prompts && d->n_prompts > 0) r->auc_without_prompts = auc_without_prompts(d, fold, k);
    r->seconds_prompts = now_monotonic() - t3;
    t3 = now_monotonic();

    int use_mlp = 0;
    if (o->kind != SELECT_LOGREG) {
        if (mlp_cv(d, near, fold, k, oof_mlp) == 0) {
            r->auc_mlp = auc_of(oof_mlp, d->y, n);
            use_mlp = o->kind == SELECT_MLP || r->auc_mlp > r->auc_logreg;
        } else if (o->kind == SELECT_MLP) {
            snprintf(err, errlen, "too few labels for the MLP (each fold needs keeps and deletes left for its validation rows)");
            rc = 1;
            goto done;
        }
    }
    r->oof = malloc(sizeof(double) * (size_t)n);
    if (!r->oof) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (use_mlp) {
        int *all = malloc(sizeof(int) * (size_t)n), *tr = malloc(sizeof(int) * (size_t)n),
            *va = malloc(sizeof(int) * (size_t)n);
        int bad = !all || !tr || !va;
        for (int i = 0; !bad && i < n; i++) all[i] = i;
        bad = bad || mlp_on(d, near, all, n, tr, va, &r->mlp);
        free(all), free(tr), free(va);
        if (bad) {
            snprintf(err, errlen, "fitting the MLP failed");
            goto done;
        }
        r->kind = MODEL_MLP;
        r->weight_decay = r->mlp.weight_decay;
        memcpy(r->oof, oof_mlp, sizeof(double) * (size_t)n);
    } else {
        r->kind = MODEL_LOGREG;
        r->lr = fin[best];
        memset(&fin[best], 0, sizeof fin[best]);
        memcpy(r->oof, oof + (size_t)best * n, sizeof(double) * (size_t)n);
    }
    r->seconds_mlp = now_monotonic() - t3;
    if (metrics_compute(r->oof, d->y, n, &r->cv)) {
        snprintf(err, errlen, "cross-validation failed (too few labels in some fold)");
        goto done;
    }
    r->fold = fold;
    fold = NULL;
    rc = 0;
done:
    for (int l = 0; have_fin && l < L; l++) logreg_free(&fin[l]);
    free(near), free(fold), free(oof), free(oof_mlp);
    if (rc) select_result_free(r);
    return rc;
}

void select_result_free(select_result *r)
{
    logreg_free(&r->lr);
    mlp_free(&r->mlp);
    free(r->oof), free(r->fold);
    r->oof = NULL, r->fold = NULL;
}
