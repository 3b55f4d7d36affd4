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

/* The prompts a model holds (library/prompts.h), in the order of its prompt columns
   (features.h). A trained model stores them, vectors included, so that it scores without a text
   tower and a retrain can reuse the vectors of prompts it already has. */
typedef struct {
    int n;
    int dim;            /* floats per vector: the image embeddings' length */
    int64_t *id;        /* the prompt's number in the library */
    int *label;         /* LABEL_KEEP or LABEL_DELETE (library.h's values) */
    char **text;
    float *u;           /* n × dim: each prompt's unit text vector */
} model_prompts;

/* Appends a copy of one prompt (u: p->dim floats). 0, or -1 when out of memory. */
int model_prompts_add(model_prompts *p, int64_t id, int label, const char *text, const float *u);
/* The index of the prompt numbered id with this text, or -1. */
int model_prompts_find(const model_prompts *p, int64_t id, const char *text);
void model_prompts_free(model_prompts *p);

typedef struct {
    char encoder_id[96];
    int embed_dim;             /* the encoder's vector length */
    model_kind kind;
    logreg_model lr;           /* kind MODEL_LOGREG: over cull_model_dim columns */
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
    double auc_without_prompts;   /* logreg (best λ) on the same folds without the prompt columns */
    float dupes_threshold;     /* near-duplicate cosine that grouped the folds */
    int near_groups, near_rows;   /* near-duplicate groups among the labelled images, rows in them */
    int near_dropped;          /* 1: too few labels to keep them within folds (exact groups used) */

    /* Out-of-fold P(delete) of each labelled image, sorted by image id. */
    int n_oof;
    int64_t *oof_id;
    float *oof_p;

    /* Kind MODEL_PROMPTS: the prompts it scores by. A trained kind: those whose cosines are
       feature columns (none for a model trained without prompts, or before they existed). */
    model_prompts prompts;
    float logit_scale;         /* kind MODEL_PROMPTS */
} cull_model;

/* Floats in one feature row of m (features_dim with m's prompts). */
int cull_model_dim(const cull_model *m);

/* P(delete) of one image; scratch must hold cull_model_dim(m) floats. */
double cull_model_score(const cull_model *m, const float *embedding, const image_meta *meta,
                        const char *basename, float *scratch);

/* The out-of-fold P(delete) of image_id, or −1 when it has none. */
double cull_model_oof(const cull_model *m, int64_t image_id);

/* A MODEL_PROMPTS model scoring by p (at least one prompt of each side), which it takes over. */
void cull_model_zero_shot(cull_model *m, const char *encoder_id, model_prompts *p, float logit_scale);

/* "logistic regression", "MLP" or "zero-shot prompts". */
const char *cull_model_kind_name(model_kind k);

/* Owned JSON text, or NULL when out of memory. */
char *cull_model_to_json(const cull_model *m);
/* Parses and validates (every array the right length, numbers finite). 0, or -1 with err. */
int cull_model_from_json(const char *json, cull_model *m, char *err, size_t errlen);
void cull_model_free(cull_model *m);

#endif
