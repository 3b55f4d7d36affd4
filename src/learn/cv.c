/*
 * cv.c — stratified grouped k-fold and out-of-fold prediction (see cv.h).
 *
 * Folds are filled greedily, biggest groups first: each group goes to the fold that currently
 * holds the smallest share of the classes the group contains. Big groups placed early leave the
 * many small ones to even things out. Ties in size are broken by a seeded hash of the group id,
 * so the assignment depends on the seed and the data, never on row order or the C library.
 */
#include "learn/cv.h"

#include <stdlib.h>

#include "util/splitmix.h"

typedef struct {
    uint64_t id;
    int row;
} member;

typedef struct {
    int start, len, pos;   /* members[start .. start+len), pos of them deletes */
    uint64_t key;          /* seeded tie-breaker */
} group_run;

static int cmp_member(const void *pa, const void *pb)
{
    const member *a = pa, *b = pb;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

/* Largest first; equal sizes in seeded-hash order. */
static int cmp_run(const void *pa, const void *pb)
{
    const group_run *a = pa, *b = pb;
    if (a->len != b->len)
        return b->len - a->len;
    return (a->key > b->key) - (a->key < b->key);
}

/* The fold where this group raises the share of its own classes least; ties go to the fold
   with fewer rows, then the lower index. */
static int pick_fold(const group_run *g, const int *fold_pos, const int *fold_neg, int k,
                     int n_pos, int n_neg)
{
    int best = 0;
    double best_cost = 0;
    for (int f = 0; f < k; f++) {
        double cost = (double)g->pos * fold_pos[f] / (n_pos ? n_pos : 1) +
                      (double)(g->len - g->pos) * fold_neg[f] / (n_neg ? n_neg : 1);
        int rows = fold_pos[f] + fold_neg[f], best_rows = fold_pos[best] + fold_neg[best];
        if (f == 0 || cost < best_cost || (cost == best_cost && rows < best_rows)) {
            best = f;
            best_cost = cost;
        }
    }
    return best;
}

/* Without memory for the greedy pass, still keep groups together: fold by seeded hash. */
static void assign_by_hash(const uint64_t *group, int n, int k, uint64_t seed, int *fold)
{
    for (int i = 0; i < n; i++)
        fold[i] = (int)(mix64(group[i] ^ mix64(seed)) % (uint64_t)k);
}

void cv_assign_folds(const int8_t *y, const uint64_t *group, int n, int k, uint64_t seed, int *fold)
{
    member *m = malloc(sizeof *m * (size_t)n);
    group_run *runs = malloc(sizeof *runs * (size_t)n);
    int *fold_pos = calloc((size_t)k, sizeof(int)), *fold_neg = calloc((size_t)k, sizeof(int));
    if (!m || !runs || !fold_pos || !fold_neg) {
        assign_by_hash(group, n, k, seed, fold);
        goto done;
    }

    for (int i = 0; i < n; i++)
        m[i] = (member){group[i], i};
    qsort(m, (size_t)n, sizeof *m, cmp_member);
    int n_runs = 0, n_pos = 0;
    for (int i = 0; i < n;) {
        group_run *g = &runs[n_runs++];
        *g = (group_run){.start = i, .key = mix64(m[i].id ^ mix64(seed))};
        for (; i < n && m[i].id == m[g->start].id; i++)
            g->pos += y[m[i].row] == 1;
        g->len = i - g->start;
        n_pos += g->pos;
    }
    qsort(runs, (size_t)n_runs, sizeof *runs, cmp_run);

    for (int r = 0; r < n_runs; r++) {
        const group_run *g = &runs[r];
        int f = pick_fold(g, fold_pos, fold_neg, k, n_pos, n - n_pos);
        fold_pos[f] += g->pos;
        fold_neg[f] += g->len - g->pos;
        for (int i = g->start; i < g->start + g->len; i++)
            fold[m[i].row] = f;
    }
done:
    free(m), free(runs), free(fold_pos), free(fold_neg);
}

int cv_out_of_fold(const float *X, const int8_t *y, const int *fold, int n, int dim, int k,
                   int standardise_end, double lambda, double *oof)
{
    int *rows = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!rows)
        return -1;
    int rc = 0;
    for (int f = 0; f < k; f++) {
        int n_train = 0;
        for (int i = 0; i < n; i++)
            if (fold[i] != f)
                rows[n_train++] = i;
        if (n_train == n)
            continue;                        /* empty fold: nothing to predict */
        logreg_model model;
        if (logreg_fit_rows(X, y, rows, n_train, dim, standardise_end, lambda, 1, &model, NULL)) {
            rc = -1;
            break;
        }
        for (int i = 0; i < n; i++)
            if (fold[i] == f)
                oof[i] = logreg_predict(&model, X + (size_t)i * dim);
        logreg_free(&model);
    }
    free(rows);
    return rc;
}
