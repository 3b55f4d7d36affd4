/*
 * model.h — a trained keep/delete model as cull stores it: which encoder's embeddings it reads,
 * the feature layout, the fitted classifier (logistic regression or MLP), how it was chosen, its
 * cross-validated metrics, and the out-of-fold P(delete) of every labelled image (what `cull
 * suspects` ranks).
 *
 * Stored in the library as JSON (self-describing, versioned by "format"), so a library can be
 * inspected with sqlite3 and a model outlives the cull binary that wrote it. Format
 * "cull-model-2" carries the kind; models of the older "cull-logreg-1" still load (as a logistic
 * regression without out-of-fold predictions: suspects asks for a retrain).
 */
#ifndef CULL_LEARN_MODEL_H
#define CULL_LEARN_MODEL_H

#include <stdint.h>
#include "learn/logreg.h"
#include "learn/metrics.h"
#include "learn/mlp.h"
#include "media/image.h"

#define MODEL_FORMAT "cull-model-2"
#define MODEL_FORMAT_V1 "cull-logreg-1"

typedef enum { MODEL_LOGREG, MODEL_MLP } model_kind;

typedef struct {
    char encoder_id[96];
    int embed_dim;             /* the encoder's vector length */
    model_kind kind;
    logreg_model lr;           /* kind MODEL_LOGREG: over features_dim(embed_dim) columns */
    mlp_model mlp;             /* kind MODEL_MLP: likewise */
    int folds;                 /* cross-validation folds behind cv */
    metrics cv;                /* out-of-fold metrics of the kept kind */
    int n_keep, n_delete;
    int64_t label_version;     /* the library's label version it was trained at */

    /* How it was chosen (NAN where not measured; from a v1 model: requested "logreg", rest NAN). */
    char requested[8];         /* "auto", "logreg" or "mlp": what train was asked for */
    double auc_logreg, auc_mlp;
    double lambda;             /* logreg λ chosen by grouped CV */
    double weight_decay;       /* MLP weight decay chosen on its validation rows */
    double auc_exact_groups;   /* logreg at that λ, folds grouped by exact content only */
    float dupes_threshold;     /* near-duplicate cosine that grouped the folds */
    int near_groups, near_rows;   /* near-duplicate groups among the labelled images, rows in them */
    int near_dropped;          /* 1: too few labels to keep them within folds (exact groups used) */

    /* Out-of-fold P(delete) of each labelled image, sorted by image id. */
    int n_oof;
    int64_t *oof_id;
    float *oof_p;
} cull_model;

/* P(delete) of one image; scratch must hold features_dim(embed_dim) floats. */
double cull_model_score(const cull_model *m, const float *embedding, const image_meta *meta,
                        const char *basename, float *scratch);

/* The out-of-fold P(delete) of image_id, or −1 when it has none. */
double cull_model_oof(const cull_model *m, int64_t image_id);

/* "logistic regression" or "MLP". */
const char *cull_model_kind_name(model_kind k);

/* Owned JSON text, or NULL when out of memory. */
char *cull_model_to_json(const cull_model *m);
/* Parses and validates (every array the right length, numbers finite). 0, or -1 with err. */
int cull_model_from_json(const char *json, cull_model *m, char *err, size_t errlen);
void cull_model_free(cull_model *m);

#endif
