
#include "pipeline/trainer.h"

#include <stdlib.h>
#include <string.h>

#include "learn/cv.h"
#include "learn/features.h"
#include "util/fsutil.h"

typedef struct {
    int embed_dim, dim;
    float *X;
    int8_t *y;
    uint64_t *group;
    int n, cap;
    int bad_dim;
} row_set;

static int add_labelled(const library_row *r, void *ctx)
{
    row_set *s = ctx;
    if (r->label == LABEL_NONE) return 0;
    if (s->embed_dim == 0) {
        s->embed_dim = r->dim;
        s->dim = features_dim(r->dim);
    }
    if (r->dim != s->embed_dim) {
        s->bad_dim = 1;
        return 1;
    }
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 1024;
        float *X = realloc(s->X, (size_t)cap * s->dim * sizeof *X);
        int8_t *y = realloc(s->y, (size_t)cap * sizeof *y);
        uint64_t *g = realloc(s->group, (size_t)cap * sizeof *g);
        if (X) s->X = X;
        if (y) s->y = y;
        if (g) s->group = g;
        if (!X || !y || !g) return 1;
        s->cap = cap;
    }
    features_build(r->embedding, r->dim, &r->meta, r->path ? fs_basename(r->path) : "",
                   s->X + (size_t)s->n * s->dim);
    s->y[s->n] = (int8_t)(r->label == LABEL_DELETE);
    memcpy(&s->group[s->n], r->sha256, sizeof s->group[s->n]);
    s->n++;
    return 0;
}

static void row_set_free(row_set *s)
{
    free(s->X);
    free(s->y);
    free(s->group);
}

int trainer_train(library *lib, const char *encoder_id, cull_model *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    row_set s = {0};
    int64_t version = library_label_version(lib);
    if (library_each_row(lib, encoder_id, 0, add_labelled, &s)) {
        snprintf(err, errlen, "library: %s", library_error(lib));
        row_set_free(&s);
        return -1;
    }
    if (s.bad_dim) {
        snprintf(err, errlen, "embeddings of %s have different lengths; re-index", encoder_id);
        row_set_free(&s);
        return -1;
    }
    int n_delete = 0;
    for (int i = 0; i < s.n; i++) n_delete += s.y[i];
    int n_keep = s.n - n_delete;
    if (n_keep < TRAIN_MIN_PER_CLASS || n_delete < TRAIN_MIN_PER_CLASS) {
        snprintf(err, errlen,
                 "too few labels to learn from: %d keep and %d delete with %s embeddings (need at least %d of each;"
                 " label some with cull label keep|delete PATH)",
                 n_keep, n_delete, encoder_id, TRAIN_MIN_PER_CLASS);
        row_set_free(&s);
        return 1;
    }
    int k = TRAIN_FOLDS;
    if (n_keep < k) k = n_keep;
    if (n_delete < k) k = n_delete;
    int *fold = malloc((size_t)s.n * sizeof *fold);
    double *oof = malloc((size_t)s.n * sizeof *oof);
    int rc = -1;
    int start = features_token_start(s.embed_dim);
    if (!fold || !oof) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    cv_assign_folds(s.y, s.group, s.n, k, 0x63756c6c, fold);
    if (cv_out_of_fold(s.X, s.y, fold, s.n, s.dim, k, start, TRAIN_LAMBDA, oof) ||
        metrics_compute(oof, s.y, s.n, &out->cv)) {
        snprintf(err, errlen, "cross-validation failed (too few labels in some fold)");
        goto out;
    }
    logreg_report rep;
    if (logreg_fit(s.X, s.y, s.n, s.dim, start, TRAIN_LAMBDA, 1, &out->lr, &rep)) {
        snprintf(err, errlen, "fitting the model failed");
        goto out;
    }
    snprintf(out->encoder_id, sizeof out->encoder_id, "%s", encoder_id);
    out->embed_dim = s.embed_dim;
    out->folds = k;
    out->n_keep = n_keep;
    out->n_delete = n_delete;
    out->label_version = version;
    char *json = cull_model_to_json(out);
    if (!json || library_put_model(lib, encoder_id, version, json)) {
        snprintf(err, errlen, "storing the model failed: %s", json ? library_error(lib) : "out of memory");
        free(json);
        cull_model_free(out);
        goto out;
    }
    free(json);
    rc = 0;
out:
    free(fold);
    free(oof);
    row_set_free(&s);
    return rc;
}

int trainer_current_model(library *lib, const char *encoder_id, cull_model *out, int *retrained, char *err,
                          size_t errlen)
{
    *retrained = 0;
    library_model stored;
    int found = library_latest_model(lib, encoder_id, &stored);
    if (found < 0) {
        snprintf(err, errlen, "library: %s", library_error(lib));
        return -1;
    }
    if (found && stored.label_version == library_label_version(lib)) {
        int rc = cull_model_from_json(stored.json, out, err, errlen);
        library_model_free(&stored);
        if (rc == 0) return 0;
    } else if (found) {
        library_model_free(&stored);
    }
    *retrained = 1;
    return trainer_train(lib, encoder_id, out, err, errlen);
}

void trainer_print_metrics(FILE *f, const cull_model *m)
{
    fprintf(f, "trained on %d labelled images (%d keep, %d delete), encoder %s\n", m->n_keep + m->n_delete,
            m->n_keep, m->n_delete, m->encoder_id);
    fprintf(f, "%d-fold cross-validation (a picture never in training and test at once):\n", m->folds);
    fprintf(f, "  ROC-AUC             %.3f\n", m->cv.auc);
    fprintf(f, "  average precision   %.3f   (deletes are %.0f%% of the labels)\n", m->cv.ap,
            100.0 * m->cv.n_delete / (m->cv.n ? m->cv.n : 1));
    fprintf(f, "  balanced accuracy   %.3f\n", m->cv.bacc);
    fprintf(f, "  deletes found in the first 10%% / 30%% / 50%% of the ranking: %.0f%% / %.0f%% / %.0f%%\n",
            100 * m->cv.found[0], 100 * m->cv.found[1], 100 * m->cv.found[2]);
    if (m->n_keep < TRAIN_FEW_PER_CLASS || m->n_delete < TRAIN_FEW_PER_CLASS)
        fprintf(f, "warning: with fewer than %d labels of a kind these figures are rough; label more\n",
                TRAIN_FEW_PER_CLASS);
}
