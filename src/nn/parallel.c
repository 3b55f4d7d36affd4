/*
 * parallel.c — the worker pool of parallel.h.
 *
 * Workers sleep on a condition variable between runs; a run bumps a generation number and wakes
 * them. Each worker then takes tasks from an atomic counter until none are left and reports done.
 * Before sleeping a worker spins briefly on the generation, because a network runs dozens of
 * short kernels back to back and a wake-up from sleep costs more than a small kernel.
 */
#include "nn/parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#define SPIN_ROUNDS 4000     /* pause instructions: some 0.1–0.5 ms */

struct nn_pool {
    int nthreads;               /* including the caller */
    pthread_t *threads;         /* nthreads - 1 workers */
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    atomic_uint generation;     /* bumped once per run */
    int quit;
    /* the current run */
    nn_task_fn fn;
    void *ctx;
    size_t ntasks;
    atomic_size_t next;         /* next task to hand out */
    atomic_int busy;            /* workers still in this run */
};

typedef struct {
    nn_pool *pool;
    int index;
} worker_arg;

static void take_tasks(nn_pool *p, int thread)
{
    for (;;) {
        size_t t = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (t >= p->ntasks) break;
        p->fn(p->ctx, t, thread);
    }
}

static void *worker_main(void *arg)
{
    worker_arg wa = *(worker_arg *)arg;
    free(arg);
    nn_pool *p = wa.pool;
    unsigned seen = 0;
    for (;;) {
        unsigned gen = 0;
        for (int i = 0; i < SPIN_ROUNDS; i++) {
            gen = atomic_load_explicit(&p->generation, memory_order_acquire);
            if (gen != seen) break;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
        pthread_mutex_lock(&p->mu);
        while (!p->quit && (gen = atomic_load(&p->generation)) == seen) pthread_cond_wait(&p->wake, &p->mu);
        int quit = p->quit;
        pthread_mutex_unlock(&p->mu);
        if (quit) break;
        seen = gen;
        take_tasks(p, wa.index);
        if (atomic_fetch_sub_explicit(&p->busy, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}

nn_pool *nn_pool_create(int nthreads)
{
    if (nthreads < 1) nthreads = 1;
    nn_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->nthreads = 1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    p->threads = calloc((size_t)nthreads, sizeof *p->threads);
    if (!p->threads) {
        nn_pool_destroy(p);
        return NULL;
    }
    for (int i = 1; i < nthreads; i++) {
        worker_arg *wa = malloc(sizeof *wa);
        if (!wa) break;
        wa->pool = p;
        wa->index = i;
        if (pthread_create(&p->threads[i - 1], NULL, worker_main, wa)) {
            free(wa);
            break;
        }
        p->nthreads++;
    }
    return p;
}

void nn_pool_destroy(nn_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads - 1; i++) pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    free(p->threads);
    free(p);
}

int nn_pool_threads(const nn_pool *p)
{
    return p ? p->nthreads : 1;
}

void nn_pool_run(nn_pool *p, size_t ntasks, nn_task_fn fn, void *ctx)
{
    if (!p || p->nthreads == 1 || ntasks <= 1) {
        for (size_t t = 0; t < ntasks; t++) fn(ctx, t, 0);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->ntasks = ntasks;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    atomic_store_explicit(&p->busy, p->nthreads - 1, memory_order_relaxed);
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    take_tasks(p, 0);
    for (int i = 0; i < SPIN_ROUNDS && atomic_load_explicit(&p->busy, memory_order_acquire) > 0; i++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    if (atomic_load_explicit(&p->busy, memory_order_acquire) > 0) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->busy) > 0) pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

int nn_cpu_count(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
    return 1;
}
