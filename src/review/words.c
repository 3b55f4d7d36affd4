/*
 * words.c — the review page's text tower, prompts and search (words.h).
 */
#include "review/words.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoders/text_encoder.h"
#include "library/prompts.h"
#include "pipeline/zero_shot.h"

struct review_words {
    text_encoder *text;
    char encoder_id[96];
    pthread_mutex_t lock;       /* the text tower: one prompt at a time */
    json_t *prompts;            /* [{"label", "text"}] */
    cull_model zero_shot;
    int has_zero_shot;
};

static void add_prompt(const library_prompt *p, void *ctx)
{
    json_array_append_new(ctx, json_pack("{s:s, s:s}", "label", p->label == LABEL_KEEP ? "keep" : "delete", "text",
                                         p->text));
}

review_words *words_open(library *lib, const char *encoder_name, const char *encoder_id, char *note, size_t cap)
{
    review_words *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(note, cap, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    snprintf(w->encoder_id, sizeof w->encoder_id, "%s", encoder_id);
    w->prompts = json_array();
    if (!(w->text = text_encoder_open(encoder_name, note, cap)) || library_each_prompt(lib, add_prompt, w->prompts)) {
        if (w->text) snprintf(note, cap, "reading the prompts: %s", library_error(lib));
        words_close(w);
        return NULL;
    }
    char err[512];
    int rc = zero_shot_model(lib, w->text, encoder_id, &w->zero_shot, err, sizeof err);
    w->has_zero_shot = rc == 0;
    if (rc < 0) fprintf(stderr, "cull review: the prompts cannot score: %s\n", err);
    note[0] = 0;
    return w;
}

void words_close(review_words *w)
{
    if (!w) return;
    text_encoder_close(w->text);
    json_decref(w->prompts);
    if (w->has_zero_shot) cull_model_free(&w->zero_shot);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

const cull_model *words_zero_shot(const review_words *w)
{
    return w && w->has_zero_shot ? &w->zero_shot : NULL;
}

json_t *words_state(const review_words *w, const char *note)
{
    return json_pack("{s:b, s:O, s:s?}", "search", w != NULL, "prompts", w ? w->prompts : json_array(), "note",
                     w || !note || !note[0] ? NULL : note);
}

typedef struct {
    const float *u;
    int dim;
    int64_t *ids;
    double *cos;
    size_t n, cap;
    int oom;
} search_ctx;

static int add_row(const library_row *row, void *ctx)
{
    search_ctx *c = ctx;
    if (row->dim != c->dim) return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 1024;
        int64_t *ids = realloc(c->ids, cap * sizeof *ids);
        if (ids) c->ids = ids;
        double *cos = realloc(c->cos, cap * sizeof *cos);
        if (cos) c->cos = cos;
        if (!ids || !cos) {
            c->oom = 1;
            return 1;
        }
        c->cap = cap;
    }
    c->ids[c->n] = row->image_id;
    c->cos[c->n++] = text_cosine(row->embedding, c->u, c->dim);
    return 0;
}

int words_search(review_words *w, library *lib, const char *text, int64_t **ids, double **cos, size_t *n, char *err,
                 size_t errlen)
{
    int dim = text_encoder_dim(w->text);
    float *u = malloc(sizeof(float) * (size_t)dim);
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_lock(&w->lock);
    int rc = text_encode_unit(w->text, text, u, err, errlen);
    pthread_mutex_unlock(&w->lock);
    search_ctx c = {u, dim, NULL, NULL, 0, 0, 0};
    if (rc == 0 && library_each_row(lib, w->encoder_id, 0, add_row, &c)) {
        snprintf(err, errlen, "%s", c.oom ? "out of memory" : library_error(lib));
        rc = -1;
    }
    free(u);
    if (rc) {
        free(c.ids);
        free(c.cos);
        return -1;
    }
    *ids = c.ids, *cos = c.cos, *n = c.n;
    return 0;
}
