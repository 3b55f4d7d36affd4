/*
 * api_explain.c — GET /api/explain/ID: why image ID of this review scores as it does
 * (pipeline/explainer.h), for the page's panel: the model's terms, the labelled images it looks
 * most like and, for a labelled image, the nearest ones labelled otherwise (why a suspect is
 * doubted). Their thumbnails come signed, as the queues' do.
 *
 * The model and the labelled set are read once per model: a new model (after a retraining) reads
 * them again. Labels changed since are patched in from the labels table (a small read), so a
 * decision does not cost a pass over every embedding; an image labelled since the model joins the
 * set with the next one (and one whose label was cleared shows its old label until then).
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline/explainer.h"
#include "review/api.h"
#include "review/token.h"
#include "util/fsutil.h"

#define PANEL_NEIGHBOURS 6
#define DISAGREEING_SEARCH 64   /* nearest images searched for ones labelled otherwise */

struct review_explain {
    int64_t model_id, label_version;
    cull_model model;
    explainer ex;
};

static void drop(review_session *s)
{
    if (!s->explain) return;
    explainer_close(&s->explain->ex);
    cull_model_free(&s->explain->model);
    free(s->explain);
    s->explain = NULL;
}

void api_explain_free(review_session *s)
{
    pthread_mutex_lock(&s->explain_lock);
    drop(s);
    pthread_mutex_unlock(&s->explain_lock);
}

static void patch_label(int64_t image_id, int label, void *ctx)
{
    explainer *ex = ctx;
    int row = explainer_find(ex, image_id);
    if (row >= 0) ex->images[row].label = label;
}

/* Brings the cache up to date; the caller holds explain_lock. 1 ready, 0 no model yet, -1 (err). */
static int refresh(review_session *s, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->db_lock);
    int64_t version = library_label_version(s->lib);
    library_model row;
    int found = library_latest_model(s->lib, s->encoder_id, &row), rc = found;
    if (found == 1 && s->explain && s->explain->model_id == row.id && s->explain->label_version != version) {
        if (library_each_label(s->lib, patch_label, &s->explain->ex) == 0) s->explain->label_version = version;
        else drop(s);   /* read it all again below */
    }
    if (found == 1 && !(s->explain && s->explain->model_id == row.id)) {
        drop(s);
        struct review_explain *c = calloc(1, sizeof *c);
        if (!c) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else if (cull_model_from_json(row.json, &c->model, err, errlen) ||
                   explainer_open(s->lib, &c->model, &c->ex, err, errlen)) {
            cull_model_free(&c->model);
            free(c);
            rc = -1;
        } else {
            c->model_id = row.id, c->label_version = version;
            s->explain = c;
        }
    }
    if (found < 0) snprintf(err, errlen, "%s", library_error(s->lib));
    if (found == 1) library_model_free(&row);
    pthread_mutex_unlock(&s->db_lock);
    return rc;
}

int api_explain_knows(review_session *s, int64_t id)
{
    pthread_mutex_lock(&s->explain_lock);
    int known = s->explain && explainer_find(&s->explain->ex, id) >= 0;
    pthread_mutex_unlock(&s->explain_lock);
    return known;
}

/* The neighbours as explainer.h writes them, each with its thumbnail's signature. */
static json_t *signed_neighbours(review_session *s, const neighbour *nb, int k)
{
    json_t *a = explainer_neighbours_json(&s->explain->ex, nb, k);
    size_t i;
    json_t *o;
    json_array_foreach(a, i, o) {
        char sig[REVIEW_TOKEN_CHARS + 1];
        review_image_sig(s->token, (long long)json_integer_value(json_object_get(o, "image_id")), sig);
        json_object_set_new(o, "sig", json_string(sig));
    }
    return a;
}

/* The answer for one image; the caller holds explain_lock and the cache is ready. */
static int explain_one(review_session *s, int64_t id, const char *path, review_reply *r)
{
    const explainer *ex = &s->explain->ex;
    int label;   /* as stored now: the panel may be opened right after a decision */
    image_meta meta;
    float *embedding;
    pthread_mutex_lock(&s->db_lock);
    int found = explainer_read_image(s->lib, s->encoder_id, id, &label, &meta, &embedding);
    pthread_mutex_unlock(&s->db_lock);
    if (found != 1) {
        return found == 0 ? reply_error(r, 404, "image %lld has no embedding by %s", (long long)id, s->encoder_id)
                          : reply_error(r, 500, "reading the library failed");
    }
    neighbour nb[DISAGREEING_SEARCH], other[PANEL_NEIGHBOURS];
    explanation e;
    int failed = explainer_neighbours(ex, embedding, &id, 1, DISAGREEING_SEARCH, nb) ||
                 explain_score(&s->explain->model, embedding, &meta, fs_basename(path), &e);
    free(embedding);
    if (failed) return reply_error(r, 500, "out of memory");
    int n_other = 0;
    for (int i = 0; i < DISAGREEING_SEARCH && nb[i].row >= 0 && n_other < PANEL_NEIGHBOURS; i++)
        if (label != LABEL_NONE && ex->images[nb[i].row].label != label) other[n_other++] = nb[i];
    json_t *j = explanation_json(&e);
    explanation_free(&e);
    json_object_set_new(j, "id", json_integer(id));
    json_object_set_new(j, "label", label == LABEL_NONE ? json_null() : json_string(explainer_label_name(label)));
    json_object_set_new(j, "model", json_string(cull_model_kind_name(s->explain->model.kind)));
    /* A labelled image is queued by the score of the fold that never saw it (review/scorer.c); the
       terms explain the final model's, which did. Both are given. */
    double oof = label != LABEL_NONE ? cull_model_oof(&s->explain->model, id) : -1;
    json_object_set_new(j, "p_out_of_fold", oof >= 0 ? json_real(oof) : json_null());
    json_object_set_new(j, "neighbours", signed_neighbours(s, nb, PANEL_NEIGHBOURS));
    json_object_set_new(j, "disagreeing", signed_neighbours(s, other, n_other));
    return reply_json(r, 200, j);
}

int api_explain(review_session *s, const char *rest, review_reply *r)
{
    int64_t id = api_parse_id(rest, strlen(rest));
    if (id < 0) return reply_error(r, 404, "explain takes a library id: /api/explain/ID");
    pthread_mutex_lock(&s->lock);
    review_item *it = snapshot_find(&s->snap, id);
    char *path = it ? strdup(it->path) : NULL;
    int zero_shot = s->zero_shot;
    pthread_mutex_unlock(&s->lock);
    if (zero_shot && path) { /* the stored model, if any, is not what scored the queue */
        free(path);
        return reply_error(r, 409, "the queue is scored by your prompts (too few labels to train): explanations come "
                                   "with a model trained on labels");
    }
    if (!path) return it ? reply_error(r, 500, "out of memory") : reply_error(r, 404, "no image %lld in this review", (long long)id);
    char err[512] = "";
    pthread_mutex_lock(&s->explain_lock);
    int ready = refresh(s, err, sizeof err);
    int rc = ready < 0    ? reply_error(r, 500, "%s", err)
             : ready == 0 ? reply_error(r, 409, "no model yet: label some keeps and deletes first")
                          : explain_one(s, id, path, r);
    pthread_mutex_unlock(&s->explain_lock);
    free(path);
    return rc;
}
