/*
 * text_search.c — images by their cosine with a sentence (text_search.h).
 */
#include "pipeline/text_search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoders/text_encoder.h"
#include "util/fsutil.h"

/* Pass 1: every embedding's cosine with the query, by image id (the library gives them in order). */
typedef struct {
    const float *u;
    int dim;
    int64_t *ids;
    double *cos;
    size_t n, cap;
    int oom;
} cosines;

static int add_cosine(int64_t image_id, const float *v, int dim, void *ctx)
{
    cosines *c = ctx;
    if (dim != c->dim) return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 4096;
        int64_t *ids = realloc(c->ids, cap * sizeof *ids);
        if (ids) c->ids = ids;
        double *cos = realloc(c->cos, cap * sizeof *cos);
        if (cos) c->cos = cos;
        if (!ids || !cos) return c->oom = 1;
        c->cap = cap;
    }
    c->ids[c->n] = image_id;
    c->cos[c->n++] = text_cosine(v, c->u, dim);
    return 0;
}

/* Pass 2: every present path under the roots whose image has a cosine. */
typedef struct {
    const cosines *c;
    char *const *roots;
    int n_roots, unlabelled, oom;
    text_match *m;
    size_t n, cap;
} reading;

static void add_path(int64_t image_id, const char *path, int label, void *ctx)
{
    reading *r = ctx;
    if (r->oom || (r->unlabelled && label != LABEL_NONE) || !fs_is_under_any(path, r->roots, r->n_roots)) return;
    size_t lo = 0, hi = r->c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->c->ids[mid] < image_id) lo = mid + 1;
        else hi = mid;
    }
    if (lo == r->c->n || r->c->ids[lo] != image_id) return; /* not embedded by this encoder */
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        text_match *grown = realloc(r->m, r->cap * sizeof *grown);
        if (!grown) {
            r->oom = 1;
            return;
        }
        r->m = grown;
    }
    char *copy = strdup(path);
    if (!copy) {
        r->oom = 1;
        return;
    }
    r->m[r->n++] = (text_match){r->c->cos[lo], copy, label, image_id};
}

int text_cosines(library *lib, const char *encoder_id, const float *u, int dim, int64_t **ids, double **cos,
                 size_t *n, char *err, size_t errlen)
{
    cosines c = {u, dim, NULL, NULL, 0, 0, 0};
    if (library_each_embedding(lib, encoder_id, add_cosine, &c) || c.oom) {
        snprintf(err, errlen, "%s", c.oom ? "out of memory" : library_error(lib));
        free(c.ids);
        free(c.cos);
        return -1;
    }
    *ids = c.ids, *cos = c.cos, *n = c.n;
    return 0;
}

int text_search(library *lib, const char *encoder_id, const float *u, int dim, char *const *roots, int n_roots,
                int unlabelled, text_match **m, size_t *n, char *err, size_t errlen)
{
    cosines c = {u, dim, NULL, NULL, 0, 0, 0};
    reading r = {&c, roots, n_roots, unlabelled, 0, NULL, 0, 0};
    int rc = 0;
    if (library_each_embedding(lib, encoder_id, add_cosine, &c) || library_each_present_path(lib, add_path, &r) ||
        r.oom || c.oom) {
        snprintf(err, errlen, "%s", library_error(lib)[0] ? library_error(lib) : "out of memory");
        rc = -1;
    }
    free(c.ids);
    free(c.cos);
    if (rc) {
        text_matches_free(r.m, r.n);
        r.m = NULL, r.n = 0;
    }
    *m = r.m, *n = r.n;
    return rc;
}

void text_matches_free(text_match *m, size_t n)
{
    for (size_t i = 0; i < n; i++) free(m[i].path);
    free(m);
}
