/*
 * parallel.h — a fixed set of worker threads that run numbered tasks: the nn kernels' only source of
 * parallelism.
 *
 * nn_pool_run(pool, ntasks, fn, ctx) calls fn(ctx, task, thread) once for every task in 0..ntasks-1
 * and returns when all have finished. The calling thread takes part (as thread 0); tasks are handed
 * out in order from a shared counter, so uneven tasks balance themselves. A NULL pool runs every
 * task in the caller, thread 0: code written against the pool needs no serial variant.
 *
 * One nn_pool_run at a time per pool (callers serialise; the encoder holds a mutex around it).
 */
#ifndef CULL_NN_PARALLEL_H
#define CULL_NN_PARALLEL_H

#include <stddef.h>

typedef struct nn_pool nn_pool;
typedef void (*nn_task_fn)(void *ctx, size_t task, int thread);

/* nthreads counts the caller: 2 starts one worker. NULL when out of memory or threads. */
nn_pool *nn_pool_create(int nthreads);
void nn_pool_destroy(nn_pool *pool);
/* Threads that run tasks: 1 for a NULL pool. */
int nn_pool_threads(const nn_pool *pool);
void nn_pool_run(nn_pool *pool, size_t ntasks, nn_task_fn fn, void *ctx);

/* CPUs this process may run on (sched_getaffinity), at least 1. */
int nn_cpu_count(void);

#endif
