/*
 * metrics.c — AUC, average precision, balanced accuracy and the effort curve (see metrics.h).
 *
 * All ranking metrics share one ordering: score descending, keeps before deletes within a tie
 * (the pessimistic order for AP and the effort curve; AUC counts ties as half on its own).
 * NaN scores rank last, so a broken score can only make the numbers worse.
 */
#include "learn/metrics.h"

#include <math.h>
#include <stdlib.h>

const double metrics_effort_points[METRICS_EFFORT_POINTS] = {0.10, 0.30, 0.50};

typedef struct {
    double score;
    int8_t del;
} ranked;

/* NaN sorts below every number; equal scores put keeps first. */
static int cmp_ranked(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    int an = isnan(a->score), bn = isnan(b->score);
    if (an != bn)
        return an - bn;
    if (!an && a->score != b->score)
        return a->score < b->score ? 1 : -1;
    return a->del - b->del;
}

static int same_score(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* Mann–Whitney over tie groups: each keep in a group beats no delete, loses to every delete
   ranked above the group and to half of the deletes inside it. */
static double auc_of(const ranked *r, int n, int n_pos)
{
    double wins = 0;
    int pos_above = 0;
    for (int i = 0; i < n;) {
        int j = i, pos = 0, neg = 0;
        for (; j < n && same_score(r[j].score, r[i].score); j++)
            *(r[j].del ? &pos : &neg) += 1;
        wins += neg * (pos_above + 0.5 * pos);
        pos_above += pos;
        i = j;
    }
    return wins / ((double)n_pos * (n - n_pos));
}

/* Mean over deletes of the precision at the delete's rank. */
static double ap_of(const ranked *r, int n, int n_pos)
{
    double sum = 0;
    int hits = 0;
    for (int i = 0; i < n; i++)
        if (r[i].del)
            sum += (double)++hits / (i + 1);
    return sum / n_pos;
}

static double bacc_of(const double *score, const int8_t *y, int n, int n_pos)
{
    int tp = 0, tn = 0;
    for (int i = 0; i < n; i++) {
        int said_delete = score[i] >= 0.5;
        tp += y[i] == 1 && said_delete;
        tn += y[i] != 1 && !said_delete;
    }
    return 0.5 * ((double)tp / n_pos + (double)tn / (n - n_pos));
}

/* Rows in the first effort_points[j] of a ranking of n. */
static int effort_cut(int j, int n)
{
    return (int)floor(metrics_effort_points[j] * n + 0.5);
}

double metrics_found_best(const metrics *m, int j)
{
    int cut = effort_cut(j, m->n);
    return m->n_delete <= 0 ? 0 : cut < m->n_delete ? (double)cut / m->n_delete : 1.0;
}

/* found[j]: deletes within the first round(p_j · n) rows of the ranking, over all deletes. */
static void effort_of(const ranked *r, int n, int n_pos, double *found)
{
    for (int j = 0; j < METRICS_EFFORT_POINTS; j++) {
        int cut = effort_cut(j, n), hits = 0;
        for (int i = 0; i < cut; i++)
            hits += r[i].del;
        found[j] = (double)hits / n_pos;
    }
}

int metrics_compute(const double *score, const int8_t *y, int n, metrics *out)
{
    int n_pos = 0;
    for (int i = 0; i < n; i++)
        n_pos += y[i] == 1;
    out->n = n;
    out->n_delete = n_pos;
    if (n_pos == 0 || n_pos == n)
        return -1;

    ranked *r = malloc(sizeof *r * (size_t)n);
    if (!r)
        return -1;
    for (int i = 0; i < n; i++)
        r[i] = (ranked){score[i], (int8_t)(y[i] == 1)};
    qsort(r, (size_t)n, sizeof *r, cmp_ranked);

    out->auc = auc_of(r, n, n_pos);
    out->ap = ap_of(r, n, n_pos);
    out->bacc = bacc_of(score, y, n, n_pos);
    effort_of(r, n, n_pos, out->found);
    free(r);
    return 0;
}
