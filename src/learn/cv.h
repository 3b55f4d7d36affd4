/*
 * cv.h — grouped, stratified k-fold cross-validation.
 *
 * Rows that share a group id (the same picture: exact duplicates, later near-duplicate clusters)
 * always land in the same fold, so a picture is never in training and test at once. Groups are
 * dealt to folds so that every fold gets a similar share of deletes and keeps. Deterministic for a
 * given seed.
 */
#ifndef CULL_LEARN_CV_H
#define CULL_LEARN_CV_H

#include <stdint.h>
#include "learn/logreg.h"
#include "learn/metrics.h"

/* Writes fold[i] in [0, k). */
void cv_assign_folds(const int8_t *y, const uint64_t *group, int n, int k, uint64_t seed, int *fold);

/* Out-of-fold P(delete) for every row: for each fold, fit on the others (class-balanced, as the
   real model is trained) and predict it. Returns 0, or -1 when some training split lacks a class
   (too few labels) or memory runs out. */
int cv_out_of_fold(const float *X, const int8_t *y, const int *fold, int n, int dim, int k,
                   int standardise_end, double lambda, double *oof);

#endif
