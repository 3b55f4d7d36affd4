/*
 * state_stash.h — idle working states for an encoder's encode(), shared by the threads calling it.
 *
 * Several threads may call one encoder's encode() at once (the indexer's workers, the review
 * server). Each call takes a working state — the network's buffers, grown on first use — and
 * gives it back for the next call instead of freeing it. Up to STASH_MAX idle states are kept;
 * more are freed. encode_batch instead runs on a thread pool with one state per pool thread
 * (batch_states_start).
 */
#ifndef CULL_ENCODERS_STATE_STASH_H
#define CULL_ENCODERS_STATE_STASH_H

#include <pthread.h>
#include <stddef.h>

#include "nn/parallel.h"

#define STASH_MAX 16

typedef struct {
    pthread_mutex_t mu;
    void *idle[STASH_MAX];
    int n_idle;
    size_t size;                   /* of one state: a fresh one is calloc'd */
    void (*release)(void *state);  /* frees what a state holds, not the state itself */
} state_stash;

void stash_init(state_stash *s, size_t size, void (*release)(void *state));
/* An idle state, or a fresh zeroed one; NULL when out of memory. */
void *stash_take(state_stash *s);
void stash_give(state_stash *s, void *state);
/* Frees every idle state. */
void stash_destroy(state_stash *s);

/* Starts encode_batch's pool (a thread per CPU) and returns one zeroed state of size bytes per
   pool thread, *count of them. NULL, with *pool NULL, when out of memory or threads. */
void *batch_states_start(nn_pool **pool, size_t size, int *count);

#endif
