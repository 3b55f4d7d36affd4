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
#include "pipeline/prompt_vectors.h"
#include "pipeline/text_search.h"
#include "pipeline/zero_shot.h"

struct review_words {
    text_encoder *text;
    char encoder_id[96];
    pthread_mutex_t lock;       /* the text tower: one prompt at a time */
    pthread_mutex_t list_lock;  /* the page's list: held for a swap, a copy, or one read of the prompts */
    json_t *prompts;            /* the page's list, [{"id", "label", "text"}] */
    /* the learner thread's (and words_open's caller's, before it starts): */
    json_t *seen;               /* the list when the learner read the prompts */
    int64_t version;            /* the library's label version then */
    model_prompts vectors;      /* every prompt the tower could encode */
    cull_model zero_shot;
    int has_zero_shot;
    /* the last search, under lock: the queue asks again at every refill; the embeddings do not
       change during a review */
    char *last_text;
    int64_t *last_ids;
    double *last_cos;
    size_t last_n;
};

static void add_prompt(const library_prompt *p, void *ctx)
{
    json_array_append_new(ctx, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)p->id, "label",
                                         p->label == LABEL_KEEP ? "keep" : "delete", "text", p->text));
}

/* lib's prompts as the page lists them, or NULL with err. */
static json_t *prompt_list(library *lib, char *err, size_t errlen)
{
    json_t *list = json_array();
    if (list && library_each_prompt(lib, add_prompt, list) == 0) return list;
    json_decref(list);
    snprintf(err, errlen, "reading the prompts: %s", library_error(lib));
    return NULL;
}

/* Reads lib's prompts into w: the list, their vectors (the tower encodes only those w has not
   met) and the zero-shot model. The caller holds w->lock. 0, or -1 with err (w unchanged). */
static int read_prompts(review_words *w, library *lib, char *err, size_t errlen)
{
    json_t *list = prompt_list(lib, err, errlen), *shown = json_deep_copy(list);
    if (!list || !shown) {
        if (list && !shown) snprintf(err, errlen, "out of memory");
        json_decref(list), json_decref(shown);
        return -1;
    }
    model_prompts vectors;
    char why[512];
    int left_out = prompt_vectors_read(lib, w->text, &w->vectors, text_encoder_dim(w->text), &vectors, why, sizeof why);
    if (left_out < 0) {
        snprintf(err, errlen, "%s", why);
        json_decref(list), json_decref(shown);
        return -1;
    }
    cull_model zero_shot;   /* from the vectors just read: each prompt is encoded once */
    int rc = left_out ? -1 : zero_shot_from(w->text, w->encoder_id, &vectors, &zero_shot, why, sizeof why);
    if (rc < 0) fprintf(stderr, "cull review: the prompts cannot score: %s\n", why);
    json_decref(w->seen);
    w->seen = list;
    pthread_mutex_lock(&w->list_lock);
    json_decref(w->prompts);
    w->prompts = shown;
    pthread_mutex_unlock(&w->list_lock);
    model_prompts_free(&w->vectors);
    w->vectors = vectors;
    if (w->has_zero_shot) cull_model_free(&w->zero_shot);
    w->has_zero_shot = rc == 0;
    if (rc == 0) w->zero_shot = zero_shot;
    return 0;
}

review_words *words_open(library *lib, const char *encoder_name, const char *encoder_id, char *note, size_t cap)
{
    review_words *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(note, cap, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_init(&w->list_lock, NULL);
    snprintf(w->encoder_id, sizeof w->encoder_id, "%s", encoder_id);
    w->version = library_label_version(lib);
    if (!(w->text = text_encoder_open(encoder_name, note, cap)) || read_prompts(w, lib, note, cap)) {
        words_close(w);
        return NULL;
    }
    note[0] = 0;
    return w;
}

int words_refresh(review_words *w, library *lib, char *err, size_t errlen)
{
    if (!w) return 0;
    int64_t version = library_label_version(lib);
    if (version == w->version) return 0;
    pthread_mutex_lock(&w->lock);
    json_t *before = json_incref(w->seen);
    int rc = read_prompts(w, lib, err, errlen);
    if (rc == 0) {
        w->version = version;
        rc = !json_equal(before, w->seen);
    }
    json_decref(before);
    pthread_mutex_unlock(&w->lock);
    return rc;
}

int words_list_prompts(review_words *w, library *lib, char *err, size_t errlen)
{
    /* Read and swapped in under the list's lock: a list the learner read later cannot be
       overwritten by this older one. */
    pthread_mutex_lock(&w->list_lock);
    json_t *list = prompt_list(lib, err, errlen);
    if (list) {
        json_decref(w->prompts);
        w->prompts = list;
    }
    pthread_mutex_unlock(&w->list_lock);
    return list ? 0 : -1;
}

void words_close(review_words *w)
{
    if (!w) return;
    text_encoder_close(w->text);
    json_decref(w->prompts);
    json_decref(w->seen);
    model_prompts_free(&w->vectors);
    if (w->has_zero_shot) cull_model_free(&w->zero_shot);
    free(w->last_text);
    free(w->last_ids);
    free(w->last_cos);
    pthread_mutex_destroy(&w->lock);
    pthread_mutex_destroy(&w->list_lock);
    free(w);
}

const cull_model *words_zero_shot(const review_words *w)
{
    return w && w->has_zero_shot ? &w->zero_shot : NULL;
}

const model_prompts *words_vectors(const review_words *w)
{
    return w ? &w->vectors : NULL;
}

json_t *words_state(review_words *w, const char *note)
{
    json_t *prompts = NULL;
    if (w) {
        pthread_mutex_lock(&w->list_lock);
        prompts = json_deep_copy(w->prompts);   /* a refresh may replace the list meanwhile */
        pthread_mutex_unlock(&w->list_lock);
    }
    return json_pack("{s:b, s:o, s:s?}", "search", w != NULL, "prompts", prompts ? prompts : json_array(), "note",
                     w || !note || !note[0] ? NULL : note);
}

/* Copies of the last search's answer into *ids, *cos; the caller holds w->lock. 0, or -1. */
static int copy_last(const review_words *w, int64_t **ids, double **cos, size_t *n)
{
    *ids = malloc(sizeof **ids * (w->last_n + 1));
    *cos = malloc(sizeof **cos * (w->last_n + 1));
    if (!*ids || !*cos) {
        free(*ids), free(*cos);
        return -1;
    }
    memcpy(*ids, w->last_ids, sizeof **ids * w->last_n);
    memcpy(*cos, w->last_cos, sizeof **cos * w->last_n);
    *n = w->last_n;
    return 0;
}

int words_search(review_words *w, library *lib, const char *text, int64_t **ids, double **cos, size_t *n, char *err,
                 size_t errlen)
{
    pthread_mutex_lock(&w->lock);
    int cached = w->last_text && strcmp(w->last_text, text) == 0;
    int rc = cached ? copy_last(w, ids, cos, n) : 1;
    pthread_mutex_unlock(&w->lock);
    if (rc == 0) return 0;
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int dim = text_encoder_dim(w->text);
    float *u = malloc(sizeof(float) * (size_t)dim);
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_lock(&w->lock);
    rc = text_encode_unit(w->text, text, u, err, errlen);
    pthread_mutex_unlock(&w->lock);
    int64_t *found_ids = NULL;
    double *found_cos = NULL;
    size_t found = 0;
    if (rc == 0) rc = text_cosines(lib, w->encoder_id, u, dim, &found_ids, &found_cos, &found, err, errlen);
    free(u);
    if (rc) return -1;
    pthread_mutex_lock(&w->lock);
    free(w->last_text), free(w->last_ids), free(w->last_cos);
    w->last_text = strdup(text), w->last_ids = found_ids, w->last_cos = found_cos, w->last_n = found;
    rc = w->last_text ? copy_last(w, ids, cos, n) : -1;
    pthread_mutex_unlock(&w->lock);
    if (rc) snprintf(err, errlen, "out of memory");
    return rc;
}
