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

/* MODEL_PROMPTS: zero-shot from the user's prompts, before there are labels to train on (built at
   use, never stored): P(delete) = softmax of logit_scale × (the best delete prompt's cosine, the
   best keep prompt's cosine), CLIP's zero-shot classification with one class per side. */
typedef enum { MODEL_LOGREG, MODEL_MLP, MODEL_PROMPTS } model_kind;

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

    /* kind MODEL_PROMPTS: each prompt's unit text vector (embed_dim floats) and side */
    int n_prompts;
    float *prompt_u;
    int *prompt_label;          /* LABEL_KEEP or LABEL_DELETE (library.h's values) */
    float logit_scale;
} cull_model;

/* P(delete) of one image; scratch must hold features_dim(embed_dim) floats. */
double cull_model_score(const cull_model *m, const float *embedding, const image_meta *meta,
                        const char *basename, float *scratch);

/* The out-of-fold P(delete) of image_id, or −1 when it has none. */
double cull_model_oof(const cull_model *m, int64_t image_id);

/* A MODEL_PROMPTS model over n prompts (unit vectors u, n × embed_dim, copied; labels 0 keep, 1
   delete; at least one of each). 0, or -1 when out of memory. */
int cull_model_zero_shot(cull_model *m, const char *encoder_id, int embed_dim, const float *u, const int *labels,
                         int n, float logit_scale);

/* "logistic regression", "MLP" or "zero-shot prompts". */
const char *cull_model_kind_name(model_kind k);

/* Owned JSON text, or NULL when out of memory. */
char *cull_model_to_json(const cull_model *m);
/* Parses and validates (every array the right length, numbers finite). 0, or -1 with err. */
int cull_model_from_json(const char *json, cull_model *m, char *err, size_t errlen);
void cull_model_free(cull_model *m);

#endif
