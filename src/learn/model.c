#include "learn/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "learn/features.h"

double cull_model_score(const cull_model *m, const float *embedding, const image_meta *meta,
                        const char *basename, float *scratch)
{
    features_build(embedding, m->embed_dim, meta, basename ? basename : "", scratch);
    return logreg_predict(&m->lr, scratch);
}

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

static json_t *metrics_json(const metrics *x)
{
    return json_pack("{s:i, s:i, s:f, s:f, s:f, s:[f, f, f]}", "n", x->n, "n_delete", x->n_delete, "auc", x->auc,
                     "ap", x->ap, "bacc", x->bacc, "found_at_10_30_50", x->found[0], x->found[1], x->found[2]);
}

char *cull_model_to_json(const cull_model *m)
{
    json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:f, s:f, s:o, s:o, s:o, s:i, s:o, s:i, s:i, s:I}",
                          "format", MODEL_FORMAT, "encoder", m->encoder_id, "embed_dim", m->embed_dim,
                          "dim", m->lr.dim, "lambda", m->lr.lambda, "bias", m->lr.b,
                          "mean", float_array(m->lr.mean, m->lr.dim), "scale", float_array(m->lr.scale, m->lr.dim),
                          "weights", double_array(m->lr.w, m->lr.dim), "folds", m->folds,
                          "cv", metrics_json(&m->cv), "n_keep", m->n_keep, "n_delete", m->n_delete,
                          "label_version", (json_int_t)m->label_version);
    if (!o) return NULL;
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9));
    json_decref(o);
    return s;
}

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

int cull_model_from_json(const char *text, cull_model *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);
    if (!o) {
        snprintf(err, errlen, "stored model is not JSON: %s", je.text);
        return -1;
    }
    const char *format = "", *enc = "";
    json_t *mean, *scale, *weights, *cv;
    json_int_t lv = 0;
    int rc = -1;
    if (json_unpack_ex(o, &je, 0, "{s:s, s:s, s:i, s:i, s:F, s:F, s:o, s:o, s:o, s:i, s:o, s:i, s:i, s:I}",
                       "format", &format, "encoder", &enc, "embed_dim", &m->embed_dim, "dim", &m->lr.dim,
                       "lambda", &m->lr.lambda, "bias", &m->lr.b, "mean", &mean, "scale", &scale,
                       "weights", &weights, "folds", &m->folds, "cv", &cv, "n_keep", &m->n_keep,
                       "n_delete", &m->n_delete, "label_version", &lv)) {
        snprintf(err, errlen, "stored model is incomplete: %s", je.text);
        goto out;
    }
    if (strcmp(format, MODEL_FORMAT) != 0 || m->embed_dim <= 0 || m->lr.dim != features_dim(m->embed_dim)) {
        snprintf(err, errlen, "stored model has an unknown format or layout (%s); retrain with cull train", format);
        goto out;
    }
    snprintf(m->encoder_id, sizeof m->encoder_id, "%s", enc);
    m->label_version = lv;
    int n = m->lr.dim;
    m->lr.mean = malloc((size_t)n * sizeof *m->lr.mean);
    m->lr.scale = malloc((size_t)n * sizeof *m->lr.scale);
    m->lr.w = malloc((size_t)n * sizeof *m->lr.w);
    double found[3] = {0};
    if (!m->lr.mean || !m->lr.scale || !m->lr.w || read_array(mean, n, m->lr.mean, NULL) ||
        read_array(scale, n, m->lr.scale, NULL) || read_array(weights, n, NULL, m->lr.w) ||
        json_unpack(cv, "{s:i, s:i, s:F, s:F, s:F, s:[F, F, F]}", "n", &m->cv.n, "n_delete", &m->cv.n_delete,
                    "auc", &m->cv.auc, "ap", &m->cv.ap, "bacc", &m->cv.bacc, "found_at_10_30_50", &found[0],
                    &found[1], &found[2])) {
        snprintf(err, errlen, "stored model has damaged arrays; retrain with cull train");
        cull_model_free(m);
        goto out;
    }
    memcpy(m->cv.found, found, sizeof found);
    rc = 0;
out:
    json_decref(o);
    return rc;
}

void cull_model_free(cull_model *m) { logreg_free(&m->lr); }
