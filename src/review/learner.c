/*
 * learner.c — the background retrain/rescore thread; see learner.h.
 */
#include "review/learner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/trainer.h"
#include "review/scorer.h"
#include "review/words.h"

#define PROMPTS_LOOK_SECONDS 2   /* as often as the page asks for its state */

struct learner {
    review_session *s;
    library *lib;               /* this thread's own connection */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int want, want_retrain, busy, stop;
    int told_prompts_left_out;   /* said once per review, not at every round */
};

/* The model to score with when not retraining: the newest stored one, if it reads. */
static int latest_model(learner *l, cull_model *m)
{
    library_model row;
    if (library_latest_model(l->lib, l->s->encoder_id, &row) != 1) return 0;
    char err[256];
    int ok = cull_model_from_json(row.json, m, err, sizeof err) == 0;
    library_model_free(&row);
    return ok;
}

/* 1 when the library's prompts changed since the words read them (they are read again then). */
static int prompts_changed(learner *l)
{
    char err[512];
    int rc = words_refresh(l->s->words, l->lib, err, sizeof err);
    if (rc < 0) fprintf(stderr, "cull review: %s\n", err);
    return rc > 0;
}

static void run_round(learner *l, int retrain)
{
    review_session *s = l->s;
    cull_model m;
    char note[512] = "", err[512];
    int trained = 0, have = 0, too_few = 0;
    if (prompts_changed(l)) retrain = 1;   /* the model no longer matches them */
    if (retrain) {
        train_report rep;
        train_options opt = {.same_kind = 1, .encoder_name = s->encoder_name[0] ? s->encoder_name : NULL,
                             .vectors = words_vectors(s->words)};
        int rc = trainer_train_with(l->lib, s->encoder_id, &opt, &m, &rep, note, sizeof note);
        /* With the page's vectors, a prompt left out came during the training: the next round has
           it. Without (no text tower here), the reason is worth saying, once. */
        if (rc == 0 && !opt.vectors && rep.prompts_unused[0] && !l->told_prompts_left_out++)
            fprintf(stderr, "cull review: prompts left out of the model: %s\n", rep.prompts_unused);
        trained = have = rc == 0;
        too_few = rc == 1;
        if (rc < 0) fprintf(stderr, "cull review: training failed: %s\n", note);
    }
    /* Too few labels now (some were cleared): the prompts, where there are some, speak for the
       labels as they are, as in rank, until a training succeeds (a rescore keeps them); else the
       newest stored model is better than none. */
    pthread_mutex_lock(&s->lock);
    int was_zero_shot = s->zero_shot;
    pthread_mutex_unlock(&s->lock);
    if (!have && !((too_few || (!retrain && was_zero_shot)) && words_zero_shot(s->words))) have = latest_model(l, &m);
    const cull_model *use = have ? &m : words_zero_shot(s->words); /* the prompts, while there is no model */
    review_snapshot snap;
    if (scorer_build(l->lib, s->encoder_id, use, s->roots, s->n_roots, &snap, err, sizeof err) == 0)
        session_install(s, &snap, trained ? &m : NULL, !have && use, retrain ? note : NULL);
    else
        fprintf(stderr, "cull review: rescoring failed: %s\n", err);
    if (have) cull_model_free(&m);
}

static void *main_loop(void *arg)
{
    learner *l = arg;
    pthread_mutex_lock(&l->lock);
    for (;;) {
        while (!l->want && !l->stop) {
            if (!l->s->words) { /* no text tower: no prompts to follow */
                pthread_cond_wait(&l->wake, &l->lock);
                continue;
            }
            /* Idle: look now and then whether the prompts changed in another terminal. */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += PROMPTS_LOOK_SECONDS;
            if (pthread_cond_timedwait(&l->wake, &l->lock, &until) != ETIMEDOUT || l->want || l->stop) continue;
            pthread_mutex_unlock(&l->lock);
            int changed = prompts_changed(l);
            pthread_mutex_lock(&l->lock);
            if (changed) l->want = l->want_retrain = 1;
        }
        if (l->stop) break;
        int retrain = l->want_retrain;
        l->want = l->want_retrain = 0;
        l->busy = 1;
        pthread_mutex_unlock(&l->lock);
        run_round(l, retrain);
        pthread_mutex_lock(&l->lock);
        l->busy = 0;
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

learner *learner_start(review_session *s, char *err, size_t errlen)
{
    learner *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->s = s;
    if (!(l->lib = library_open(s->db_path, LIBRARY_EXISTING, err, errlen))) {
        free(l);
        return NULL;
    }
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->wake, NULL);
    if (pthread_create(&l->thread, NULL, main_loop, l)) {
        snprintf(err, errlen, "cannot start the learner thread");
        library_close(l->lib);
        pthread_mutex_destroy(&l->lock);
        pthread_cond_destroy(&l->wake);
        free(l);
        return NULL;
    }
    return l;
}

void learner_request(learner *l, int retrain)
{
    pthread_mutex_lock(&l->lock);
    l->want = 1;
    if (retrain) l->want_retrain = 1;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
}

int learner_busy(learner *l)
{
    pthread_mutex_lock(&l->lock);
    int busy = l->busy || l->want;
    pthread_mutex_unlock(&l->lock);
    return busy;
}

void learner_stop(learner *l)
{
    if (!l) return;
    pthread_mutex_lock(&l->lock);
    l->stop = 1;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    pthread_join(l->thread, NULL);
    library_close(l->lib);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->wake);
    free(l);
}
