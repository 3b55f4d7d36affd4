/*
 * trainer.h — from the library's labels to a stored model: gathers one row per labelled image
 * (its embedding, metadata and file name), lets learn/select.h group near-duplicates, choose and
 * fit the classifier by grouped cross-validation, and stores the model with its metrics and the
 * out-of-fold P(delete) of every labelled image (for `cull suspects`).
 */
#ifndef CULL_PIPELINE_TRAINER_H
#define CULL_PIPELINE_TRAINER_H

#include <stdio.h>

#include "learn/model.h"
#include "learn/review_cost.h"
#include "learn/select.h"
#include "library/library.h"

#define TRAIN_FOLDS SELECT_FOLDS
#define TRAIN_LAMBDA 1e-3          /* the λ of models trained before λ was chosen by CV */
#define TRAIN_MIN_PER_CLASS 2      /* below this, no model at all */
#define TRAIN_FEW_PER_CLASS 20     /* below this, metrics are printed with a warning */

typedef struct {
    select_kind kind;          /* logreg, mlp, or auto (the better by out-of-fold ROC-AUC) */
    int same_kind;             /* 1: instead of kind, what the previous model of the encoder was asked
                                  for (auto when there is none) */
    int compare_grouping;      /* also cross-validate with exact-content groups only, for the report */
    int compare_prompts;       /* also cross-validate without the prompt columns, for the report */
    const char *encoder_name;  /* the encoder's name as the user gave it (a registry name or a model
                                  folder; NULL: the registry's name of the id): its text tower encodes
                                  the prompts the previous model does not hold */
    const model_prompts *vectors; /* the only prompt vectors to take (the review page's, encoded by
                                  its own tower): a prompt they lack came after them and is left
                                  out, not encoded, for the caller's next training; NULL: the
                                  previous model's, then the text tower's */
} train_options;

typedef struct {
    double seconds, seconds_dupes, seconds_logreg, seconds_exact, seconds_mlp, seconds_prompts;
    char prompts_unused[1024]; /* the library's prompts left out of the model, and why; "" when none
                                  is */
} train_report;

/* Trains on encoder_id's embeddings, with a column for each of the library's prompts whose vector
   can be had (opt->vectors', else the previous model's or the text tower's; rep names the
   others), and stores the
   model (only in out when lib is read-only). rep may be NULL. Returns 0; 1 when there are too few labels (reason
   in err); -1 on failure (reason in err). */
int trainer_train_with(library *lib, const char *encoder_id, const train_options *opt, cull_model *out,
                       train_report *rep, char *err, size_t errlen);

/* trainer_train_with: the same kind as before, no comparisons; rep may be NULL. */
int trainer_train(library *lib, const char *encoder_name, const char *encoder_id, cull_model *out, train_report *rep,
                  char *err, size_t errlen);

/* The stored model for encoder_id, retrained first (trainer_train) when it is missing, older than
   the labels and prompts (library_label_version) or unreadable (*retrained says so; rep, which may
   be NULL, then tells of the retraining). Same returns as trainer_train. */
int trainer_current_model(library *lib, const char *encoder_name, const char *encoder_id, cull_model *out,
                          int *retrained, train_report *rep, char *err, size_t errlen);

/* "deletes found in the first 10% / 30% / 50% of the ranking: …% (best possible …%)". */
void trainer_effort_text(const cull_model *m, char *out, size_t cap);

/* Prints the report that `train` shows (to f): the metrics block, how the classifier was chosen,
   what near-duplicate grouping changed; rep (may be NULL) adds the time taken. */
void trainer_print_metrics(FILE *f, const cull_model *m, const train_report *rep);

/* What reviewing a ranked list costs (learn/review_cost.h), from m's out-of-fold scores and the
   library's labels now. Returns 0, or -1 with the reason in err. */
int trainer_review_cost(library *lib, const cull_model *m, review_cost *out, char *err, size_t errlen);

#endif
