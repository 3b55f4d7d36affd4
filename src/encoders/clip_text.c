/*
 * clip_text.c — the CLIP text tower: config, tensors, forward pass (clip_text.h).
 */
#include "encoders/clip_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "encoders/safetensors.h"
#include "encoders/tower_weights.h"
#include "nn/gemm.h"
#include "nn/layernorm.h"

#define TOKEN_TENSOR "text_model.embeddings.token_embedding.weight"

/* ---- config.json ---------------------------------------------------------------------------------- */

static int parse_config(const char *text, size_t len, const char *label, clip_text_config *cfg, char *err,
                        size_t errlen)
{
    tw_config c;
    if (tw_config_parse(&c, text, len, "text_config", label, err, errlen)) return -1;
    memset(cfg, 0, sizeof *cfg);
    vit_config *b = &cfg->blocks;
    /* CLIPTextConfig's defaults; projection_dim is the joint model's (top level) unless the text
       config names its own */
    int rc = tw_setting_int(&c, "hidden_size", 512, 1, 16384, &b->hidden) ||
             tw_setting_int(&c, "intermediate_size", 2048, 1, 65536, &b->intermediate) ||
             tw_setting_int(&c, "num_hidden_layers", 12, 1, 256, &b->layers) ||
             tw_setting_int(&c, "num_attention_heads", 8, 1, 1024, &b->heads) ||
             tw_setting_int(&c, "projection_dim", 512, 1, 65536, &b->projection) ||
             tw_setting_int(&c, "vocab_size", 49408, 1, 1 << 22, &cfg->vocab) ||
             tw_setting_int(&c, "max_position_embeddings", CLIP_CONTEXT, 1, 4096, &cfg->positions) ||
             tw_setting_int(&c, "eos_token_id", 49407, 0, (1 << 22) - 1, &cfg->eos_id) ||
             tw_setting_act(&c, &b->act) || tw_setting_eps(&c, &b->ln_eps)
                 ? -1 : 0;
    tw_config_free(&c);
    if (rc) return -1;
    if (b->hidden % b->heads) {
        snprintf(err, errlen, "%s: text_config.hidden_size %d is not a multiple of num_attention_heads %d", label,
                 b->hidden, b->heads);
        return -1;
    }
    if (cfg->positions < CLIP_CONTEXT) {
        snprintf(err, errlen, "%s: text_config.max_position_embeddings %d is under the %d tokens CLIP's tokenizer"
                 " writes", label, cfg->positions, CLIP_CONTEXT);
        return -1;
    }
    b->tokens = CLIP_CONTEXT;
    return 0;
}

/* ---- weights ---------------------------------------------------------------------------------------- */

static void layout(clip_text_model *m, tw_cursor *c)
{
    const clip_text_config *g = &m->cfg;
    size_t d = (size_t)g->blocks.hidden;
    m->tok_emb = tw_take(c, (size_t)g->vocab * d);
    m->pos_emb = tw_take(c, (size_t)g->positions * d);
    tw_layers_place(c, m->layer, g->blocks.layers, d, (size_t)g->blocks.intermediate);
    m->final_ln.w = tw_take(c, d);
    m->final_ln.b = tw_take(c, d);
    m->proj_w = tw_take(c, (size_t)g->blocks.projection * d);
}

static void list_tensors(const clip_text_model *m, tw_list *l)
{
    const clip_text_config *g = &m->cfg;
    uint64_t d = (uint64_t)g->blocks.hidden;
#define W(ptr) ((float *)(ptr))
    tw_want(l, TOKEN_TENSOR, W(m->tok_emb), 2, (uint64_t)g->vocab, d, 0, 0);
    tw_want(l, "text_model.embeddings.position_embedding.weight", W(m->pos_emb), 2, (uint64_t)g->positions, d, 0, 0);
    tw_want_layers(l, "text_model", m->arena ? m->layer : NULL, g->blocks.layers, d, (uint64_t)g->blocks.intermediate);
    tw_want(l, "text_model.final_layer_norm.weight", W(m->final_ln.w), 1, d, 0, 0, 0);
    tw_want(l, "text_model.final_layer_norm.bias", W(m->final_ln.b), 1, d, 0, 0, 0);
    tw_want(l, "text_projection.weight", W(m->proj_w), 2, (uint64_t)g->blocks.projection, d, 0, 0);
#undef W
}

static int has_text_tensors(const char *path)
{
    st_file f;
    char ignored[512];
    if (st_open(&f, path, ignored, sizeof ignored)) return 0;
    int yes = st_find(&f, TOKEN_TENSOR) != NULL;
    st_close(&f);
    return yes;
}

/* The file holding the text tensors: model.safetensors when it has them, else text_model.safetensors
   when it exists. 0, or -1. */
static int text_file(const char *dir, char *path, size_t cap)
{
    snprintf(path, cap, "%s/model.safetensors", dir);
    if (has_text_tensors(path)) return 0;
    snprintf(path, cap, "%s/%s", dir, CLIP_TEXT_FILE);
    return access(path, F_OK) == 0 ? 0 : -1;
}

int clip_text_present(const char *dir)
{
    char path[4200];
    return text_file(dir, path, sizeof path) == 0;
}

void clip_text_free(clip_text_model *m)
{
    nn_bf16_linear_free(m->proj16);
    tw_layers_drop_bf16(m->layer, m->cfg.blocks.layers);
    free(m->arena);
    free(m->layer);
    memset(m, 0, sizeof *m);
}

int clip_text_use_bf16(clip_text_model *m, char *err, size_t errlen)
{
    const vit_config *b = &m->cfg.blocks;
    size_t d = (size_t)b->hidden;
    if (tw_layers_use_bf16(m->layer, b->layers, d, (size_t)b->intermediate, err, errlen)) return -1;
    m->proj16 = nn_bf16_linear_new(m->proj_w, (size_t)b->projection, d, err, errlen);
    if (m->proj16) return 0;
    tw_layers_drop_bf16(m->layer, b->layers);
    return -1;
}

static int load_tensors(clip_text_model *m, const st_file *f, char *err, size_t errlen)
{
    tw_list l = {0};
    int rc = -1;
    list_tensors(m, &l);
    if (tw_check(f, &l, " (not a Hugging Face CLIP text tower, or config.json's text_config does not match it)",
                 err, errlen))
        goto out;
    tw_cursor c = {0};
    layout(m, &c);
    m->layer = calloc((size_t)m->cfg.blocks.layers, sizeof *m->layer);
    m->arena = m->layer ? tw_arena(c.used) : NULL;
    if (!m->arena) {
        snprintf(err, errlen, "%s: out of memory for the weights", f->label);
        goto out;
    }
    c = (tw_cursor){m->arena, 0};
    layout(m, &c);
    tw_list_free(&l);
    list_tensors(m, &l);
    if (tw_read_all(f, &l, err, errlen)) goto out;
    m->logit_scale = 100.0f;
    const st_tensor *ls = st_find(f, "logit_scale");
    float v;
    if (ls && ls->elems == 1 && st_read_f32(f, ls, &v, err, errlen) == 0 && isfinite(v) && v < 20) m->logit_scale = expf(v);
    rc = 0;
out:
    tw_list_free(&l);
    return rc;
}

int clip_text_load(clip_text_model *m, const char *dir, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    char path[4200];
    size_t len;
    char *text = tw_read_config(dir, path, sizeof path, &len, err, errlen);
    if (!text) return -1;
    int rc = parse_config(text, len, path, &m->cfg, err, errlen);
    free(text);
    if (rc) return -1;
    if (text_file(dir, path, sizeof path)) {
        snprintf(err, errlen, "%s: no text tower (no text_model.* tensors in model.safetensors, no %s)", dir,
                 CLIP_TEXT_FILE);
        return -1;
    }
    st_file f;
    if (st_open(&f, path, err, errlen)) return -1;
    rc = load_tensors(m, &f, err, errlen);
    st_close(&f);
    if (rc) clip_text_free(m);
    return rc;
}

/* ---- the forward pass -------------------------------------------------------------------------------- */

int clip_text_pool_position(const clip_text_config *cfg, const int32_t ids[CLIP_CONTEXT])
{
    int at = 0;
    for (int i = 1; i < CLIP_CONTEXT; i++)
        if (cfg->eos_id == 2 ? ids[i] > ids[at] : ids[at] != cfg->eos_id && ids[i] == cfg->eos_id) at = i;
    return at; /* no eos_id anywhere: 0, as Hugging Face's argmax over all-false gives */
}

void clip_text_forward(const clip_text_model *m, vit_state *s, const int32_t ids[CLIP_CONTEXT], nn_pool *pool,
                       float *out)
{
    const vit_config *b = &m->cfg.blocks;
    size_t d = (size_t)b->hidden, t = (size_t)clip_text_pool_position(&m->cfg, ids) + 1;
    for (size_t i = 0; i < t; i++)
        for (size_t c = 0; c < d; c++) s->x[i * d + c] = m->tok_emb[(size_t)ids[i] * d + c] + m->pos_emb[i * d + c];
    vit_blocks(b, m->layer, s, 1, t, 1, pool);
    nn_layernorm_rows(s->x + (t - 1) * d, d, s->pooled, d, d, m->final_ln.w, m->final_ln.b, b->ln_eps, 0, 1);
    if (!m->proj16 || nn_bf16_linear_run(m->proj16, s->pooled, 1, s->xb, out, 0.0f, nn_pool_threads(pool)))
        nn_gemm(0, 1, 1, (size_t)b->projection, d, s->pooled, d, m->proj_w, d, 0.0f, out, (size_t)b->projection);
}
