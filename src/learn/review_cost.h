/*
 * review_cost.h — how far down a ranked list a person must read to find a share of its deletes,
 * as cross-validation predicts it.
 *
 * A delete in the list is found once the reader reaches its score. Cross-validation says how the
 * model scores deletes it has not seen: the out-of-fold P(delete) of every labelled delete. So
 * reading a list down to score t is predicted to find the share of its deletes that the labelled
 * deletes scoring ≥ t are of all labelled deletes. That share is per class: it holds however many
 * deletes the list holds. What it assumes is that the list's deletes are like the labelled ones
 * (and it reads the final model's scores on the scale of the cross-validation models').
 */
#ifndef CULL_LEARN_REVIEW_COST_H
#define CULL_LEARN_REVIEW_COST_H

#include <stddef.h>
#include <stdint.h>

#include "learn/model.h"

typedef struct {
    int n_labels;          /* labelled images with an out-of-fold score */
    int n_delete;
    float *delete_oof;     /* n_delete out-of-fold scores of labelled deletes, highest first */
} review_cost;

/* From m's out-of-fold scores: is_delete[i] says whether the image m->oof_id[i] is labelled delete
   now (1), keep (0), or no longer labelled (−1: left out). Returns 0, or -1 out of memory. */
int review_cost_init(review_cost *c, const cull_model *m, const int8_t *is_delete);

/* The predicted share (0..1) of a list's deletes found by reading it down to score p. */
double review_cost_share(const review_cost *c, double p);

/* For scores[0..n) sorted highest first: the fewest leading items predicted to find `share` of
   the deletes (n when the whole list is predicted to find less). */
size_t review_cost_until(const review_cost *c, const double *scores, size_t n, double share);

/* One sentence for people: "reviewing the first 200 of 1,000 should find about 85% of the deletes
   (cross-validated on your 2,340 labels)" for first > 0; for first 0, where the list reaches half,
   80% and 90% of them. Empty when there is nothing to predict from (no scores, no labelled
   delete). */
void review_cost_text(const review_cost *c, const double *scores, size_t n, size_t first, char *out, size_t cap);

void review_cost_free(review_cost *c);

#endif
