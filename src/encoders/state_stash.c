/*
 * state_stash.c — idle working states (state_stash.h).
 */
#include "encoders/state_stash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void stash_init(state_stash *s, size_t size, void (*release)(void *state))
{
    pthread_mutex_init(&s->mu, NULL);
    s->n_idle = 0;
    s->size = size;
    s->release = release;
}

void *stash_take(state_stash *s)
{
    void *state = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->n_idle > 0) state = s->idle[--s->n_idle];
    pthread_mutex_unlock(&s->mu);
    return state ? state : calloc(1, s->size);
}

void stash_give(state_stash *s, void *state)
{
    pthread_mutex_lock(&s->mu);
    if (s->n_idle < STASH_MAX) {
        s->idle[s->n_idle++] = state;
        state = NULL;
    }
    pthread_mutex_unlock(&s->mu);
    if (state) {
        s->release(state);
        free(state);
    }
}

void stash_destroy(state_stash *s)
{
    for (int i = 0; i < s->n_idle; i++) {
        s->release(s->idle[i]);
        free(s->idle[i]);
    }
    s->n_idle = 0;
    pthread_mutex_destroy(&s->mu);
}

void *batch_states_start(nn_pool **pool, size_t size, int *count)
{
    int threads = nn_cpu_count();
    void *states = calloc((size_t)threads, size);
    *pool = states ? nn_pool_create(threads) : NULL;
    if (!*pool) {
        free(states);
        return NULL;
    }
    *count = threads; /* the pool may have started fewer: it never uses more */
    return states;
}

int net_encoder_start(net_encoder *h, void *self, const char *dir, size_t state_size, void (*release)(void *state),
                      void (*close)(encoder *), char *err, size_t errlen)
{
    if (!(h->dir = strdup(dir))) {
        snprintf(err, errlen, "%s: out of memory", dir);
        return -1;
    }
    stash_init(&h->idle, state_size, release);
    pthread_mutex_init(&h->batch_mu, NULL);
    h->base.state = self;
    h->base.close = close;
    return 0;
}

void net_encoder_name(net_encoder *h, const char *name, const char *kind, const char *hex)
{
    h->base.name = name ? name : h->dir;
    net_encoder_id(h->base.id, sizeof h->base.id, name, kind, hex);
}

void net_encoder_id(char *out, size_t cap, const char *name, const char *kind, const char *hex)
{
    snprintf(out, cap, "%s-%.12s", name ? name : kind, hex);
}

void net_encoder_stop(net_encoder *h)
{
    nn_pool_destroy(h->pool);
    h->pool = NULL;
    stash_destroy(&h->idle);
    pthread_mutex_destroy(&h->batch_mu);
    free(h->dir);
}
