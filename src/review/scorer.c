/*
 * scorer.c — scoring every image once per model version; see scorer.h.
 */
#include "review/scorer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/features.h"
#include "pipeline/trainer.h"
#include "util/fsutil.h"

typedef struct {
    const cull_model *model;
    char *const *roots;
    int n_roots;
    float *scratch;
    review_snapshot *snap;
    size_t cap;
    int oom;
} build_ctx;

static int under_roots(const build_ctx *b, const char *path)
{
    if (b->n_roots == 0) return 1;
    for (int i = 0; i < b->n_roots; i++)
        if (fs_is_under(path, b->roots[i])) return 1;
    return 0;
}

static int add_row(const library_row *row, void *ctx)
{
    build_ctx *b = ctx;
    if (!row->path || !under_roots(b, row->path)) return 0;
    review_snapshot *s = b->snap;
    if (s->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 1024;
        review_item *grown = realloc(s->items, cap * sizeof *grown);
        if (!grown) goto oom;
        s->items = grown;
        b->cap = cap;
    }
    review_item *it = &s->items[s->n];
    it->id = row->image_id;
    it->label = (int8_t)row->label;
    it->seen = 0;
    it->p = NAN;
    if (b->model && row->dim == b->model->embed_dim)
        it->p = cull_model_score(b->model, row->embedding, &row->meta, fs_basename(row->path), b->scratch);
    /* A labelled image is judged by the fold's model that never saw it (as `cull suspects` does):
       the model trained on it would mostly repeat its label back. */
    double oof = b->model && row->label != LABEL_NONE ? cull_model_oof(b->model, row->image_id) : -1;
    if (oof >= 0) it->p = oof;
    if (!(it->path = strdup(row->path))) goto oom;
    s->n++;
    return 0;
oom:
    b->oom = 1;
    return 1;
}

static int by_p_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The snapshot's cost line; left empty when it cannot be worked out (the queues do not need it). */
static void review_cost_line(library *lib, const cull_model *model, review_snapshot *snap)
{
    review_cost cost;
    char err[256];
    double *p = malloc(sizeof(double) * snap->n + 1);
    size_t n = 0;
    for (size_t i = 0; p && i < snap->n; i++)
        if (snap->items[i].label == LABEL_NONE && !isnan(snap->items[i].p)) p[n++] = snap->items[i].p;
    if (p && trainer_review_cost(lib, model, &cost, err, sizeof err) == 0) {
        qsort(p, n, sizeof *p, by_p_desc);
        review_cost_text(&cost, p, n, 0, snap->cost, sizeof snap->cost);
        review_cost_free(&cost);
    }
    free(p);
}

int scorer_build(library *lib, const char *encoder_id, const cull_model *model, char *const *roots, int n_roots,
                 review_snapshot *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    build_ctx b = {model, roots, n_roots, NULL, out, 0, 0};
    if (model && !(b.scratch = malloc((size_t)cull_model_dim(model) * sizeof *b.scratch))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* One row per present path, in path order: an image's first row is its lowest path. */
    int rc = library_each_row(lib, encoder_id, 1, add_row, &b);
    free(b.scratch);
    if (rc || b.oom) {
        snprintf(err, errlen, "reading the library failed: %s", b.oom ? "out of memory" : library_error(lib));
        snapshot_free(out);
        return -1;
    }
    snapshot_finish(out);
    if (model) review_cost_line(lib, model, out);
    return 0;
}
