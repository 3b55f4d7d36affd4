/*
 * explainer.c — the labelled set held for explanations (explainer.h).
 */
#include "pipeline/explainer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "learn/features.h"
#include "util/quote.h"

typedef struct {
    explainer *ex;
    int cap, failed;
} load_run;

static int add_labelled(const library_row *row, void *ctx)
{
    load_run *r = ctx;
    explainer *ex = r->ex;
    if (row->label == LABEL_NONE || row->dim != ex->dim) return 0;
    if (ex->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 1024;
        labelled_image *im = realloc(ex->images, sizeof *im * (size_t)cap);
        if (im) ex->images = im;
        float *u = realloc(ex->unit, sizeof *u * (size_t)cap * ex->dim);
        if (u) ex->unit = u;
        if (!im || !u) return r->failed = 1;
        r->cap = cap;
    }
    char *path = row->path ? strdup(row->path) : NULL;
    if (row->path && !path) return r->failed = 1;
    ex->images[ex->n] = (labelled_image){row->image_id, row->label, path};
    features_unit_vector(row->embedding, ex->dim, ex->unit + (size_t)ex->n * ex->dim);
    ex->n++;
    return 0;
}

int explainer_open(library *lib, const cull_model *m, explainer *ex, char *err, size_t errlen)
{
    memset(ex, 0, sizeof *ex);
    ex->model = m;
    ex->dim = m->embed_dim;
    load_run r = {ex, 0, 0};
    if (library_each_row(lib, m->encoder_id, 0, add_labelled, &r) || r.failed) {
        snprintf(err, errlen, "reading the labelled images: %s", r.failed ? "out of memory" : library_error(lib));
        explainer_close(ex);
        return -1;
    }
    return 0;
}

typedef struct {
    int *label;
    image_meta *meta;
    float **embedding;
} image_read;

static int take_image(const library_row *row, void *ctx)
{
    image_read *r = ctx;
    *r->label = row->label;
    *r->meta = row->meta;
    *r->embedding = malloc(sizeof(float) * (size_t)row->dim);
    if (*r->embedding) memcpy(*r->embedding, row->embedding, sizeof(float) * (size_t)row->dim);
    return 0;
}

int explainer_read_image(library *lib, const char *encoder_id, int64_t image_id, int *label, image_meta *meta,
                         float **embedding)
{
    *embedding = NULL;
    image_read r = {label, meta, embedding};
    int found = library_row_of(lib, encoder_id, image_id, take_image, &r);
    return found == 1 && !*embedding ? -1 : found;
}

int explainer_find(const explainer *ex, int64_t image_id)
{
    int lo = 0, hi = ex->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (ex->images[mid].image_id < image_id) lo = mid + 1;
        else hi = mid;
    }
    return lo < ex->n && ex->images[lo].image_id == image_id ? lo : -1;
}

int explainer_neighbours(const explainer *ex, const float *embeddings, const int64_t *ids, int q, int k,
                         neighbour *out)
{
    float *Q = malloc(sizeof(float) * (size_t)q * ex->dim + 1);
    int32_t *skip = malloc(sizeof(int32_t) * (size_t)q + 1);
    int rc = -1;
    if (Q && skip) {
        for (int i = 0; i < q; i++) {
            features_unit_vector(embeddings + (size_t)i * ex->dim, ex->dim, Q + (size_t)i * ex->dim);
            skip[i] = ids ? explainer_find(ex, ids[i]) : -1;
        }
        rc = neighbours_top_k(ex->unit, ex->n, Q, q, ex->dim, k, skip, out);
    }
    free(Q), free(skip);
    return rc;
}

const char *explainer_label_name(int label)
{
    return label == LABEL_DELETE ? "delete" : "keep";
}

json_t *explainer_neighbours_json(const explainer *ex, const neighbour *nb, int k)
{
    json_t *a = json_array();
    for (int r = 0; r < k && nb[r].row >= 0; r++) {
        const labelled_image *im = &ex->images[nb[r].row];
        json_array_append_new(a, json_pack("{s:I, s:s, s:f, s:o}", "image_id", (json_int_t)im->image_id, "label",
                                           explainer_label_name(im->label), "similarity", (double)nb[r].cos, "path",
                                           im->path ? quote_json_path(im->path) : json_null()));
    }
    return a;
}

json_t *explanation_json(const explanation *e)
{
    json_t *terms = json_array();
    for (int i = 0; i < e->n_terms; i++) {
        const explain_term *t = &e->terms[i];
        json_t *o = json_pack("{s:s, s:f}", "kind", explain_kind_name(t->kind), "value", t->value);
        if (t->kind == EXPLAIN_META) json_object_set_new(o, "feature", json_string(t->name));
        if (t->kind == EXPLAIN_PROMPT) {
            json_object_set_new(o, "prompt", json_integer(t->prompt_id));
            json_object_set_new(o, "side", json_string(explainer_label_name(t->prompt_label)));
            json_object_set_new(o, "text", json_string(t->text));
        }
        if (t->kind == EXPLAIN_TOKEN) {
            json_object_set_new(o, "token", quote_json_path(t->name));
            json_object_set_new(o, "count", json_integer(t->count));
        }
        json_array_append_new(terms, o);
    }
    return json_pack("{s:f, s:f, s:s, s:o}", "p_delete", e->p_delete, "log_odds", e->log_odds, "method",
                     e->exact ? "exact" : "occlusion", "contributions", terms);
}

void explainer_close(explainer *ex)
{
    for (int i = 0; i < ex->n; i++) free(ex->images[i].path);
    free(ex->images), free(ex->unit);
    memset(ex, 0, sizeof *ex);
}
