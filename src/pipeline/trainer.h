/*
 * trainer.h — from the library's labels to a stored model: gathers one row per labelled image
 * (its embedding, metadata and file name), cross-validates (grouped: one picture never sits in
 * training and test at once), fits on everything, and stores the model with its metrics.
 */
#ifndef CULL_PIPELINE_TRAINER_H
#define CULL_PIPELINE_TRAINER_H

#include <stdio.h>

#include "learn/model.h"
#include "library/library.h"

#define TRAIN_FOLDS 5
#define TRAIN_LAMBDA 1e-3
#define TRAIN_MIN_PER_CLASS 2      /* below this, no model at all */
#define TRAIN_FEW_PER_CLASS 20     /* below this, metrics are printed with a warning */

/* Trains on encoder_id's embeddings and stores the model. Returns 0; 1 when there are too few
   labels (reason in err); -1 on failure (reason in err). */
int trainer_train(library *lib, const char *encoder_id, cull_model *out, char *err, size_t errlen);

/* The stored model for encoder_id, retrained first when it is missing or older than the labels
   (*retrained says so). Same returns as trainer_train. */
int trainer_current_model(library *lib, const char *encoder_id, cull_model *out, int *retrained,
                          char *err, size_t errlen);

/* Prints the metrics block that `train` shows (to f). */
void trainer_print_metrics(FILE *f, const cull_model *m);

#endif
