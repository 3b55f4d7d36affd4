/*
 * vit_load.c — a ViT's config.json and its vision tensors from model.safetensors (vit.h).
 *
 * Order of trust: the config's numbers are checked for range first; then every tensor the network
 * needs is looked up and its shape compared with the config before anything is allocated, so the
 * weight arena is never larger than what the file itself holds (at most twice its bytes, for F16).
 * Tensors the network does not need (a text tower, position_ids) are never touched.
 */
#include "encoders/vit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "encoders/safetensors.h"
#include "encoders/tower_weights.h"

#define MAX_TOKENS 4097                 /* e.g. a 64 × 64 grid of patches */

/* ---- config.json -------------------------------------------------------------------------------- */

int vit_config_parse(const char *json_text, size_t len, const char *label, vit_config *cfg, char *err,
                     size_t errlen)
{
    tw_config c;
    if (tw_config_parse(&c, json_text, len, "vision_config", label, err, errlen)) return -1;
    memset(cfg, 0, sizeof *cfg);
    int rc = -1;
    if (tw_setting_int(&c, "hidden_size", 768, 1, 16384, &cfg->hidden) ||
        tw_setting_int(&c, "intermediate_size", 3072, 1, 65536, &cfg->intermediate) ||
        tw_setting_int(&c, "num_hidden_layers", 12, 1, 256, &cfg->layers) ||
        tw_setting_int(&c, "num_attention_heads", 12, 1, 1024, &cfg->heads) ||
        tw_setting_int(&c, "image_size", 224, 1, 4096, &cfg->image_size) ||
        tw_setting_int(&c, "patch_size", 32, 1, 4096, &cfg->patch_size) ||
        tw_setting_int(&c, "projection_dim", 512, 1, 65536, &cfg->projection) ||
        tw_setting_act(&c, &cfg->act) || tw_setting_eps(&c, &cfg->ln_eps))
        goto out;
    rc = vit_config_finish(cfg, label, err, errlen);
out:
    tw_config_free(&c);
    return rc;
}

int vit_config_finish(vit_config *cfg, const char *label, char *err, size_t errlen)
{
    if (cfg->hidden < 1 || cfg->intermediate < 1 || cfg->layers < 1 || cfg->projection < 1 ||
        cfg->heads < 1 || cfg->hidden % cfg->heads) {
        snprintf(err, errlen, "%s: hidden_size %d is not a multiple of num_attention_heads %d", label, cfg->hidden,
                 cfg->heads);
        return -1;
    }
    if (cfg->patch_size < 1 || cfg->image_size < cfg->patch_size || cfg->image_size % cfg->patch_size) {
        snprintf(err, errlen, "%s: image_size %d is not a multiple of patch_size %d", label, cfg->image_size,
                 cfg->patch_size);
        return -1;
    }
    cfg->grid = cfg->image_size / cfg->patch_size;
    if ((long)cfg->grid * cfg->grid + 1 > MAX_TOKENS) {
        snprintf(err, errlen, "%s: %d × %d patches is more than cull handles (%d tokens)", label, cfg->grid,
                 cfg->grid, MAX_TOKENS - 1);
        return -1;
    }
    cfg->tokens = cfg->grid * cfg->grid + 1;
    cfg->patch_dim = 3 * cfg->patch_size * cfg->patch_size;
    return 0;
}

/* ---- the weight arena ---------------------------------------------------------------------------- */

static void layout(vit_model *m, tw_cursor *c)
{
    const vit_config *g = &m->cfg;
    size_t d = (size_t)g->hidden, inter = (size_t)g->intermediate;
    m->patch_w = tw_take(c, d * (size_t)g->patch_dim);
    m->class_emb = tw_take(c, d);
    m->pos_emb = tw_take(c, (size_t)g->tokens * d);
    m->pre_ln.w = tw_take(c, d);
    m->pre_ln.b = tw_take(c, d);
    tw_layers_place(c, m->layer, g->layers, d, inter);
    m->post_ln.w = tw_take(c, d);
    m->post_ln.b = tw_take(c, d);
    m->proj_w = tw_take(c, (size_t)g->projection * d);
}

int vit_model_alloc(vit_model *m, const vit_config *cfg)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    tw_cursor c = {0};
    layout(m, &c);
    m->layer = calloc((size_t)cfg->layers, sizeof *m->layer);
    m->arena = m->layer ? tw_arena(c.used) : NULL;
    if (!m->arena) {
        free(m->layer);
        memset(m, 0, sizeof *m);
        return -1;
    }
    m->arena_floats = c.used;
    c = (tw_cursor){m->arena, 0};
    layout(m, &c);
    return 0;
}

static void drop_bf16(vit_model *m)
{
    nn_bf16_linear_free(m->patch16);
    nn_bf16_linear_free(m->proj16);
    m->patch16 = m->proj16 = NULL;
    tw_layers_drop_bf16(m->layer, m->cfg.layers);
}

int vit_model_use_bf16(vit_model *m, char *err, size_t errlen)
{
    const vit_config *g = &m->cfg;
    size_t d = (size_t)g->hidden, inter = (size_t)g->intermediate;
    int ok = (m->patch16 = nn_bf16_linear_new(m->patch_w, d, (size_t)g->patch_dim, err, errlen)) &&
             (m->proj16 = nn_bf16_linear_new(m->proj_w, (size_t)g->projection, d, err, errlen)) &&
             tw_layers_use_bf16(m->layer, g->layers, d, inter, err, errlen) == 0;
    if (!ok) drop_bf16(m);
    return ok ? 0 : -1;
}

void vit_model_free(vit_model *m)
{
    drop_bf16(m);
    free(m->arena);
    free(m->layer);
    memset(m, 0, sizeof *m);
}

/* ---- the tensors ---------------------------------------------------------------------------------- */

/* Every tensor of the model and where it goes (dst pointers are NULL while m has no arena). */
static void list_tensors(const vit_model *m, tw_list *l)
{
    const vit_config *g = &m->cfg;
    uint64_t d = (uint64_t)g->hidden, p = (uint64_t)g->patch_size;
#define W(ptr) ((float *)(ptr))
    tw_want(l, "vision_model.embeddings.patch_embedding.weight", W(m->patch_w), 4, d, 3, p, p);
    tw_want(l, "vision_model.embeddings.class_embedding", W(m->class_emb), 1, d, 0, 0, 0);
    tw_want(l, "vision_model.embeddings.position_embedding.weight", W(m->pos_emb), 2, (uint64_t)g->tokens, d, 0, 0);
    tw_want(l, "vision_model.pre_layrnorm.weight", W(m->pre_ln.w), 1, d, 0, 0, 0);
    tw_want(l, "vision_model.pre_layrnorm.bias", W(m->pre_ln.b), 1, d, 0, 0, 0);
    tw_want_layers(l, "vision_model", m->arena ? m->layer : NULL, g->layers, d, (uint64_t)g->intermediate);
    tw_want(l, "vision_model.post_layernorm.weight", W(m->post_ln.w), 1, d, 0, 0, 0);
    tw_want(l, "vision_model.post_layernorm.bias", W(m->post_ln.b), 1, d, 0, 0, 0);
    tw_want(l, "visual_projection.weight", W(m->proj_w), 2, (uint64_t)g->projection, d, 0, 0);
#undef W
}

int vit_model_from_st(vit_model *m, const vit_config *cfg, const st_file *f, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    tw_list l = {0};
    int rc = -1;
    list_tensors(m, &l);
    const char *hint = st_find(f, "visual.conv1.weight")
                         ? " (this is an open_clip checkpoint; cull reads the Hugging Face layout, model.safetensors)"
                         : " (not a Hugging Face CLIP vision checkpoint, or config.json does not match it)";
    if (tw_check(f, &l, hint, err, errlen)) goto out;
    if (vit_model_alloc(m, cfg)) {
        snprintf(err, errlen, "%s: out of memory for the weights", f->label);
        goto out;
    }
    tw_list_free(&l);
    list_tensors(m, &l);
    rc = tw_read_all(f, &l, err, errlen);
out:
    if (rc) vit_model_free(m);
    tw_list_free(&l);
    return rc;
}

int vit_model_load(vit_model *m, const char *dir, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    char path[4096];
    size_t len;
    char *text = tw_read_config(dir, path, sizeof path, &len, err, errlen);
    if (!text) return -1;
    vit_config cfg;
    int rc = vit_config_parse(text, len, path, &cfg, err, errlen);
    free(text);
    if (rc) return -1;
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    st_file f;
    if (st_open(&f, path, err, errlen)) return -1;
    rc = vit_model_from_st(m, &cfg, &f, err, errlen);
    st_close(&f);
    return rc;
}
