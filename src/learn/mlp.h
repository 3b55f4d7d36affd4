/*
 * mlp.h — a one-hidden-layer perceptron for P(delete): the alternative to the logistic regression
 * where interactions between features matter (cull train --model mlp|auto).
 *
 *   h = relu(W1ᵀ·x' + b1),  P(delete) = σ(w2·h + b2),   x' = (x − mean)/scale as in logreg.h
 *
 * Trained on the class-balanced logistic loss (each class weighs half) by Adam in mini-batches,
 * with decoupled weight decay (AdamW) on W1 and w2. Early stopping: after every round (an epoch,
 * or 10 steps when an epoch is shorter) the loss on held-out validation rows is measured, and
 * the weights of the best round are kept; training ends after `patience` rounds without
 * improvement. Several weight decays are trained side by side as one wider network (their hidden
 * units share the GEMMs, nothing else), each stopped on its own, and the one with the lowest
 * validation loss is returned: weight decay is chosen on the validation rows, not on test rows.
 *
 * All products are OpenBLAS GEMMs over mini-batches. Deterministic for a given seed and thread
 * count (row order and initial weights come from a seeded generator).
 */
#ifndef CULL_LEARN_MLP_H
#define CULL_LEARN_MLP_H

#include <stdint.h>

#define MLP_MAX_HIDDEN 256

typedef struct {
    int dim, hidden;
    float *mean, *scale;   /* dim each */
    float *w1;             /* dim × hidden, row-major */
    float *b1, *w2;        /* hidden each */
    float b2;
    double weight_decay;
} mlp_model;

typedef struct {
    int hidden;            /* units per network (default 32) */
    int batch;             /* rows per Adam step (default 256) */
    int max_rounds;        /* default 40 */
    int patience;          /* rounds without a better validation loss before stopping (default 4) */
    double learning_rate;  /* default 1e-3 */
    uint64_t seed;
} mlp_options;

typedef struct {
    int rounds;            /* rounds trained (the longest of the networks) */
    int best_round;        /* 1-based round whose weights were kept */
    double val_loss;       /* the kept network's balanced validation loss */
    double weight_decay;   /* the kept network's weight decay */
} mlp_report;

void mlp_default_options(mlp_options *o);

/* Trains one network per weight decay on rows train[0..n_train) of X (n × dim row-major; y 1 =
   delete), early-stopped on rows val[0..n_val), and returns the best in out. Both row sets need
   both classes. Returns 0, or -1 (a class missing, bad options, out of memory). rep may be NULL. */
int mlp_fit(const float *X, const int8_t *y, int dim, int standardise_end, const int *train, int n_train,
            const int *val, int n_val, const double *weight_decays, int n_wd, const mlp_options *opt,
            mlp_model *out, mlp_report *rep);

/* P(delete) of one row, and the log-odds it is the sigmoid of. */
double mlp_predict(const mlp_model *m, const float *x);
double mlp_log_odds(const mlp_model *m, const float *x);

/* P(delete) of rows[0..n) of X (all of the first n rows when rows is NULL), by GEMM. Returns 0 or
   -1 (out of memory). */
int mlp_predict_rows(const mlp_model *m, const float *X, const int *rows, int n, double *out);

void mlp_free(mlp_model *m);

#endif
