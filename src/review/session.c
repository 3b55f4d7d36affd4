/*
 * session.c — the shared state of one review run; see session.h.
 */
#include "review/session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "library/image_info.h"
#include "review/scorer.h"
#include "review/thumbs.h"
#include "review/words.h"

static void set_model_info(review_model_info *info, const cull_model *m, double prev_auc)
{
    info->has = 1;
    info->auc = m->cv.auc;
    info->prev_auc = prev_auc;
    info->n_keep = m->n_keep;
    info->n_delete = m->n_delete;
}

/* The stored model as it is (1), none (0) or -1; never retrains: startup must be quick. */
static int stored_model(library *lib, const char *encoder_id, cull_model *m, char *err, size_t errlen)
{
    library_model row;
    int found = library_latest_model(lib, encoder_id, &row);
    if (found < 0) {
        snprintf(err, errlen, "library: %s", library_error(lib));
        return -1;
    }
    if (!found) return 0;
    int rc = cull_model_from_json(row.json, m, err, errlen);
    library_model_free(&row);
    return rc == 0 ? 1 : 0;     /* an unreadable model is retrained like a missing one */
}

int session_open(review_session *s, const char *db_path, const char *encoder_name, const char *encoder_id,
                 char **roots, int n_roots, int retrain_every, int *stale, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->db_lock, NULL);
    pthread_mutex_init(&s->apply_lock, NULL);
    pthread_mutex_init(&s->explain_lock, NULL);
    s->db_path = db_path;
    snprintf(s->encoder_id, sizeof s->encoder_id, "%s", encoder_id);
    snprintf(s->encoder_name, sizeof s->encoder_name, "%s", encoder_name ? encoder_name : "");
    s->roots = roots;
    s->n_roots = n_roots;
    s->retrain_every = retrain_every;
    s->model.prev_auc = NAN;
    if (thumbs_default_dir(s->thumbs_dir, sizeof s->thumbs_dir)) {
        snprintf(err, errlen, "set HOME or XDG_CACHE_HOME: thumbnails are cached there");
        return -1;
    }
    if (!(s->lib = library_open(db_path, LIBRARY_EXISTING, err, errlen))) return -1;
    cull_model m;
    int have = stored_model(s->lib, encoder_id, &m, err, errlen);
    if (have < 0) return -1;
    if (have) set_model_info(&s->model, &m, NAN);
    *stale = !have || m.label_version != library_label_version(s->lib);
    s->words = words_open(s->lib, encoder_name, encoder_id, s->words_note, sizeof s->words_note);
    const cull_model *use = have ? &m : words_zero_shot(s->words);
    s->zero_shot = !have && use;
    int rc = scorer_build(s->lib, encoder_id, use, roots, n_roots, &s->snap, err, errlen);
    if (have) cull_model_free(&m);
    return rc;
}

void session_close(review_session *s)
{
    words_close(s->words);
    library_close(s->lib);
    snapshot_free(&s->snap);
    free(s->touched);
    free(s->history);
    for (int i = 0; i < s->n_roots; i++) free(s->roots[i]);
    free(s->roots);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->db_lock);
    pthread_mutex_destroy(&s->apply_lock);
    pthread_mutex_destroy(&s->explain_lock);
}

/* Records what this run did to id, so a later snapshot shows it too. 0 or -1 (out of memory). */
static int touch(review_session *s, int64_t id, int label, int seen)
{
    review_touch *t = NULL;
    for (size_t i = 0; i < s->n_touched && !t; i++)
        if (s->touched[i].id == id) t = &s->touched[i];
    if (!t) {
        if (s->n_touched == s->cap_touched) {
            size_t cap = s->cap_touched ? 2 * s->cap_touched : 64;
            review_touch *grown = realloc(s->touched, cap * sizeof *grown);
            if (!grown) return -1;
            s->touched = grown;
            s->cap_touched = cap;
        }
        t = &s->touched[s->n_touched++];
        t->id = id;
    }
    t->label = (int8_t)label;
    t->seen = (uint8_t)seen;
    review_item *it = snapshot_find(&s->snap, id);
    if (it) {
        it->label = (int8_t)label;
        it->seen = (uint8_t)seen;
    }
    return 0;
}

static int remember(review_session *s, const review_did *d)
{
    if (s->n_history == s->cap_history) {
        size_t cap = s->cap_history ? 2 * s->cap_history : 64;
        review_did *grown = realloc(s->history, cap * sizeof *grown);
        if (!grown) return -1;
        s->history = grown;
        s->cap_history = cap;
    }
    s->history[s->n_history++] = *d;
    return 0;
}

int session_decide(review_session *s, int64_t id, int label, int *retrain, char *err, size_t errlen)
{
    *retrain = 0;
    pthread_mutex_lock(&s->lock);
    review_item *it = snapshot_find(&s->snap, id);
    if (!it) {
        pthread_mutex_unlock(&s->lock);
        return 1;
    }
    review_did d = {.id = id, .kind = REVIEW_DID_LABEL, .prev_seen = it->seen};
    library_image img;
    pthread_mutex_lock(&s->db_lock);
    int rc = library_image_get(s->lib, id, &img) < 0 || library_set_label(s->lib, id, label, "review") ? -1 : 0;
    if (rc) snprintf(err, errlen, "library: %s", library_error(s->lib));
    pthread_mutex_unlock(&s->db_lock);
    if (rc == 0) {
        d.prev_label = (int8_t)img.label;
        snprintf(d.prev_source, sizeof d.prev_source, "%s", img.label_source);
        if (remember(s, &d) || touch(s, id, label, 1)) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
        s->decisions++;
        if (++s->since_train >= s->retrain_every) {
            s->since_train = 0;
            *retrain = 1;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int session_skip(review_session *s, int64_t id)
{
    pthread_mutex_lock(&s->lock);
    review_item *it = snapshot_find(&s->snap, id);
    int rc = 1;
    if (it) {
        review_did d = {.id = id, .kind = REVIEW_DID_SKIP, .prev_label = it->label, .prev_seen = it->seen};
        rc = remember(s, &d) || touch(s, id, it->label, 1) ? -1 : 0;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int session_undo(review_session *s, int64_t *id, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->lock);
    if (s->n_history == 0) {
        pthread_mutex_unlock(&s->lock);
        return 1;
    }
    review_did d = s->history[s->n_history - 1];
    int rc = 0;
    if (d.kind == REVIEW_DID_LABEL) {
        pthread_mutex_lock(&s->db_lock);
        if (library_set_label(s->lib, d.id, d.prev_label, d.prev_source[0] ? d.prev_source : "review")) {
            snprintf(err, errlen, "library: %s", library_error(s->lib));
            rc = -1;
        }
        pthread_mutex_unlock(&s->db_lock);
        if (rc == 0) {
            s->decisions--;
            if (s->since_train > 0) s->since_train--;
        }
    }
    if (rc == 0) {
        s->n_history--;
        touch(s, d.id, d.prev_label, d.prev_seen);  /* the entry exists: no allocation, no failure */
        *id = d.id;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void session_install(review_session *s, review_snapshot *snap, const cull_model *trained, int zero_shot,
                     const char *note)
{
    pthread_mutex_lock(&s->lock);
    snapshot_free(&s->snap);
    s->snap = *snap;
    memset(snap, 0, sizeof *snap);
    /* Labels set while the learner was reading are newer than its snapshot: apply them again. */
    for (size_t i = 0; i < s->n_touched; i++) {
        review_item *it = snapshot_find(&s->snap, s->touched[i].id);
        if (it) {
            it->label = s->touched[i].label;
            it->seen = s->touched[i].seen;
        }
    }
    if (trained) set_model_info(&s->model, trained, s->model.has ? s->model.auc : NAN);
    s->zero_shot = zero_shot;
    if (zero_shot) s->model.has = 0; /* the stored model no longer speaks for the labels */
    if (note) snprintf(s->note, sizeof s->note, "%s", note);
    s->queue_version++;
    pthread_mutex_unlock(&s->lock);
}
