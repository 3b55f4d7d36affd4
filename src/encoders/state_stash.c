/*
 * state_stash.c — idle working states (state_stash.h).
 */
#include "encoders/state_stash.h"

#include <stdlib.h>

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
