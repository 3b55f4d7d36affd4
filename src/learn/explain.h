/*
 * explain.h — why the model gave an image its score, in the model's own terms.
 *
 * The features (learn/features.h) fall into terms: the embedding as one ("what the picture looks
 * like"), each metadata feature (file size, pixels, aspect ratio, format, camera EXIF present,
 * EXIF date present, camera make and model), each prompt the model was trained with (the image's
 * cosine with its words) and each distinct token of the file name.
 *
 * Logistic regression (exact): the log-odds b + Σ_j w_j·(x_j − mean_j)/scale_j is split by
 * column into the intercept and the terms above; a token's value is its bucket's column times its
 * share of the bucket's count (two tokens hashed to one bucket split it by occurrences). The
 * values add up to the log-odds, to double rounding.
 *
 * MLP (occlusion): a term's value is the log-odds minus the log-odds with that term taken away —
 * its columns set to their training mean (standardised value 0), or, for a token, its
 * occurrences removed from its bucket. There is no intercept term, and the values need not add
 * up to anything: a network's features interact.
 */
#ifndef CULL_LEARN_EXPLAIN_H
#define CULL_LEARN_EXPLAIN_H

#include "learn/features.h"
#include "learn/model.h"

typedef enum {
    EXPLAIN_INTERCEPT,
    EXPLAIN_EMBEDDING,
    EXPLAIN_META,          /* name: a feature_meta_groups[] name */
    EXPLAIN_PROMPT,        /* prompt_id, prompt_label, text: which prompt */
    EXPLAIN_TOKEN,         /* name: the token, count: its occurrences in the name */
    EXPLAIN_OTHER_TOKENS,  /* token buckets this name does not use (non-zero only if standardised) */
} explain_kind;

typedef struct {
    explain_kind kind;
    char name[FEATURE_TOKEN_MAX + 1];
    int count;
    int64_t prompt_id;     /* EXPLAIN_PROMPT: its number (cull prompt list) */
    int prompt_label;      /* EXPLAIN_PROMPT: LABEL_KEEP or LABEL_DELETE, the side it was written for */
    const char *text;      /* EXPLAIN_PROMPT: its words (the model's copy: valid while the model is) */
    double value;          /* signed change in log-odds: > 0 pushes towards delete */
} explain_term;

typedef struct {
    double p_delete, log_odds;
    int exact;             /* 1: the values add up to log_odds (logistic regression); 0: occlusion */
    int n_terms;
    explain_term *terms;   /* most influential (largest |value|) first */
} explanation;

/* Explains m's score of one image (as cull_model_score scores it). Returns 0, or -1 when out of
   memory. Free with explanation_free. */
int explain_score(const cull_model *m, const float *embedding, const image_meta *meta, const char *basename,
                  explanation *out);

/* The kind as output names it: "intercept", "embedding", "metadata", "prompt", "token", "other
   tokens". */
const char *explain_kind_name(explain_kind k);

void explanation_free(explanation *e);

#endif
