/*
 * metrics.h — ranking quality of P(delete) scores against known labels.
 *
 * auc:  ROC-AUC, ties counted as half (Mann–Whitney).
 * ap:   average precision, deletes as the positive class, ranking by score descending
 *       (ties broken pessimistically: keeps first within a tie).
 * bacc: balanced accuracy at threshold 0.5, score >= 0.5 meaning delete (mean of the recall of
 *       each class).
 * found[j]: share of all deletes among the first round(effort_points[j] · n) rows of the AP
 *       ranking.
 */
#ifndef CULL_LEARN_METRICS_H
#define CULL_LEARN_METRICS_H

#include <stdint.h>

#define METRICS_EFFORT_POINTS 3
extern const double metrics_effort_points[METRICS_EFFORT_POINTS];   /* 0.10, 0.30, 0.50 */

typedef struct {
    int n, n_delete;
    double auc, ap, bacc;
    double found[METRICS_EFFORT_POINTS];
} metrics;

/* The most found[j] can be for these labels: every row of the first cut a delete (when deletes
   are 72% of the labels, the first 10% of the ranking can hold at most 14% of them). */
double metrics_found_best(const metrics *m, int j);

/* y[i] = 1 delete, 0 keep. Returns -1 if a class is missing (metrics undefined; n and n_delete
   are still set) or out of memory. */
int metrics_compute(const double *score, const int8_t *y, int n, metrics *out);

#endif
