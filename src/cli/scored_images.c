/*
 * scored_images.c — see scored_images.h.
 */
#include "cli/scored_images.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "learn/features.h"
#include "util/fsutil.h"

typedef struct {
    const cull_model *model;
    float *scratch;
    char **roots;
    int n_roots, all;
    scored_image *items;
    size_t n, cap;
} reading;

static int add_row(const library_row *row, void *ctx)
{
    reading *r = ctx;
    if (!row->path || (!r->all && row->label != LABEL_NONE) || row->dim != r->model->embed_dim) return 0;
    if (!fs_is_under_any(row->path, r->roots, r->n_roots)) return 0;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        scored_image *grown = realloc(r->items, r->cap * sizeof *grown);
        if (!grown) return 1;
        r->items = grown;
    }
    double p = cull_model_score(r->model, row->embedding, &row->meta, fs_basename(row->path), r->scratch);
    char *path = strdup(row->path);
    if (!path) return 1;
    scored_image *it = &r->items[r->n++];
    *it = (scored_image){p, path, row->label, row->image_id, {0}};
    memcpy(it->sha256, row->sha256, 32);
    return 0;
}

int scored_images_read(library *lib, const char *encoder_id, const cull_model *model, char *const *paths, int n_paths,
                       int all, scored_image **items, size_t *n)
{
    reading r = {model, malloc((size_t)cull_model_dim(model) * sizeof(float)), cli_roots_new(paths, n_paths),
                 n_paths, all, NULL, 0, 0};
    int rc = r.roots ? 0 : -1;
    if (rc == 0 && (!r.scratch || library_each_row(lib, encoder_id, 1, add_row, &r))) {
        cli_error("reading the library failed: %s", library_error(lib)[0] ? library_error(lib) : "out of memory");
        rc = -1;
    }
    cli_roots_free(r.roots, n_paths);
    free(r.scratch);
    if (rc) {
        scored_images_free(r.items, r.n);
        r.items = NULL, r.n = 0;
    }
    *items = r.items, *n = r.n;
    return rc;
}

void scored_images_free(scored_image *items, size_t n)
{
    for (size_t i = 0; i < n; i++) free(items[i].path);
    free(items);
}
