/*
 * model.h — a trained keep/delete model as cull stores it: which encoder's embeddings it reads,
 * the feature layout, the fitted logistic regression and its cross-validated metrics.
 *
 * Stored in the library as JSON (self-describing, versioned by "format"), so a library can be
 * inspected with sqlite3 and a model outlives the cull binary that wrote it.
 */
#ifndef CULL_LEARN_MODEL_H
#define CULL_LEARN_MODEL_H

#include <stdint.h>
#include "learn/logreg.h"
#include "learn/metrics.h"
#include "media/image.h"

#define MODEL_FORMAT "cull-logreg-1"

typedef struct {
    char encoder_id[96];
    int embed_dim;             /* the encoder's vector length */
    logreg_model lr;           /* over features_dim(embed_dim) columns */
    int folds;                 /* cross-validation folds behind cv */
    metrics cv;                /* out-of-fold metrics */
    int n_keep, n_delete;
    int64_t label_version;     /* the library's label version it was trained at */
} cull_model;

/* P(delete) of one image; scratch must hold features_dim(embed_dim) floats. */
double cull_model_score(const cull_model *m, const float *embedding, const image_meta *meta,
                        const char *basename, float *scratch);

/* Owned JSON text, or NULL when out of memory. */
char *cull_model_to_json(const cull_model *m);
/* Parses and validates (every array the right length, numbers finite). 0, or -1 with err. */
int cull_model_from_json(const char *json, cull_model *m, char *err, size_t errlen);
void cull_model_free(cull_model *m);

#endif
