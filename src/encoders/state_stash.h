/*
 * state_stash.h — idle working states for an encoder's encode(), shared by the threads calling it;
 * and the handle the network encoders (tfjs_encoder.c, vit_encoder.c) build on.
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

#include "encoders/encoder.h"
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

/* What a network encoder's handle starts with: the encoder interface, the model folder, idle
   states for encode(), and encode_batch's lock and pool (its per-thread states are the encoder's
   own, typed). */
typedef struct {
    encoder base;
    char *dir;
    state_stash idle;
    pthread_mutex_t batch_mu;   /* one encode_batch at a time: it owns the pool and its states */
    nn_pool *pool;
} net_encoder;

/* Starts h (zeroed): a copy of dir, an empty stash of state_size-byte states (release frees what
   one holds), the lock; the encoder's state is self (the handle h begins) and its close is close.
   0, or −1 with the reason in err (out of memory). */
int net_encoder_start(net_encoder *h, void *self, const char *dir, size_t state_size, void (*release)(void *state),
                      void (*close)(encoder *), char *err, size_t errlen);
/* The id "NAME-HASH12" ("KIND-HASH12" unnamed: name NULL) from the hex SHA-256 of the model's
   files: what the library records embeddings under. */
void net_encoder_id(char *out, size_t cap, const char *name, const char *kind, const char *hex);
/* Names the encoder: name (NULL: the folder), and its id (net_encoder_id). */
void net_encoder_name(net_encoder *h, const char *name, const char *kind, const char *hex);
/* Frees what net_encoder_start made and the pool (stopped first); the caller then frees the pool
   threads' states. */
void net_encoder_stop(net_encoder *h);

#endif
