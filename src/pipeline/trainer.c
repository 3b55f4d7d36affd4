/*
 * trainer.c — labelled rows from the library in, stored model out; the learning itself is
 * learn/select.c (see trainer.h).
 */
#include "pipeline/trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "learn/dupes.h"
#include "learn/features.h"
#include "library/coverage.h"
#include "pipeline/prompt_vectors.h"
#include "util/fsutil.h"
#include "util/progress.h"

typedef struct {
    int embed_dim, dim;
    float *X;                  /* features without prompt columns (with_prompts adds them) */
    int8_t *y;
    uint64_t *group;
    int64_t *id;
    int n, cap;
    int bad_dim;
} row_set;

static int add_labelled(const library_row *r, void *ctx)
{
    row_set *s = ctx;
    if (r->label == LABEL_NONE) return 0;
    if (s->embed_dim == 0) {
        s->embed_dim = r->dim;
        s->dim = features_dim(r->dim, 0);
    }
    if (r->dim != s->embed_dim) {
        s->bad_dim = 1;
        return 1;
    }
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 1024;
        float *X = realloc(s->X, (size_t)cap * s->dim * sizeof *X);
        if (X) s->X = X;
        int8_t *y = realloc(s->y, (size_t)cap * sizeof *y);
        if (y) s->y = y;
        uint64_t *g = realloc(s->group, (size_t)cap * sizeof *g);
        if (g) s->group = g;
        int64_t *id = realloc(s->id, (size_t)cap * sizeof *id);
        if (id) s->id = id;
        if (!X || !y || !g || !id) return 1;
        s->cap = cap;
    }
    features_build(r->embedding, r->dim, NULL, 0, &r->meta, r->path ? fs_basename(r->path) : "",
                   s->X + (size_t)s->n * s->dim);
    s->y[s->n] = (int8_t)(r->label == LABEL_DELETE);
    memcpy(&s->group[s->n], r->sha256, sizeof s->group[s->n]);
    s->id[s->n] = r->image_id;
    s->n++;
    return 0;
}

static void row_set_free(row_set *s)
{
    free(s->X);
    free(s->y);
    free(s->group);
    free(s->id);
}

/* The rows with a column per prompt (replacing s->X). 0, or -1 when out of memory. */
static int with_prompts(row_set *s, const model_prompts *p)
{
    if (p->n == 0) return 0;
    int dim = features_dim(s->embed_dim, p->n);
    float *X = malloc(sizeof(float) * (size_t)s->n * (size_t)dim + 1);
    if (!X) return -1;
    for (int i = 0; i < s->n; i++)
        features_add_prompts(s->X + (size_t)i * s->dim, s->embed_dim, p->u, p->n, X + (size_t)i * dim);
    free(s->X);
    s->X = X, s->dim = dim;
    return 0;
}

static const char *const KIND_NAMES[] = {"auto", "logreg", "mlp"};

/* The stored model of encoder_id, if it reads: what it was asked for, and the prompts it knows. */
static int previous_model(library *lib, const char *encoder_id, cull_model *m)
{
    library_model stored;
    if (library_latest_model(lib, encoder_id, &stored) != 1) return -1;
    char err[256];
    int rc = cull_model_from_json(stored.json, m, err, sizeof err);
    library_model_free(&stored);
    return rc;
}

static select_kind kind_asked(const cull_model *m)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(m->requested, KIND_NAMES[i]) == 0) return (select_kind)i;
    return SELECT_AUTO;
}

/* Fills the model from the selection: classifier, metrics, out-of-fold predictions by image. */
static int take_result(cull_model *out, select_result *r, const row_set *s, select_kind asked)
{
    out->kind = r->kind;
    out->lr = r->lr;
    out->mlp = r->mlp;
    memset(&r->lr, 0, sizeof r->lr);
    memset(&r->mlp, 0, sizeof r->mlp);
    out->folds = r->folds;
    out->cv = r->cv;
    snprintf(out->requested, sizeof out->requested, "%s", KIND_NAMES[asked]);
    out->auc_logreg = r->auc_logreg;
    out->auc_mlp = r->auc_mlp;
    out->lambda = r->lambda;
    out->weight_decay = r->weight_decay;
    out->auc_exact_groups = r->auc_exact_groups;
    out->auc_without_prompts = r->auc_without_prompts;
    out->near_groups = r->near_groups;
    out->near_rows = r->near_rows;
    out->near_dropped = r->near_dropped;
    out->oof_id = malloc(sizeof(int64_t) * (size_t)s->n);
    out->oof_p = malloc(sizeof(float) * (size_t)s->n);
    if (!out->oof_id || !out->oof_p) return -1;
    /* library_each_row gives training rows in image id order. */
    for (int i = 0; i < s->n; i++) {
        out->oof_id[i] = s->id[i];
        out->oof_p[i] = (float)r->oof[i];
        if (i > 0 && s->id[i] <= s->id[i - 1]) return -1;
    }
    out->n_oof = s->n;
    return 0;
}

int trainer_train_with(library *lib, const char *encoder_id, const train_options *opt, cull_model *out,
                       train_report *rep, char *err, size_t errlen)
{
    double t0 = now_monotonic();
    memset(out, 0, sizeof *out);
    train_report report = {0};
    /* The version first: a label or prompt that changes while this runs leaves the model stale. */
    int64_t version = library_label_version(lib);
    row_set s = {0};
    model_prompts prompts = {0};
    cull_model previous;
    int have_previous = previous_model(lib, encoder_id, &previous) == 0;
    train_options chosen = *opt;
    if (opt->same_kind) chosen.kind = have_previous ? kind_asked(&previous) : SELECT_AUTO;
    opt = &chosen;
    int rc = -1;
    if (library_each_row(lib, encoder_id, 0, add_labelled, &s)) {
        snprintf(err, errlen, "library: %s", library_error(lib));
        goto done;
    }
    if (s.bad_dim) {
        snprintf(err, errlen, "embeddings of %s have different lengths; re-index", encoder_id);
        goto done;
    }
    int n_delete = 0;
    for (int i = 0; i < s.n; i++) n_delete += s.y[i];
    int n_keep = s.n - n_delete;
    int64_t embedded = 0, labelled = 0;
    if (n_keep < TRAIN_MIN_PER_CLASS || n_delete < TRAIN_MIN_PER_CLASS) {
        if (library_labelled_coverage(lib, encoder_id, &embedded, &labelled) == 0 && labelled > s.n)
            snprintf(err, errlen,
                     "too few labels to learn from with %s: %d keep and %d delete of the %lld labelled images have its"
                     " embeddings (need at least %d of each); the others' bytes are gone from disk and the Trash (cull"
                     " status names them), or they were not embedded yet (cull model use NAME embeds them)",
                     encoder_id, n_keep, n_delete, (long long)labelled, TRAIN_MIN_PER_CLASS);
        else
            snprintf(err, errlen,
                     "too few labels to learn from: %d keep and %d delete with %s embeddings (need at least %d of"
                     " each; label some with cull label keep|delete PATH)",
                     n_keep, n_delete, encoder_id, TRAIN_MIN_PER_CLASS);
        rc = 1;
        goto done;
    }
    /* Only now, when a model will be trained: the prompts may need the text tower. */
    int got = opt->vectors ? prompt_vectors_read(lib, NULL, opt->vectors, s.embed_dim, &prompts, report.prompts_unused,
                                                 sizeof report.prompts_unused)
                           : prompt_vectors_for(lib, opt->encoder_name, encoder_id, s.embed_dim,
                                                have_previous ? &previous.prompts : NULL, &prompts,
                                                report.prompts_unused, sizeof report.prompts_unused);
    if (got < 0) {
        snprintf(err, errlen, "%s", report.prompts_unused);
        goto done;
    }
    if (got == 0) report.prompts_unused[0] = 0;
    if (with_prompts(&s, &prompts)) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    select_data d = {.X = s.X, .y = s.y, .group = s.group, .n = s.n, .dim = s.dim, .embed_dim = s.embed_dim,
                     .n_prompts = prompts.n, .dupes_threshold = dupes_default_threshold(encoder_id)};
    select_options so = {.kind = opt->kind, .compare_grouping = opt->compare_grouping,
                         .compare_prompts = opt->compare_prompts};
    select_result r;
    if ((rc = select_fit(&d, &so, &r, err, errlen)) != 0) goto done;
    snprintf(out->encoder_id, sizeof out->encoder_id, "%s", encoder_id);
    out->embed_dim = s.embed_dim;
    out->n_keep = n_keep;
    out->n_delete = n_delete;
    out->label_version = version;
    out->dupes_threshold = d.dupes_threshold;
    out->prompts = prompts;
    memset(&prompts, 0, sizeof prompts);
    rc = -1;
    char *json = NULL;
    if (take_result(out, &r, &s, opt->kind) || !(json = cull_model_to_json(out))) {
        snprintf(err, errlen, "out of memory");
    } else if (!library_read_only(lib) && library_put_model(lib, encoder_id, version, json)) {
        snprintf(err, errlen, "storing the model failed: %s", library_error(lib));
    } else {
        rc = 0;
    }
    free(json);
    if (rc) cull_model_free(out);
    report.seconds = now_monotonic() - t0;
    report.seconds_dupes = r.seconds_dupes, report.seconds_logreg = r.seconds_logreg;
    report.seconds_exact = r.seconds_exact, report.seconds_mlp = r.seconds_mlp;
    report.seconds_prompts = r.seconds_prompts;
    select_result_free(&r);
done:
    if (rep) *rep = report;
    if (have_previous) cull_model_free(&previous);
    model_prompts_free(&prompts);
    row_set_free(&s);
    return rc;
}

int trainer_train(library *lib, const char *encoder_name, const char *encoder_id, cull_model *out, train_report *rep,
                  char *err, size_t errlen)
{
    train_options opt = {.same_kind = 1, .encoder_name = encoder_name};
    return trainer_train_with(lib, encoder_id, &opt, out, rep, err, errlen);
}

int trainer_current_model(library *lib, const char *encoder_name, const char *encoder_id, cull_model *out,
                          int *retrained, train_report *rep, char *err, size_t errlen)
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
    return trainer_train(lib, encoder_name, encoder_id, out, rep, err, errlen);
}

void trainer_effort_text(const cull_model *m, char *out, size_t cap)
{
    const metrics *x = &m->cv;
    snprintf(out, cap, "deletes found in the first 10%% / 30%% / 50%% of the ranking: %.0f%% / %.0f%% / %.0f%% "
             "(best possible %.0f%% / %.0f%% / %.0f%%)", 100 * x->found[0], 100 * x->found[1], 100 * x->found[2],
             100 * metrics_found_best(x, 0), 100 * metrics_found_best(x, 1), 100 * metrics_found_best(x, 2));
}

/* What the prompts are to the model, and what they changed; and which were left out, and why. */
static void print_prompts(FILE *f, const cull_model *m, const train_report *rep)
{
    if (m->prompts.n) {
        int n_delete = 0;
        for (int k = 0; k < m->prompts.n; k++) n_delete += m->prompts.label[k] == LABEL_DELETE;
        fprintf(f, "prompts: %d (%d keep, %d delete) are features: each image's cosine with each prompt's words",
                m->prompts.n, m->prompts.n - n_delete, n_delete);
        if (isfinite(m->auc_without_prompts) && isfinite(m->auc_logreg))
            fprintf(f, ";\n  prompts changed logistic regression's ROC-AUC from %.3f to %.3f", m->auc_without_prompts,
                    m->auc_logreg);
        fprintf(f, "\n");
    }
    if (rep && rep->prompts_unused[0]) fprintf(f, "prompts left out of the model: %s\n", rep->prompts_unused);
}

void trainer_print_metrics(FILE *f, const cull_model *m, const train_report *rep)
{
    fprintf(f, "trained on %d labelled images (%d keep, %d delete), encoder %s\n", m->n_keep + m->n_delete,
            m->n_keep, m->n_delete, m->encoder_id);
    fprintf(f, "%d-fold cross-validation (%s never in training and test at once):\n", m->folds,
            m->near_dropped ? "exact copies of a picture" : "a picture and its near-duplicates");
    fprintf(f, "  ROC-AUC             %.3f\n", m->cv.auc);
    fprintf(f, "  average precision   %.3f   (deletes are %.0f%% of the labels)\n", m->cv.ap,
            100.0 * m->cv.n_delete / (m->cv.n ? m->cv.n : 1));
    fprintf(f, "  balanced accuracy   %.3f\n", m->cv.bacc);
    char effort[256];
    trainer_effort_text(m, effort, sizeof effort);
    fprintf(f, "  %s\n", effort);
    char detail[64];
    if (m->kind == MODEL_MLP) snprintf(detail, sizeof detail, "%d hidden units, weight decay %g", m->mlp.hidden, m->weight_decay);
    else snprintf(detail, sizeof detail, "λ = %g", m->lambda);
    int is_auto = strcmp(m->requested, "auto") == 0;
    fprintf(f, "model: %s (%s), %s", cull_model_kind_name(m->kind), detail, is_auto ? "chosen by auto" : "as asked");
    if (isfinite(m->auc_logreg) && isfinite(m->auc_mlp)) {
        double mine = m->kind == MODEL_MLP ? m->auc_mlp : m->auc_logreg;
        double other = m->kind == MODEL_MLP ? m->auc_logreg : m->auc_mlp;
        fprintf(f, ": cross-validated ROC-AUC %.3f against %s %.3f (%+.3f)\n", mine,
                m->kind == MODEL_MLP ? "logistic regression's" : "the MLP's", other, mine - other);
    } else {
        fprintf(f, "%s\n", is_auto ? ": too few labels to train the MLP" : "");
    }
    if (m->near_groups > 0 && m->near_dropped) {
        fprintf(f, "near-duplicates: %d groups holding %d labelled images (cosine ≥ %.3f), but too few labels to keep\n"
                   "  them within one fold: folds grouped by exact content only, so near-copies may flatter the figures\n",
                m->near_groups, m->near_rows, m->dupes_threshold);
    } else if (m->near_groups > 0) {
        fprintf(f, "near-duplicates: %d groups holding %d labelled images (cosine ≥ %.3f) kept within one fold",
                m->near_groups, m->near_rows, m->dupes_threshold);
        if (isfinite(m->auc_exact_groups) && isfinite(m->auc_logreg))
            fprintf(f, ";\n  grouping near-duplicates changed logistic regression's ROC-AUC from %.3f to %.3f",
                    m->auc_exact_groups, m->auc_logreg);
        fprintf(f, "\n");
    } else {
        fprintf(f, "near-duplicates: none among the labelled images (cosine ≥ %.3f)\n", m->dupes_threshold);
    }
    print_prompts(f, m, rep);
    if (rep) {
        fprintf(f, "took %.1f s (near-duplicates %.1f s, logistic regression %.1f s, MLP %.1f s, ungrouped comparison %.1f s",
                rep->seconds, rep->seconds_dupes, rep->seconds_logreg, rep->seconds_mlp, rep->seconds_exact);
        if (m->prompts.n) fprintf(f, ", comparison without prompts %.1f s", rep->seconds_prompts);
        fprintf(f, ")\n");
    }
    if (m->n_keep < TRAIN_FEW_PER_CLASS || m->n_delete < TRAIN_FEW_PER_CLASS)
        fprintf(f, "warning: with fewer than %d labels of a kind these figures are rough; label more\n",
                TRAIN_FEW_PER_CLASS);
}

typedef struct {
    const cull_model *m;
    int8_t *is_delete;
} label_match;

static void match_label(int64_t image_id, int label, void *ctx)
{
    label_match *lm = ctx;
    const cull_model *m = lm->m;
    int lo = 0, hi = m->n_oof;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (m->oof_id[mid] < image_id) lo = mid + 1;
        else hi = mid;
    }
    if (lo < m->n_oof && m->oof_id[lo] == image_id) lm->is_delete[lo] = (int8_t)(label == LABEL_DELETE);
}

int trainer_review_cost(library *lib, const cull_model *m, review_cost *out, char *err, size_t errlen)
{
    int8_t *is_delete = malloc((size_t)m->n_oof + 1);
    if (!is_delete) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memset(is_delete, -1, (size_t)m->n_oof);
    label_match lm = {m, is_delete};
    int rc = library_each_label(lib, match_label, &lm);
    if (rc) snprintf(err, errlen, "%s", library_error(lib));
    else if ((rc = review_cost_init(out, m, is_delete))) snprintf(err, errlen, "out of memory");
    free(is_delete);
    return rc;
}
