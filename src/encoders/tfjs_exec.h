/*
 * tfjs_exec.h — running a tfjs plan (tfjs_plan.h) on a batch of inputs.
 *
 * A tfjs_state is the working memory of one run: the arena (sized per image, times the batch) and
 * im2col scratch per thread. It grows when a larger batch or more threads come, and is otherwise
 * reused: nothing is allocated per layer or per call. One state serves one run at a time; the plan
 * and the model are read-only and shared by any number of states and threads.
 */
#ifndef CULL_ENCODERS_TFJS_EXEC_H
#define CULL_ENCODERS_TFJS_EXEC_H

#include "encoders/tfjs_plan.h"
#include "nn/parallel.h"

typedef struct {
    int batch_cap, threads_cap;
    float *arena, *scratch;
} tfjs_state;

/* Makes room for a batch of n run by `threads` threads. 0, or -1 (out of memory, or too large). */
int tfjs_state_reserve(tfjs_state *s, const tfjs_plan *p, int n, int threads);
void tfjs_state_free(tfjs_state *s);

/* The memory of activation node `node` for a batch of n: the input to fill before a run, an output
   to read after. */
float *tfjs_state_tensor(const tfjs_state *s, const tfjs_plan *p, int node, int n);

/* Runs the plan on a batch of n (the input tensor filled, tfjs_state_reserve done for n and the
   pool's threads). pool may be NULL (this thread only). When op_seconds is not NULL, the time of
   each op kind is added to op_seconds[op] (TFJS_N_OPS entries, fused chains under TFJS_BLOCK), for
   profiling. */
void tfjs_run(const tfjs_plan *p, tfjs_state *s, int n, nn_pool *pool, double *op_seconds);

#endif
