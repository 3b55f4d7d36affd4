/*
 * review_cost.c — the share of a list's deletes found in its first N, from cross-validation
 * (review_cost.h).
 */
#include "learn/review_cost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/plural.h"

static int desc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

int review_cost_init(review_cost *c, const cull_model *m, const int8_t *is_delete)
{
    memset(c, 0, sizeof *c);
    c->delete_oof = malloc(sizeof(float) * (size_t)m->n_oof + 1);
    if (!c->delete_oof) return -1;
    for (int i = 0; i < m->n_oof; i++) {
        if (is_delete[i] < 0) continue;
        c->n_labels++;
        if (is_delete[i]) c->delete_oof[c->n_delete++] = m->oof_p[i];
    }
    qsort(c->delete_oof, (size_t)c->n_delete, sizeof *c->delete_oof, desc);
    return 0;
}

double review_cost_share(const review_cost *c, double p)
{
    if (c->n_delete == 0) return 0;
    /* How many labelled deletes score ≥ p: the first index scoring below it. */
    int lo = 0, hi = c->n_delete;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (c->delete_oof[mid] >= p) lo = mid + 1;
        else hi = mid;
    }
    return (double)lo / c->n_delete;
}

size_t review_cost_until(const review_cost *c, const double *scores, size_t n, double share)
{
    /* The share only grows down the list, so the first prefix that reaches it is found by
       bisection. */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (review_cost_share(c, scores[mid]) >= share) hi = mid;
        else lo = mid + 1;
    }
    return lo < n ? lo + 1 : n;
}

void review_cost_text(const review_cost *c, const double *scores, size_t n, size_t first, char *out, size_t cap)
{
    out[0] = 0;
    if (n == 0 || c->n_delete == 0) return;
    char total[32], labels[32];
    plural_thousands((long long)n, total, sizeof total);
    plural_thousands(c->n_labels, labels, sizeof labels);
    if (first > 0) {
        if (first > n) first = n;
        char head[32];
        plural_thousands((long long)first, head, sizeof head);
        snprintf(out, cap, "reviewing the first %s of %s should find about %.0f%% of the deletes "
                 "(cross-validated on your %s labels)", head, total,
                 100 * review_cost_share(c, scores[first - 1]), labels);
        return;
    }
    /* Milestones the whole list reaches: half, 80% and 90% of its deletes. */
    double all = review_cost_share(c, scores[n - 1]);
    static const double shares[] = {0.5, 0.8, 0.9};
    static const char *const said[] = {"half the deletes", "80%", "90%"};
    char list[192] = "";
    size_t used = 0;
    for (int i = 0; i < 3 && all >= shares[i]; i++) {
        char at[32];
        plural_thousands((long long)review_cost_until(c, scores, n, shares[i]), at, sizeof at);
        used += (size_t)snprintf(list + used, sizeof list - used, i ? ", the first %s about %s"
                                 : "the first %s should find about %s", at, said[i]);
    }
    if (used == 0)
        snprintf(out, cap, "reviewing all %s should find about %.0f%% of the deletes (cross-validated on your %s labels)",
                 total, 100 * all, labels);
    else
        snprintf(out, cap, "of these %s, reviewing %s (cross-validated on your %s labels)", total, list, labels);
}

void review_cost_free(review_cost *c)
{
    free(c->delete_oof);
    memset(c, 0, sizeof *c);
}
