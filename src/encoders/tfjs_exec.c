/*
 * tfjs_exec.c — running a plan (tfjs_exec.h): the working memory and the op dispatch.
 *
 * Each step becomes a number of tasks for the worker pool — blocks of output rows, and for
 * pointwise convolutions and matrix products with few rows also blocks of output channels, so
 * that even a batch of one keeps every thread busy on the small late layers. A fused chain
 * (nn/block.h) is one step: whole images per task, or row ranges of an image when the images are
 * fewer than the threads.
 */
#include "encoders/tfjs_exec.h"
#include "util/progress.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COL_BLOCK_MIN 64            /* output channels per task, at least */
#define MAX_BATCH 65536

int tfjs_state_reserve(tfjs_state *s, const tfjs_plan *p, int n, int threads)
{
    if (n < 1 || n > MAX_BATCH) return -1;
    if (threads < 1) threads = 1;
    if (n > s->batch_cap) {
        size_t per = p->arena_per_image ? p->arena_per_image : 16;
        if (per > SIZE_MAX / sizeof(float) / (size_t)n) return -1;
        float *a = aligned_alloc(64, per * (size_t)n * sizeof(float)); /* a multiple of 64 bytes */
        if (!a) return -1;
        free(s->arena);
        s->arena = a;
        s->batch_cap = n;
    }
    if (threads > s->threads_cap) {
        size_t per = (p->scratch_per_thread + 15) / 16 * 16;
        float *sc = per ? aligned_alloc(64, per * (size_t)threads * sizeof(float)) : NULL;
        if (per && !sc) return -1;
        free(s->scratch);
        s->scratch = sc;
        s->threads_cap = threads;
    }
    return 0;
}

void tfjs_state_free(tfjs_state *s)
{
    if (!s) return;
    free(s->arena);
    free(s->scratch);
    memset(s, 0, sizeof *s);
}

float *tfjs_state_tensor(const tfjs_state *s, const tfjs_plan *p, int node, int n)
{
    const tfjs_tensor *t = &p->tensors[node];
    return s->arena + p->bufs[t->buf].offset * (size_t)n;
}

typedef struct {
    const tfjs_step *st;
    const float *in[3];
    float *out;
    float *scratch;
    size_t scratch_stride;
    size_t rows, block;             /* rows (elements) and rows per task */
    size_t cols, col_block;         /* output columns, split for GEMM steps */
    size_t row_tasks;
    union {
        nn_conv2d conv;
        nn_depthwise dw;
        nn_avgpool pool;
        nn_dense dense;
        nn_broadcast bc;
    } k;
    size_t softmax_cols;
    int parts, part_rows;           /* fused chains: pieces per image, depthwise rows per piece */
} task_ctx;

static void run_task(void *vctx, size_t task, int thread)
{
    task_ctx *c = vctx;
    if (c->st->chain) {
        int image = (int)(task / (size_t)c->parts), oy0 = (int)(task % (size_t)c->parts) * c->part_rows;
        int oy1 = oy0 + c->part_rows < c->st->fuse.dw->oh ? oy0 + c->part_rows : c->st->fuse.dw->oh;
        if (oy0 < oy1)
            nn_block_rows(&c->st->fuse, c->in[0], c->out, image, oy0, oy1, c->scratch + (size_t)thread * c->scratch_stride);
        return;
    }
    size_t rt = task % c->row_tasks, ct = task / c->row_tasks;
    size_t r0 = rt * c->block, r1 = r0 + c->block < c->rows ? r0 + c->block : c->rows;
    size_t c0 = ct * c->col_block, c1 = c0 + c->col_block < c->cols ? c0 + c->col_block : c->cols;
    switch (c->st->op) {
    case TFJS_CONV2D:
        nn_conv2d_block(&c->k.conv, c->in[0], c->out, r0, r1, c0, c1, c->scratch + (size_t)thread * c->scratch_stride);
        break;
    case TFJS_DEPTHWISE: nn_depthwise_rows(&c->k.dw, c->in[0], c->out, r0, r1); break;
    case TFJS_AVGPOOL: nn_avgpool_rows(&c->k.pool, c->in[0], c->out, r0, r1); break;
    case TFJS_MATMUL: nn_dense_block(&c->k.dense, c->in[0], c->out, r0, r1, c0, c1); break;
    case TFJS_ADD: nn_binary(NN_ADD, &c->k.bc, c->in[0], c->in[1], c->out, r0, r1); break;
    case TFJS_SUB: nn_binary(NN_SUB, &c->k.bc, c->in[0], c->in[1], c->out, r0, r1); break;
    case TFJS_MUL: nn_binary(NN_MUL, &c->k.bc, c->in[0], c->in[1], c->out, r0, r1); break;
    case TFJS_SOFTMAX: nn_softmax_rows(c->in[0], c->out, c->softmax_cols, r0, r1); break;
    default: break;
    }
}

static const float *tensor_ptr(const tfjs_plan *p, const tfjs_state *s, int node, int n)
{
    const tfjs_tensor *t = &p->tensors[node];
    return t->is_const ? t->data : tfjs_state_tensor(s, p, node, n);
}

static void shape_with_batch(const tfjs_tensor *t, int n, int64_t *dims)
{
    for (int i = 0; i < t->shape.rank; i++) dims[i] = t->shape.dim[i];
    if (!t->is_const) dims[0] = n;
}

/* Splits the output columns of a GEMM step when its rows alone give too few tasks. */
static void split_cols(task_ctx *c, size_t cols, int threads)
{
    c->cols = cols;
    c->col_block = cols;
    while (c->row_tasks * (cols / c->col_block) < (size_t)threads * 2 && c->col_block / 2 >= COL_BLOCK_MIN)
        c->col_block = (c->col_block / 2 + 15) / 16 * 16;
}

/* A fused chain: whole images per task, or pieces of images when there are fewer images than
   threads to keep busy. */
static void run_chain(const tfjs_plan *p, tfjs_state *s, int n, nn_pool *pool, const tfjs_step *st, task_ctx *c)
{
    int threads = nn_pool_threads(pool), oh = st->fuse.dw->oh;
    const tfjs_step *last = st + st->chain;
    c->out = tfjs_state_tensor(s, p, last->node, n);
    c->in[0] = tfjs_state_tensor(s, p, st->in[0], n);
    c->parts = n >= 2 * threads ? 1 : (2 * threads + n - 1) / n;
    if (c->parts > oh) c->parts = oh;
    c->part_rows = (oh + c->parts - 1) / c->parts;
    nn_pool_run(pool, (size_t)n * (size_t)c->parts, run_task, c);
}

void tfjs_run(const tfjs_plan *p, tfjs_state *s, int n, nn_pool *pool, double *op_seconds)
{
    int threads = nn_pool_threads(pool);
    for (int i = 0; i < p->n_steps; i++) {
        const tfjs_step *st = &p->steps[i];
        const tfjs_node *nd = &p->model->nodes[st->node];
        if (st->fused) continue; /* ran inside its chain */
        double t0 = op_seconds ? now_monotonic() : 0;
        task_ctx c = {.st = st, .scratch = s->scratch, .scratch_stride = (p->scratch_per_thread + 15) / 16 * 16,
                      .cols = 1, .col_block = 1};
        if (st->chain) {
            run_chain(p, s, n, pool, st, &c);
            if (op_seconds) op_seconds[TFJS_BLOCK] += now_monotonic() - t0;
            continue;
        }
        c.out = tfjs_state_tensor(s, p, st->node, n);
        for (int j = 0; j < nd->n_inputs && j < 3; j++) c.in[j] = tensor_ptr(p, s, st->in[j], n);
        c.block = st->block;
        switch (st->op) {
        case TFJS_CONV2D:
            c.k.conv = st->k.conv;
            c.k.conv.n = n;
            c.rows = (size_t)n * c.k.conv.oh * c.k.conv.ow;
            break;
        case TFJS_DEPTHWISE:
            c.k.dw = st->k.dw;
            c.k.dw.n = n;
            c.rows = (size_t)n * c.k.dw.oh;
            break;
        case TFJS_AVGPOOL:
            c.k.pool = st->k.pool;
            c.k.pool.n = n;
            c.rows = (size_t)n * c.k.pool.oh;
            break;
        case TFJS_MATMUL:
            c.k.dense = st->k.dense;
            c.rows = (size_t)n;
            c.block = (c.rows + (size_t)threads - 1) / (size_t)threads;
            break;
        case TFJS_ADD:
        case TFJS_SUB:
        case TFJS_MUL: {
            const tfjs_tensor *a = &p->tensors[st->in[0]], *b = &p->tensors[st->in[1]];
            int64_t da[TFJS_MAX_RANK], db[TFJS_MAX_RANK];
            shape_with_batch(a, n, da);
            shape_with_batch(b, n, db);
            if (nn_broadcast_init(&c.k.bc, da, a->shape.rank, db, b->shape.rank)) continue; /* the planner checked */
            c.rows = c.k.bc.total;
            break;
        }
        case TFJS_SOFTMAX: {
            const tfjs_tensor *t = &p->tensors[st->node];
            c.softmax_cols = (size_t)t->shape.dim[t->shape.rank - 1];
            c.rows = (size_t)n * t->elems / c.softmax_cols;
            break;
        }
        default:
            continue;
        }
        if (c.block < 1) c.block = 1;
        c.row_tasks = (c.rows + c.block - 1) / c.block;
        if (st->op == TFJS_MATMUL) split_cols(&c, c.k.dense.n, threads);
        else if (st->op == TFJS_CONV2D && nn_conv2d_is_pointwise(&c.k.conv)) split_cols(&c, (size_t)c.k.conv.oc, threads);
        else if (st->op == TFJS_CONV2D) c.cols = c.col_block = (size_t)c.k.conv.oc;
        size_t col_tasks = (c.cols + c.col_block - 1) / c.col_block;
        nn_pool_run(pool, c.row_tasks * col_tasks, run_task, &c);
        if (op_seconds) op_seconds[st->op] += now_monotonic() - t0;
    }
}
