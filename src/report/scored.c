/*
 * scored.c — the report's labelled images with their out-of-fold scores; see scored.h.
 */
#include "report/scored.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"

typedef struct {
    scored_images *out;
    const cull_model *model;
    int oom;
} reader;

static int add_row(const library_row *row, void *ctx)
{
    reader *r = ctx;
    scored_images *s = r->out;
    if (row->label == LABEL_NONE) return 0;
    double p = cull_model_oof(r->model, row->image_id);
    if (p < 0) {
        s->unscored++;
        return 0;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        scored_image *grown = realloc(s->items, cap * sizeof *grown);
        if (!grown) return r->oom = 1;
        s->items = grown;
        s->cap = cap;
    }
    scored_image *it = &s->items[s->n++];
    it->image_id = row->image_id;
    it->p = p;
    it->label = row->label;
    memcpy(it->sha, row->sha256, 32);
    it->path = row->path ? g_strdup(row->path) : NULL;
    it->format = g_strdup(row->meta.format[0] ? row->meta.format : "unknown");
    char camera[160];
    media_camera_name(&row->meta, camera, sizeof camera);
    it->camera = g_strdup(camera[0] ? camera : "none");
    return 0;
}

int scored_read(library *lib, const char *encoder_id, const cull_model *m, scored_images *out, char *err,
                size_t errlen)
{
    *out = (scored_images){0};
    reader r = {out, m, 0};
    if (library_each_row(lib, encoder_id, 0, add_row, &r) || r.oom) {
        snprintf(err, errlen, "reading the library failed: %s", r.oom ? "out of memory" : library_error(lib));
        scored_free(out);
        return -1;
    }
    return 0;
}

void scored_free(scored_images *s)
{
    for (size_t i = 0; i < s->n; i++) {
        g_free(s->items[i].path);
        g_free(s->items[i].format);
        g_free(s->items[i].camera);
    }
    free(s->items);
    *s = (scored_images){0};
}

int scored_metrics(const scored_image *items, const size_t *idx, size_t n, metrics *m)
{
    double *s = malloc((n ? n : 1) * sizeof *s);
    int8_t *y = malloc(n ? n : 1);
    int rc = -1;
    if (s && y) {
        for (size_t i = 0; i < n; i++) {
            const scored_image *it = &items[idx ? idx[i] : i];
            s[i] = it->p;
            y[i] = (int8_t)(it->label == LABEL_DELETE);
        }
        rc = metrics_compute(s, y, (int)n, m);
    } else {
        memset(m, 0, sizeof *m);
    }
    free(s);
    free(y);
    return rc;
}
