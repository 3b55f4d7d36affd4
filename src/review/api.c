/*
 * api.c — routing and the review endpoints of the JSON API; see api.h.
 */
#include "review/api.h"
#include "media/media.h"

#include <glib.h>
#include <math.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "library/image_info.h"
#include "review/learner.h"
#include "review/token.h"
#include "review/words.h"
#include "util/fsutil.h"

#define QUEUE_MAX_LIMIT 200

static const char *label_name(int label)
{
    return label == LABEL_KEEP ? "keep" : label == LABEL_DELETE ? "delete" : NULL;
}

int64_t api_parse_id(const char *s, size_t n)
{
    if (n == 0 || n > 18) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v > 0 ? v : -1;
}

json_t *api_state(review_session *s)
{
    int busy = learner_busy(s->learner);
    pthread_mutex_lock(&s->lock);
    int64_t keep = 0, del = 0, unlabelled = 0, seen = 0;
    for (size_t i = 0; i < s->snap.n; i++) {
        const review_item *it = &s->snap.items[i];
        keep += it->label == LABEL_KEEP;
        del += it->label == LABEL_DELETE;
        unlabelled += it->label == LABEL_NONE;
        seen += it->seen;
    }
    json_t *model = json_null();
    if (s->model.has)
        model = json_pack("{s:f, s:o, s:i, s:i}", "auc", s->model.auc, "prev_auc",
                          isnan(s->model.prev_auc) ? json_null() : json_real(s->model.prev_auc), "n_keep",
                          s->model.n_keep, "n_delete", s->model.n_delete);
    json_t *j = json_pack("{s:o, s:b, s:s?, s:s?, s:i, s:i, s:I, s:I, s:b, s:{s:I, s:I, s:I, s:I, s:I}}",
                          "model", model, "training", busy, "note", s->note[0] ? s->note : NULL,
                          "review_cost", s->snap.cost[0] ? s->snap.cost : NULL,
                          "retrain_every", s->retrain_every, "until_retrain", s->retrain_every - s->since_train,
                          "queue_version", (json_int_t)s->queue_version, "decisions", (json_int_t)s->decisions,
                          "can_undo", s->n_history > 0, "counts", "images", (json_int_t)s->snap.n, "keep",
                          (json_int_t)keep, "delete", (json_int_t)del, "unlabelled", (json_int_t)unlabelled, "seen",
                          (json_int_t)seen);
    json_object_set_new(j, "zero_shot", json_boolean(s->zero_shot));
    pthread_mutex_unlock(&s->lock);
    json_object_set_new(j, "words", words_state(s->words, s->words_note));
    return j;
}

/* "YYYY:MM:DD HH:MM:SS" (EXIF) → "YYYY-MM-DD HH:MM"; anything else as it is. */
static void exif_date(const char *in, char *out, size_t cap)
{
    if (strlen(in) >= 16 && in[4] == ':' && in[7] == ':')
        snprintf(out, cap, "%.4s-%.2s-%.2s %.5s", in, in + 5, in + 8, in + 11);
    else
        snprintf(out, cap, "%s", in);
}

/* An item's facts for the page; the caller holds db_lock. */
static json_t *item_json(review_session *s, const review_item *it)
{
    library_image img;
    if (library_image_get(s->lib, it->id, &img) != 1) return NULL;
    char date[32], camera[140], folder[FS_PATH_MAX];
    exif_date(img.meta.datetime, date, sizeof date);
    media_camera_name(&img.meta, camera, sizeof camera);
    const char *base = fs_basename(it->path);
    size_t dn = (size_t)(base - it->path);
    snprintf(folder, sizeof folder, "%.*s", (int)(dn > 1 ? dn - 1 : dn), it->path);
    char sig[REVIEW_TOKEN_CHARS + 1];
    review_image_sig(s->token, (long long)it->id, sig);
    return json_pack("{s:I, s:s, s:o, s:s?, s:o, s:o, s:o, s:I, s:i, s:i, s:s, s:s, s:s}", "id", (json_int_t)it->id,
                     "sig", sig, "p",
                     isnan(it->p) ? json_null() : json_real(it->p), "label", label_name(img.label), "path",
                     quote_json_path(it->path), "name", quote_json_path(base), "folder", quote_json_path(folder), "bytes",
                     (json_int_t)img.meta.bytes, "width", img.meta.width, "height", img.meta.height, "format",
                     img.meta.format, "date", date, "camera", camera);
}

/* Copies of items (paths strdup'd) so the facts are read without holding the state lock. */
static json_t *items_json(review_session *s, review_item *copies, size_t n)
{
    json_t *a = json_array();
    pthread_mutex_lock(&s->db_lock);
    for (size_t i = 0; i < n; i++) {
        json_t *j = copies[i].path ? item_json(s, &copies[i]) : NULL;
        if (j) json_array_append_new(a, j);
    }
    pthread_mutex_unlock(&s->db_lock);
    return a;
}

static void free_copies(review_item *copies, size_t n)
{
    for (size_t i = 0; i < n; i++) free(copies[i].path);
    free(copies);
}

typedef struct {
    double cosine;
    size_t item;        /* index into the snapshot: valid only while s->lock is held */
    int64_t id;
} search_hit;

static int by_cosine_desc(const void *a, const void *b)
{
    const search_hit *x = a, *y = b;
    return x->cosine < y->cosine ? 1 : x->cosine > y->cosine ? -1 : (x->item > y->item) - (x->item < y->item);
}

/* The search queue: the images of this review not decided or skipped yet, most like text first. */
static int get_search(review_session *s, const char *text, size_t limit, review_reply *r)
{
    if (!s->words) return reply_error(r, 409, "no search: %s", s->words_note[0] ? s->words_note : "no text tower");
    if (!text || !*text) return reply_error(r, 400, "search needs text=WORDS");
    int64_t *ids = NULL;
    double *cos = NULL;
    size_t n = 0;
    char err[512];
    pthread_mutex_lock(&s->db_lock);
    int rc = words_search(s->words, s->lib, text, &ids, &cos, &n, err, sizeof err);
    pthread_mutex_unlock(&s->db_lock);
    if (rc) return reply_error(r, 400, "%s", err);
    search_hit *hits = malloc(sizeof *hits * (n + 1));
    size_t total = 0, shown = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; hits && i < n; i++) {
        review_item *it = snapshot_find(&s->snap, ids[i]);
        if (it && !it->seen) hits[total++] = (search_hit){cos[i], (size_t)(it - s->snap.items), it->id};
    }
    if (hits) qsort(hits, total, sizeof *hits, by_cosine_desc);
    shown = total < limit ? total : limit;
    review_item *copies = calloc(shown + 1, sizeof *copies);
    for (size_t i = 0; copies && i < shown; i++) {
        copies[i] = s->snap.items[hits[i].item];
        copies[i].path = strdup(copies[i].path);
    }
    int64_t version = s->queue_version;
    pthread_mutex_unlock(&s->lock);
    free(ids);
    free(cos);
    if (!hits || !copies) {
        free(hits);
        free(copies);
        return reply_error(r, 500, "out of memory");
    }
    json_t *items = items_json(s, copies, shown);
    for (size_t i = 0; i < json_array_size(items); i++) { /* an image gone meanwhile is left out */
        json_t *item = json_array_get(items, i);
        int64_t id = (int64_t)json_integer_value(json_object_get(item, "id"));
        for (size_t k = 0; k < shown; k++)
            if (hits[k].id == id) json_object_set_new(item, "cosine", json_real(hits[k].cosine));
    }
    free_copies(copies, shown);
    free(hits);
    return reply_json(r, 200, json_pack("{s:s, s:s, s:I, s:I, s:o}", "queue", "search", "text", text, "version",
                                        (json_int_t)version, "total", (json_int_t)total, "items", items));
}

static int get_queue(review_session *s, const review_call *c, review_reply *r)
{
    queue_kind kind = QUEUE_LIKELY;
    const char *name = c->arg(c->arg_ctx, "name"), *lim = c->arg(c->arg_ctx, "limit");
    int64_t limit = lim ? api_parse_id(lim, strlen(lim)) : 30;
    if (limit < 1 || limit > QUEUE_MAX_LIMIT) return reply_error(r, 400, "limit is 1 to %d", QUEUE_MAX_LIMIT);
    if (name && !strcmp(name, "search")) return get_search(s, c->arg(c->arg_ctx, "text"), (size_t)limit, r);
    if (name && queue_parse(name, &kind)) return reply_error(r, 400, "unknown queue '%s'", name);
    size_t *idx = malloc((size_t)limit * sizeof *idx);
    review_item *copies = calloc((size_t)limit, sizeof *copies);
    if (!idx || !copies) {
        free(idx);
        free(copies);
        return reply_error(r, 500, "out of memory");
    }
    pthread_mutex_lock(&s->lock);
    size_t total = queue_select(&s->snap, kind, idx, (size_t)limit);
    size_t n = total == (size_t)-1 ? 0 : total < (size_t)limit ? total : (size_t)limit;
    for (size_t i = 0; i < n; i++) {
        copies[i] = s->snap.items[idx[i]];
        copies[i].path = strdup(copies[i].path);
    }
    int64_t version = s->queue_version;
    pthread_mutex_unlock(&s->lock);
    free(idx);
    if (total == (size_t)-1) {
        free_copies(copies, n);
        return reply_error(r, 500, "out of memory");
    }
    json_t *items = items_json(s, copies, n);
    free_copies(copies, n);
    return reply_json(r, 200, json_pack("{s:s, s:I, s:I, s:o}", "queue", queue_name(kind), "version", (json_int_t)version,
                                 "total", (json_int_t)total, "items", items));
}

/* {"id": N} from a POST body; -1 when absent. */
static int64_t body_id(json_t *body)
{
    json_t *id = json_object_get(body, "id");
    return json_is_integer(id) && json_integer_value(id) > 0 ? (int64_t)json_integer_value(id) : -1;
}

static int post_decision(review_session *s, json_t *body, int skip, review_reply *r)
{
    int64_t id = body_id(body);
    if (id < 0) return reply_error(r, 400, "want {\"id\": N%s}", skip ? "" : ", \"label\": \"keep\"|\"delete\"");
    int rc, retrain = 0;
    char err[600] = "";
    if (skip) {
        rc = session_skip(s, id);
    } else {
        const char *label = json_string_value(json_object_get(body, "label"));
        int l = label && !strcmp(label, "keep") ? LABEL_KEEP : label && !strcmp(label, "delete") ? LABEL_DELETE : -2;
        if (l == -2) return reply_error(r, 400, "label is \"keep\" or \"delete\"");
        rc = session_decide(s, id, l, &retrain, err, sizeof err);
    }
    if (rc == 1) return reply_error(r, 404, "no image %lld in this review", (long long)id);
    if (rc < 0) return reply_error(r, 500, "%s", err[0] ? err : "out of memory");
    if (retrain) learner_request(s->learner, 1);
    return reply_json(r, 200, json_pack("{s:b, s:o}", "ok", 1, "state", api_state(s)));
}

static int post_undo(review_session *s, review_reply *r)
{
    int64_t id = 0;
    char err[600] = "";
    int rc = session_undo(s, &id, err, sizeof err);
    if (rc < 0) return reply_error(r, 500, "%s", err);
    json_t *item = json_null();
    if (rc == 0) {
        pthread_mutex_lock(&s->lock);
        review_item *it = snapshot_find(&s->snap, id);
        review_item copy = it ? *it : (review_item){0};
        copy.path = it ? strdup(it->path) : NULL;
        pthread_mutex_unlock(&s->lock);
        json_t *a = items_json(s, &copy, 1);
        free(copy.path);
        if (json_array_size(a)) item = json_incref(json_array_get(a, 0));
        json_decref(a);
    }
    return reply_json(r, 200, json_pack("{s:b, s:o, s:o}", "ok", rc == 0, "item", item, "state", api_state(s)));
}

static int post(review_session *s, const char *p, const review_call *c, review_reply *r)
{
    if (strcmp(p, "label") && strcmp(p, "skip") && strcmp(p, "undo") && strcmp(p, "prompt"))
        return reply_error(r, 404, "no such endpoint");
    json_error_t jerr;
    json_t *body = c->body_len ? json_loadb(c->body, c->body_len, 0, &jerr) : json_object();
    if (!json_is_object(body)) {
        json_decref(body);
        return reply_error(r, 400, "the body must be a JSON object");
    }
    if (!strcmp(p, "undo")) post_undo(s, r);
    else if (!strcmp(p, "prompt")) api_prompt(s, body, r);
    else post_decision(s, body, !strcmp(p, "skip"), r);
    json_decref(body);
    return 0;
}

static int route(review_session *s, const review_call *c, review_reply *r)
{
    int get = !strcmp(c->method, "GET") || !strcmp(c->method, "HEAD"), is_post = !strcmp(c->method, "POST");
    const char *p = c->path + strlen("/api/");
    if (!strcmp(p, "apply") && (get || is_post)) return api_apply(s, c, r);
    if (is_post) return post(s, p, c, r);
    if (!get) return reply_error(r, 405, "method not allowed");
    if (!strcmp(p, "state")) return reply_json(r, 200, api_state(s));
    if (!strcmp(p, "queue")) return get_queue(s, c, r);
    if (!strncmp(p, "image/", 6)) return api_image(s, p + 6, r);
    if (!strncmp(p, "explain/", 8)) return api_explain(s, p + 8, r);
    return reply_error(r, 404, "no such endpoint");
}

void api_handle(review_session *s, const review_call *c, review_reply *r)
{
    r->fd = -1;
    route(s, c, r);
}
