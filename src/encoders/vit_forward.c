/*
 * vit_forward.c — the ViT forward pass over a batch (vit.h).
 *
 * The batch's tokens are stacked, so every linear layer is one GEMM with n·T rows. Each step is
 * split into tasks for the pool: GEMMs by blocks of output columns (each thread packs only its
 * part of the weights and reads the shared input), layer norms by rows, attention by (image,
 * head). The residual adds ride on the GEMM (beta = 1 on the residual stream).
 */
#include "encoders/vit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/activation.h"
#include "nn/attention.h"
#include "nn/gemm.h"
#include "nn/layernorm.h"

/* ---- working state ----------------------------------------------------------------------------- */

static int grow(float **p, size_t floats)
{
    void *q = NULL;
    if (posix_memalign(&q, 64, (floats ? floats : 1) * sizeof(float))) return -1;
    free(*p);
    *p = q;
    return 0;
}

static int grow_u16(uint16_t **p, size_t n)
{
    void *q = NULL;
    if (posix_memalign(&q, 64, (n ? n : 1) * sizeof(uint16_t))) return -1;
    free(*p);
    *p = q;
    return 0;
}

int vit_state_reserve(vit_state *s, const vit_config *cfg, int n, int threads)
{
    if (n <= s->cap && threads <= s->threads) return 0;
    int cap = n > s->cap ? n : s->cap, th = threads > s->threads ? threads : s->threads;
    size_t t = (size_t)cfg->tokens, d = (size_t)cfg->hidden, rows = (size_t)cap * t;
    size_t side = (size_t)cfg->image_size;
    /* a bf16 layer's input, rounded: the widest of the layers' inputs */
    size_t widest = (size_t)cfg->hidden;
    if ((size_t)cfg->intermediate > widest) widest = (size_t)cfg->intermediate;
    if ((size_t)cfg->patch_dim > widest) widest = (size_t)cfg->patch_dim;
    if (grow(&s->pixels, (size_t)cap * 3 * side * side) ||
        grow(&s->patches, (size_t)cap * (size_t)(cfg->grid * cfg->grid) * (size_t)cfg->patch_dim) ||
        grow(&s->x, rows * d) || grow(&s->h, rows * d) || grow(&s->qkv, rows * 3 * d) ||
        grow(&s->mlp, rows * (size_t)cfg->intermediate) ||
        grow(&s->scores, (size_t)th * nn_attention_scratch(t, d / (size_t)cfg->heads)) ||
        grow(&s->pooled, (size_t)cap * d) ||
        grow_u16(&s->xb, rows * widest)) {
        vit_state_free(s);
        return -1;
    }
    s->cap = cap;
    s->threads = th;
    return 0;
}

void vit_state_free(vit_state *s)
{
    free(s->pixels);
    free(s->patches);
    free(s->x);
    free(s->h);
    free(s->qkv);
    free(s->mlp);
    free(s->scores);
    free(s->pooled);
    free(s->xb);
    memset(s, 0, sizeof *s);
}

/* ---- parallel steps ----------------------------------------------------------------------------- */

/* C[m × n] = A[m × k] · Wᵀ (W: n × k) + beta·C, then + bias and the activation, by column blocks. */
typedef struct {
    const float *a, *w, *bias;
    float *c;
    size_t m, n, k, ldc;
    float beta;
    int act;            /* -1 none, else an nn_gelu_kind */
    size_t block;       /* columns per task, a multiple of 16 */
} gemm_job;

static void gemm_task(void *ctx, size_t task, int thread)
{
    (void)thread;
    const gemm_job *j = ctx;
    size_t c0 = task * j->block, c1 = c0 + j->block < j->n ? c0 + j->block : j->n;
    if (c0 >= c1) return;
    float *c = j->c + c0;
    if (j->w) nn_gemm(0, 1, j->m, c1 - c0, j->k, j->a, j->k, j->w + c0 * j->k, j->k, j->beta, c, j->ldc);
    if (j->act >= 0) nn_bias_gelu(c, j->m, c1 - c0, j->ldc, j->bias ? j->bias + c0 : NULL, (nn_gelu_kind)j->act);
    else nn_bias_act(c, j->m, c1 - c0, j->ldc, j->bias ? j->bias + c0 : NULL, NN_ACT_NONE);
}

/* With bf16 weights (w16) the product is one oneDNN call over the pool's thread count, and the
   column-block tasks only add the bias and activation; float32 is the fallback. */
static void linear(nn_pool *pool, uint16_t *xb, const float *a, size_t m, size_t k, const float *w,
                   nn_bf16_linear *w16, const float *bias, size_t n, float *c, float beta, int act)
{
    size_t tasks = (size_t)nn_pool_threads(pool);
    size_t block = (n + tasks - 1) / tasks;
    block = (block + 15) / 16 * 16;
    if (w16 && nn_bf16_linear_run(w16, a, m, xb, c, beta, (int)tasks) == 0) w = NULL;
    gemm_job j = {a, w, bias, c, m, n, k, n, beta, act, block};
    nn_pool_run(pool, (n + block - 1) / block, gemm_task, &j);
}

typedef struct {
    const float *in;
    float *out;
    size_t ld_in, ld_out, cols, rows_per_task, rows;
    const float *g, *b;
    float eps;
} norm_job;

static void norm_task(void *ctx, size_t task, int thread)
{
    (void)thread;
    const norm_job *j = ctx;
    size_t r0 = task * j->rows_per_task, r1 = r0 + j->rows_per_task < j->rows ? r0 + j->rows_per_task : j->rows;
    nn_layernorm_rows(j->in, j->ld_in, j->out, j->ld_out, j->cols, j->g, j->b, j->eps, r0, r1);
}

static void layernorm(nn_pool *pool, const float *in, size_t ld_in, float *out, size_t ld_out, size_t rows,
                      size_t cols, const vit_norm *p, float eps)
{
    size_t tasks = (size_t)nn_pool_threads(pool), per = (rows + tasks - 1) / tasks;
    norm_job j = {in, out, ld_in, ld_out, cols, per ? per : 1, rows, p->w, p->b, eps};
    nn_pool_run(pool, (rows + j.rows_per_task - 1) / j.rows_per_task, norm_task, &j);
}

typedef struct {
    const vit_config *cfg;
    const float *qkv;
    float *out, *scores;
    float scale;
    size_t t;           /* tokens per sequence */
    size_t scratch;     /* floats of scores per thread */
    int causal;
} attn_job;

/* Task = sequence · heads + head. */
static void attn_task(void *ctx, size_t task, int thread)
{
    const attn_job *j = ctx;
    size_t heads = (size_t)j->cfg->heads, t = j->t, d = (size_t)j->cfg->hidden, hd = d / heads;
    size_t seq = task / heads, head = task % heads;
    const float *q = j->qkv + seq * t * 3 * d + head * hd;
    nn_attention_head(q, q + d, q + 2 * d, 3 * d, j->out + seq * t * d + head * hd, d, t, hd, j->scale, j->causal,
                      j->scores + (size_t)thread * j->scratch);
}

/* ---- embeddings ------------------------------------------------------------------------------------ */

typedef struct {
    const vit_model *m;
    vit_state *s;
} embed_job;

/* Image i's pixels (planar) → its grid² patch rows, each (channel, row, column) of the patch as
   the conv weight [D, 3, P, P] is laid out. */
static void im2col_task(void *ctx, size_t i, int thread)
{
    (void)thread;
    const embed_job *j = ctx;
    const vit_config *g = &j->m->cfg;
    size_t side = (size_t)g->image_size, p = (size_t)g->patch_size, grid = (size_t)g->grid;
    const float *px = j->s->pixels + i * 3 * side * side;
    float *row = j->s->patches + i * grid * grid * (size_t)g->patch_dim;
    for (size_t gy = 0; gy < grid; gy++)
        for (size_t gx = 0; gx < grid; gx++)
            for (size_t c = 0; c < 3; c++)
                for (size_t ky = 0; ky < p; ky++) {
                    memcpy(row, px + c * side * side + (gy * p + ky) * side + gx * p, p * sizeof *row);
                    row += p;
                }
}

/* Image i's tokens: the class embedding, then its patch embeddings (in h), plus the positions. */
static void tokens_task(void *ctx, size_t i, int thread)
{
    (void)thread;
    const embed_job *j = ctx;
    const vit_config *g = &j->m->cfg;
    size_t d = (size_t)g->hidden, t = (size_t)g->tokens, np = t - 1;
    float *x = j->s->x + i * t * d;
    const float *pos = j->m->pos_emb, *pe = j->s->h + i * np * d;
    for (size_t c = 0; c < d; c++) x[c] = j->m->class_emb[c] + pos[c];
    for (size_t r = 1; r < t; r++)
        for (size_t c = 0; c < d; c++) x[r * d + c] = pe[(r - 1) * d + c] + pos[r * d + c];
}

void vit_blocks(const vit_config *g, const vit_layer *layer, vit_state *s, size_t n, size_t t, int causal,
                nn_pool *pool)
{
    size_t d = (size_t)g->hidden, inter = (size_t)g->intermediate, rows = n * t, hd = d / (size_t)g->heads;
    attn_job aj = {g, s->qkv, s->h, s->scores, 1.0f / sqrtf((float)hd), t,
                   nn_attention_scratch((size_t)g->tokens, hd), causal};
    for (int i = 0; i < g->layers; i++) {
        const vit_layer *l = &layer[i];
        layernorm(pool, s->x, d, s->h, d, rows, d, &l->ln1, g->ln_eps);
        linear(pool, s->xb, s->h, rows, d, l->qkv_w, l->qkv16, l->qkv_b, 3 * d, s->qkv, 0.0f, -1);
        nn_pool_run(pool, n * (size_t)g->heads, attn_task, &aj);
        linear(pool, s->xb, s->h, rows, d, l->out_w, l->out16, l->out_b, d, s->x, 1.0f, -1);
        layernorm(pool, s->x, d, s->h, d, rows, d, &l->ln2, g->ln_eps);
        linear(pool, s->xb, s->h, rows, d, l->fc1_w, l->fc1_16, l->fc1_b, inter, s->mlp, 0.0f, (int)g->act);
        linear(pool, s->xb, s->mlp, rows, inter, l->fc2_w, l->fc2_16, l->fc2_b, d, s->x, 1.0f, -1);
    }
}

/* ---- the network ------------------------------------------------------------------------------------ */

void vit_forward(const vit_model *m, vit_state *s, int n, nn_pool *pool, float *out)
{
    const vit_config *g = &m->cfg;
    size_t d = (size_t)g->hidden, t = (size_t)g->tokens;
    size_t rows = (size_t)n * t, npatch = (size_t)n * (size_t)(g->grid * g->grid);
    embed_job ej = {m, s};

    nn_pool_run(pool, (size_t)n, im2col_task, &ej);
    linear(pool, s->xb, s->patches, npatch, (size_t)g->patch_dim, m->patch_w, m->patch16, NULL, d, s->h, 0.0f, -1);
    nn_pool_run(pool, (size_t)n, tokens_task, &ej);
    layernorm(pool, s->x, d, s->x, d, rows, d, &m->pre_ln, g->ln_eps);

    vit_blocks(g, m->layer, s, (size_t)n, t, 0, pool);
    /* token 0 of each image: rows at stride t·d */
    layernorm(pool, s->x, t * d, s->pooled, d, (size_t)n, d, &m->post_ln, g->ln_eps);
    linear(pool, s->xb, s->pooled, (size_t)n, d, m->proj_w, m->proj16, NULL, (size_t)g->projection, out, 0.0f, -1);
}
