/*
 * session.h — the state one `cull review` run shares between its request threads and its
 * background learner: the library connection requests use, the scored snapshot, what the person
 * did during this run (for undo and for keeping decided images out of the queues), and the
 * model's cross-validated metrics.
 *
 * Two locks, always taken in this order when both are needed: lock (the state below it), then
 * db_lock (the request side's library connection; SQLite connections are not shared between
 * threads at once). explain_lock (the explain panel's cache) is taken before db_lock and never
 * while lock is held. The learner has its own connection and takes only lock, briefly, to install
 * a new snapshot: requests never wait for training or scoring.
 */
#ifndef CULL_REVIEW_SESSION_H
#define CULL_REVIEW_SESSION_H

#include <pthread.h>
#include <stdint.h>

#include "learn/model.h"
#include "library/library.h"
#include "review/queue.h"
#include "util/fsutil.h"

struct learner;
struct review_words;

typedef struct {
    int has;                    /* a model exists */
    double auc, prev_auc;       /* cross-validated ROC-AUC; prev_auc NAN when no model before it */
    int n_keep, n_delete;
} review_model_info;

/* What this run did to an image: its label now, and whether it left the queues. */
typedef struct {
    int64_t id;
    int8_t label;
    uint8_t seen;
} review_touch;

enum { REVIEW_DID_LABEL, REVIEW_DID_SKIP };
typedef struct {
    int64_t id;
    int kind;                   /* REVIEW_DID_LABEL or REVIEW_DID_SKIP */
    int8_t prev_label;
    uint8_t prev_seen;
    char prev_source[16];
} review_did;

typedef struct review_session {
    /* fixed for the run */
    const char *db_path;
    char encoder_id[96];
    char encoder_name[4096];   /* as cull review was given it: its text tower encodes new prompts */
    char **roots;               /* absolute, normalised; owned */
    int n_roots;
    int retrain_every;
    char thumbs_dir[FS_PATH_MAX];
    const char *token;          /* this run's secret: the API signs image ids with it (token.h) */
    struct review_words *words; /* the text tower, prompts, search (words.h); NULL without one */
    char words_note[256];       /* why there are none */

    pthread_mutex_t db_lock;
    library *lib;               /* under db_lock */

    pthread_mutex_t lock;       /* everything below */
    review_snapshot snap;
    int64_t queue_version;      /* moves whenever a new snapshot is installed */
    review_touch *touched;
    size_t n_touched, cap_touched;
    review_did *history;
    size_t n_history, cap_history;
    review_model_info model;
    int zero_shot;              /* the snapshot was scored by the prompts (no model yet) */
    char note[512];             /* why the last training made no model, or "" */
    int since_train;            /* decisions since the last retraining was asked for */
    int64_t decisions;          /* during this run */

    pthread_mutex_t apply_lock; /* one apply at a time */
    pthread_mutex_t explain_lock; /* the explain panel's cache (api_explain.c); taken before db_lock */
    struct review_explain *explain;
    struct learner *learner;    /* set once before serving */
} review_session;

/* Opens the library and the words of encoder_name (when it has a text tower), reads the stored
   model (without retraining) and scores the snapshot with it, or with the prompts while there is
   none. *stale says the model is missing or older than the labels. 0, or -1 with err. */
int session_open(review_session *s, const char *db_path, const char *encoder_name, const char *encoder_id,
                 char **roots, int n_roots, int retrain_every, int *stale, char *err, size_t errlen);
void session_close(review_session *s);

/* The person's decision on image id: stored at once with source "review". Returns 0; 1 when id
   is not in this review; -1 when the library failed (err). *retrain says the learner should run. */
int session_decide(review_session *s, int64_t id, int label, int *retrain, char *err, size_t errlen);
/* Skips image id for this run. 0, or 1 when id is not in this review. */
int session_skip(review_session *s, int64_t id);
/* Takes back the newest decision or skip; *id gets its image. 0; 1 when there is nothing to undo;
   -1 when the library failed (err). */
int session_undo(review_session *s, int64_t *id, char *err, size_t errlen);

/* From the learner: a freshly scored snapshot (taken over), the model it was trained into (NULL
   when this was only a rescore or training made no model), whether the prompts scored it, and why
   there is no model (note: "" clears it, NULL leaves it). */
void session_install(review_session *s, review_snapshot *snap, const cull_model *trained, int zero_shot,
                     const char *note);

#endif
