#include "learn/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "learn/features.h"

/* Longer than any encoder's vector; keeps a damaged model's row length far from overflow. */
#define MODEL_MAX_EMBED_DIM (1 << 20)
/* More prompts than anyone writes; keeps a damaged model's row length far from overflow too. */
#define MODEL_MAX_PROMPTS (1 << 16)

int cull_model_dim(const cull_model *m)
{
    return features_dim(m->embed_dim, m->prompts.n);
}

double cull_model_score(const cull_model *m, const float *embedding, const image_meta *meta,
                        const char *basename, float *scratch)
{
    if (m->kind == MODEL_PROMPTS) {
        features_unit_vector(embedding, m->embed_dim, scratch);
        double best[2] = {-2, -2};
        for (int k = 0; k < m->prompts.n; k++) {
            const float *u = m->prompts.u + (size_t)k * (size_t)m->embed_dim;
            double c = 0;
            for (int i = 0; i < m->embed_dim; i++) c += (double)scratch[i] * u[i];
            int side = m->prompts.label[k] != 0;
            if (c > best[side]) best[side] = c;
        }
        return 1 / (1 + exp(m->logit_scale * (best[0] - best[1])));
    }
    features_build(embedding, m->embed_dim, m->prompts.u, m->prompts.n, meta, basename ? basename : "", scratch);
    return m->kind == MODEL_MLP ? mlp_predict(&m->mlp, scratch) : logreg_predict(&m->lr, scratch);
}

double cull_model_oof(const cull_model *m, int64_t image_id)
{
    int lo = 0, hi = m->n_oof;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (m->oof_id[mid] < image_id) lo = mid + 1;
        else hi = mid;
    }
    return lo < m->n_oof && m->oof_id[lo] == image_id ? m->oof_p[lo] : -1.0;
}

const char *cull_model_kind_name(model_kind k)
{
    return k == MODEL_MLP ? "MLP" : k == MODEL_PROMPTS ? "zero-shot prompts" : "logistic regression";
}

void cull_model_zero_shot(cull_model *m, const char *encoder_id, model_prompts *p, float logit_scale)
{
    memset(m, 0, sizeof *m);
    m->kind = MODEL_PROMPTS;
    m->embed_dim = p->dim;
    snprintf(m->encoder_id, sizeof m->encoder_id, "%s", encoder_id);
    m->prompts = *p;
    memset(p, 0, sizeof *p);
    m->logit_scale = logit_scale;
    m->cv.auc = m->cv.ap = m->cv.bacc = NAN;
    m->auc_logreg = m->auc_mlp = m->lambda = m->weight_decay = m->auc_exact_groups = m->auc_without_prompts = NAN;
    snprintf(m->requested, sizeof m->requested, "prompts");
}

int model_prompts_add(model_prompts *p, int64_t id, int label, const char *text, const float *u)
{
    int dim = p->dim;
    size_t n = (size_t)p->n + 1;
    int64_t *ids = realloc(p->id, n * sizeof *ids);
    if (ids) p->id = ids;
    int *labels = realloc(p->label, n * sizeof *labels);
    if (labels) p->label = labels;
    char **texts = realloc(p->text, n * sizeof *texts);
    if (texts) p->text = texts;
    float *us = realloc(p->u, n * (size_t)dim * sizeof *us);
    if (us) p->u = us;
    char *copy = strdup(text);
    if (!ids || !labels || !texts || !us || !copy) {
        free(copy);
        return -1;
    }
    p->id[p->n] = id;
    p->label[p->n] = label;
    p->text[p->n] = copy;
    memcpy(p->u + (size_t)p->n * (size_t)dim, u, (size_t)dim * sizeof *us);
    p->n++;
    return 0;
}

int model_prompts_find(const model_prompts *p, int64_t id, const char *text)
{
    for (int k = 0; k < p->n; k++)
        if (p->id[k] == id && strcmp(p->text[k], text) == 0) return k;
    return -1;
}

void model_prompts_free(model_prompts *p)
{
    for (int k = 0; k < p->n; k++) free(p->text[k]);
    free(p->id), free(p->label), free(p->text), free(p->u);
    memset(p, 0, sizeof *p);
}

/* ---- writing ---- */

static json_t *float_array(const float *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_real(v[i]));
    return a;
}

static json_t *double_array(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_real(v[i]));
    return a;
}

static json_t *number_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *metrics_json(const metrics *x)
{
    return json_pack("{s:i, s:i, s:f, s:f, s:f, s:[f, f, f]}", "n", x->n, "n_delete", x->n_delete, "auc", x->auc,
                     "ap", x->ap, "bacc", x->bacc, "found_at_10_30_50", x->found[0], x->found[1], x->found[2]);
}

static json_t *classifier_json(const cull_model *m)
{
    if (m->kind == MODEL_MLP)
        return json_pack("{s:i, s:f, s:o, s:o, s:o, s:f}", "hidden", m->mlp.hidden, "weight_decay", m->mlp.weight_decay,
                         "w1", float_array(m->mlp.w1, m->mlp.dim * m->mlp.hidden), "b1",
                         float_array(m->mlp.b1, m->mlp.hidden), "w2", float_array(m->mlp.w2, m->mlp.hidden), "b2",
                         (double)m->mlp.b2);
    return json_pack("{s:f, s:f, s:o}", "lambda", m->lr.lambda, "bias", m->lr.b, "weights",
                     double_array(m->lr.w, m->lr.dim));
}

/* [{"id", "label": "keep"|"delete", "text", "vector"}] in column order. */
static json_t *prompts_json(const cull_model *m)
{
    json_t *a = json_array();
    for (int k = 0; k < m->prompts.n; k++) {
        json_t *p = json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)m->prompts.id[k], "label",
                              m->prompts.label[k] == 1 ? "delete" : "keep", "text", m->prompts.text[k], "vector",
                              float_array(m->prompts.u + (size_t)k * m->embed_dim, m->embed_dim));
        if (!p || json_array_append_new(a, p)) {   /* text not UTF-8 (a hand-edited library), or no memory */
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

char *cull_model_to_json(const cull_model *m)
{
    int dim = m->kind == MODEL_MLP ? m->mlp.dim : m->lr.dim;
    const float *mean = m->kind == MODEL_MLP ? m->mlp.mean : m->lr.mean;
    const float *scale = m->kind == MODEL_MLP ? m->mlp.scale : m->lr.scale;
    json_t *ids = json_array(), *ps = json_array();
    for (int i = 0; i < m->n_oof; i++) {
        json_array_append_new(ids, json_integer(m->oof_id[i]));
        json_array_append_new(ps, json_real(m->oof_p[i]));
    }
    json_t *selection = json_pack(
        "{s:s, s:o, s:o, s:o, s:o, s:o, s:f, s:i, s:i, s:b}", "requested", m->requested, "auc_logreg",
        number_or_null(m->auc_logreg), "auc_mlp", number_or_null(m->auc_mlp), "lambda", number_or_null(m->lambda),
        "weight_decay", number_or_null(m->weight_decay), "auc_exact_groups", number_or_null(m->auc_exact_groups),
        "dupes_threshold", (double)m->dupes_threshold, "near_duplicate_groups", m->near_groups,
        "near_duplicate_rows", m->near_rows, "near_duplicate_grouping_dropped", m->near_dropped);
    json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:o, s:o, s:o, s:i, s:o, s:i, s:i, s:I, s:o, s:{s:o, s:o}}",
                          "format", MODEL_FORMAT, "kind", m->kind == MODEL_MLP ? "mlp" : "logreg", "encoder",
                          m->encoder_id, "embed_dim", m->embed_dim, "dim", dim, "mean", float_array(mean, dim),
                          "scale", float_array(scale, dim), m->kind == MODEL_MLP ? "mlp" : "logreg",
                          classifier_json(m), "folds", m->folds, "cv", metrics_json(&m->cv), "n_keep", m->n_keep,
                          "n_delete", m->n_delete, "label_version", (json_int_t)m->label_version, "selection",
                          selection, "oof", "image_ids", ids, "p_delete", ps);
    if (!o) return NULL;
    json_t *prompts = m->prompts.n > 0 ? prompts_json(m) : NULL;
    if (m->prompts.n > 0 && !prompts) {
        json_decref(o);
        return NULL;
    }
    if (prompts) {
        json_object_set_new(o, "prompts", prompts);
        json_object_set_new(selection, "auc_without_prompts", number_or_null(m->auc_without_prompts));
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9));
    json_decref(o);
    return s;
}

/* ---- reading ---- */

/* Reads a numeric array of exactly n finite values. */
static int read_array(json_t *a, int n, float *f, double *d)
{
    if (!json_is_array(a) || (int)json_array_size(a) != n) return -1;
    for (int i = 0; i < n; i++) {
        json_t *x = json_array_get(a, (size_t)i);
        if (!json_is_number(x)) return -1;
        double v = json_number_value(x);
        if (!isfinite(v)) return -1;
        if (f) f[i] = (float)v;
        if (d) d[i] = v;
    }
    return 0;
}

static double number_or_nan(json_t *o, const char *key)
{
    json_t *x = json_object_get(o, key);
    return json_is_number(x) ? json_number_value(x) : NAN;
}

static int read_metrics(json_t *cv, metrics *out)
{
    double found[3] = {0};
    if (json_unpack(cv, "{s:i, s:i, s:F, s:F, s:F, s:[F, F, F]}", "n", &out->n, "n_delete", &out->n_delete, "auc",
                    &out->auc, "ap", &out->ap, "bacc", &out->bacc, "found_at_10_30_50", &found[0], &found[1],
                    &found[2]))
        return -1;
    memcpy(out->found, found, sizeof found);
    return 0;
}

static void no_selection(cull_model *m)
{
    snprintf(m->requested, sizeof m->requested, "logreg");
    m->auc_logreg = m->auc_mlp = m->weight_decay = m->auc_exact_groups = m->auc_without_prompts = NAN;
    m->lambda = m->lr.lambda;
}

/* cull-logreg-1: the logistic regression's arrays at the top level. */
static int from_v1(json_t *o, cull_model *m, char *err, size_t errlen)
{
    json_error_t je;
    const char *format = "", *enc = "";
    json_t *mean, *scale, *weights, *cv;
    json_int_t lv = 0;
    if (json_unpack_ex(o, &je, 0, "{s:s, s:s, s:i, s:i, s:F, s:F, s:o, s:o, s:o, s:i, s:o, s:i, s:i, s:I}",
                       "format", &format, "encoder", &enc, "embed_dim", &m->embed_dim, "dim", &m->lr.dim,
                       "lambda", &m->lr.lambda, "bias", &m->lr.b, "mean", &mean, "scale", &scale,
                       "weights", &weights, "folds", &m->folds, "cv", &cv, "n_keep", &m->n_keep,
                       "n_delete", &m->n_delete, "label_version", &lv)) {
        snprintf(err, errlen, "stored model is incomplete: %s", je.text);
        return -1;
    }
    if (m->embed_dim <= 0 || m->embed_dim > MODEL_MAX_EMBED_DIM || m->lr.dim != features_dim(m->embed_dim, 0)) {
        snprintf(err, errlen, "stored model has an unknown layout; retrain with cull train");
        return -1;
    }
    snprintf(m->encoder_id, sizeof m->encoder_id, "%s", enc);
    m->label_version = lv;
    m->kind = MODEL_LOGREG;
    int n = m->lr.dim;
    m->lr.mean = malloc((size_t)n * sizeof *m->lr.mean);
    m->lr.scale = malloc((size_t)n * sizeof *m->lr.scale);
    m->lr.w = malloc((size_t)n * sizeof *m->lr.w);
    if (!m->lr.mean || !m->lr.scale || !m->lr.w || read_array(mean, n, m->lr.mean, NULL) ||
        read_array(scale, n, m->lr.scale, NULL) || read_array(weights, n, NULL, m->lr.w) || read_metrics(cv, &m->cv)) {
        snprintf(err, errlen, "stored model has damaged arrays; retrain with cull train");
        return -1;
    }
    no_selection(m);
    return 0;
}

static int read_classifier(json_t *o, const char *kind, int dim, json_t *mean, json_t *scale, cull_model *m)
{
    float *mn = malloc(sizeof(float) * (size_t)dim), *sc = malloc(sizeof(float) * (size_t)dim);
    if (!mn || !sc || read_array(mean, dim, mn, NULL) || read_array(scale, dim, sc, NULL)) {
        free(mn), free(sc);
        return -1;
    }
    for (int j = 0; j < dim; j++)
        if (!(sc[j] > 0)) {   /* a zero scale would divide by zero in every prediction */
            free(mn), free(sc);
            return -1;
        }
    json_t *c = json_object_get(o, kind);
    if (strcmp(kind, "mlp") == 0) {
        m->kind = MODEL_MLP;
        mlp_model *p = &m->mlp;
        p->dim = dim, p->mean = mn, p->scale = sc;
        json_t *w1, *b1, *w2;
        double b2 = 0;
        if (json_unpack(c, "{s:i, s:F, s:o, s:o, s:o, s:F}", "hidden", &p->hidden, "weight_decay", &p->weight_decay,
                        "w1", &w1, "b1", &b1, "w2", &w2, "b2", &b2) ||
            p->hidden <= 0 || p->hidden > MLP_MAX_HIDDEN || !isfinite(b2))
            return -1;
        p->b2 = (float)b2;
        p->w1 = malloc(sizeof(float) * (size_t)dim * p->hidden);
        p->b1 = malloc(sizeof(float) * (size_t)p->hidden);
        p->w2 = malloc(sizeof(float) * (size_t)p->hidden);
        return !p->w1 || !p->b1 || !p->w2 || read_array(w1, dim * p->hidden, p->w1, NULL) ||
                       read_array(b1, p->hidden, p->b1, NULL) || read_array(w2, p->hidden, p->w2, NULL)
                   ? -1
                   : 0;
    }
    m->kind = MODEL_LOGREG;
    logreg_model *p = &m->lr;
    p->dim = dim, p->mean = mn, p->scale = sc;
    json_t *w;
    if (json_unpack(c, "{s:F, s:F, s:o}", "lambda", &p->lambda, "bias", &p->b, "weights", &w) || !isfinite(p->b))
        return -1;
    p->w = malloc(sizeof(double) * (size_t)dim);
    return !p->w || read_array(w, dim, NULL, p->w) ? -1 : 0;
}

static int read_oof(json_t *oof, cull_model *m)
{
    json_t *ids = json_object_get(oof, "image_ids"), *ps = json_object_get(oof, "p_delete");
    if (!json_is_array(ids) || !json_is_array(ps) || json_array_size(ids) != json_array_size(ps)) return -1;
    int n = (int)json_array_size(ids);
    m->oof_id = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    m->oof_p = malloc(sizeof(float) * (size_t)(n ? n : 1));
    if (!m->oof_id || !m->oof_p || read_array(ps, n, m->oof_p, NULL)) return -1;
    for (int i = 0; i < n; i++) {
        json_t *x = json_array_get(ids, (size_t)i);
        if (!json_is_integer(x)) return -1;
        m->oof_id[i] = json_integer_value(x);
        if ((i > 0 && m->oof_id[i] <= m->oof_id[i - 1]) || m->oof_p[i] < 0 || m->oof_p[i] > 1) return -1;
    }
    m->n_oof = n;
    return 0;
}

/* The optional "prompts" array (absent: none). -1 when damaged. */
static int read_prompts(json_t *a, cull_model *m)
{
    if (!a) return 0;
    if (!json_is_array(a) || json_array_size(a) > MODEL_MAX_PROMPTS) return -1;
    float *u = malloc(sizeof(float) * (size_t)m->embed_dim);
    int rc = u ? 0 : -1;
    m->prompts.dim = m->embed_dim;
    for (size_t k = 0; rc == 0 && k < json_array_size(a); k++) {
        json_int_t id;
        const char *label, *text;
        json_t *vector;
        rc = json_unpack(json_array_get(a, k), "{s:I, s:s, s:s, s:o}", "id", &id, "label", &label, "text", &text,
                         "vector", &vector) ||
                     (strcmp(label, "keep") && strcmp(label, "delete")) || read_array(vector, m->embed_dim, u, NULL) ||
                     model_prompts_add(&m->prompts, id, strcmp(label, "delete") == 0, text, u)
                 ? -1
                 : 0;
    }
    free(u);
    return rc;
}

static int from_v2(json_t *o, cull_model *m, char *err, size_t errlen)
{
    json_error_t je;
    const char *kind = "", *enc = "", *requested = "";
    json_t *mean, *scale, *cv, *sel, *oof;
    json_int_t lv = 0;
    int dim = 0;
    if (json_unpack_ex(o, &je, 0, "{s:s, s:s, s:i, s:i, s:o, s:o, s:i, s:o, s:i, s:i, s:I, s:o, s:o}", "kind", &kind,
                       "encoder", &enc, "embed_dim", &m->embed_dim, "dim", &dim, "mean", &mean, "scale", &scale,
                       "folds", &m->folds, "cv", &cv, "n_keep", &m->n_keep, "n_delete", &m->n_delete,
                       "label_version", &lv, "selection", &sel, "oof", &oof) ||
        json_unpack_ex(sel, &je, 0, "{s:s}", "requested", &requested)) {
        snprintf(err, errlen, "stored model is incomplete: %s", je.text);
        return -1;
    }
    if (m->embed_dim <= 0 || m->embed_dim > MODEL_MAX_EMBED_DIM || (strcmp(kind, "mlp") && strcmp(kind, "logreg"))) {
        snprintf(err, errlen, "stored model has an unknown kind or layout; retrain with cull train");
        return -1;
    }
    if (read_prompts(json_object_get(o, "prompts"), m)) {
        snprintf(err, errlen, "stored model has damaged prompts; retrain with cull train");
        return -1;
    }
    if (dim != cull_model_dim(m)) {
        snprintf(err, errlen, "stored model has an unknown layout; retrain with cull train");
        return -1;
    }
    snprintf(m->encoder_id, sizeof m->encoder_id, "%s", enc);
    snprintf(m->requested, sizeof m->requested, "%s", requested);
    m->label_version = lv;
    if (read_classifier(o, kind, dim, mean, scale, m) || read_metrics(cv, &m->cv) || read_oof(oof, m)) {
        snprintf(err, errlen, "stored model has damaged arrays; retrain with cull train");
        return -1;
    }
    m->auc_logreg = number_or_nan(sel, "auc_logreg");
    m->auc_mlp = number_or_nan(sel, "auc_mlp");
    m->lambda = number_or_nan(sel, "lambda");
    m->weight_decay = number_or_nan(sel, "weight_decay");
    m->auc_exact_groups = number_or_nan(sel, "auc_exact_groups");
    m->auc_without_prompts = number_or_nan(sel, "auc_without_prompts");
    m->dupes_threshold = (float)number_or_nan(sel, "dupes_threshold");
    json_t *g = json_object_get(sel, "near_duplicate_groups"), *r = json_object_get(sel, "near_duplicate_rows");
    m->near_groups = json_is_integer(g) ? (int)json_integer_value(g) : 0;
    m->near_rows = json_is_integer(r) ? (int)json_integer_value(r) : 0;
    m->near_dropped = json_is_true(json_object_get(sel, "near_duplicate_grouping_dropped"));
    return 0;
}

int cull_model_from_json(const char *text, cull_model *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);
    if (!o) {
        snprintf(err, errlen, "stored model is not JSON: %s", je.text);
        return -1;
    }
    const char *format = json_string_value(json_object_get(o, "format"));
    int rc;
    if (format && strcmp(format, MODEL_FORMAT) == 0) {
        rc = from_v2(o, m, err, errlen);
    } else if (format && strcmp(format, MODEL_FORMAT_V1) == 0) {
        rc = from_v1(o, m, err, errlen);
    } else {
        snprintf(err, errlen, "stored model has an unknown format (%s); retrain with cull train", format ? format : "none");
        rc = -1;
    }
    if (rc) cull_model_free(m);
    json_decref(o);
    return rc;
}

void cull_model_free(cull_model *m)
{
    logreg_free(&m->lr);
    mlp_free(&m->mlp);
    free(m->oof_id), free(m->oof_p);
    m->oof_id = NULL, m->oof_p = NULL;
    m->n_oof = 0;
    model_prompts_free(&m->prompts);
}
