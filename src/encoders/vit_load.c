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

#include <jansson.h>

#include "encoders/safetensors.h"

#define MAX_CONFIG_BYTES (1 << 20)
#define MAX_TOKENS 4097                 /* e.g. a 64 × 64 grid of patches */
#define ALIGN_FLOATS 16                 /* each tensor starts on a 64-byte boundary */

/* ---- config.json -------------------------------------------------------------------------------- */

/* The value called key: in vision_config, else at the top level, else NULL. */
static json_t *setting(json_t *root, const char *key)
{
    json_t *v = json_object_get(json_object_get(root, "vision_config"), key);
    return v ? v : json_object_get(root, key);
}

static int int_setting(json_t *root, const char *key, int def, int lo, int hi, int *out, const char *label,
                       char *err, size_t errlen)
{
    json_t *v = setting(root, key);
    if (!v || json_is_null(v)) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        snprintf(err, errlen, "%s: %s must be an integer from %d to %d", label, key, lo, hi);
        return -1;
    }
    *out = (int)json_integer_value(v);
    return 0;
}

int vit_config_parse(const char *json_text, size_t len, const char *label, vit_config *cfg, char *err,
                     size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(json_text, len, 0, &jerr);
    if (!root || !json_is_object(root)) {
        if (root) snprintf(err, errlen, "%s: not a JSON object", label);
        else snprintf(err, errlen, "%s: not valid JSON (line %d: %s)", label, jerr.line, jerr.text);
        json_decref(root);
        return -1;
    }
    memset(cfg, 0, sizeof *cfg);
    int rc = -1;
    if (int_setting(root, "hidden_size", 768, 1, 16384, &cfg->hidden, label, err, errlen) ||
        int_setting(root, "intermediate_size", 3072, 1, 65536, &cfg->intermediate, label, err, errlen) ||
        int_setting(root, "num_hidden_layers", 12, 1, 256, &cfg->layers, label, err, errlen) ||
        int_setting(root, "num_attention_heads", 12, 1, 1024, &cfg->heads, label, err, errlen) ||
        int_setting(root, "image_size", 224, 1, 4096, &cfg->image_size, label, err, errlen) ||
        int_setting(root, "patch_size", 32, 1, 4096, &cfg->patch_size, label, err, errlen) ||
        int_setting(root, "projection_dim", 512, 1, 65536, &cfg->projection, label, err, errlen))
        goto out;
    json_t *act = setting(root, "hidden_act");
    const char *a = act ? json_string_value(act) : "quick_gelu";
    if (a && strcmp(a, "quick_gelu") == 0) cfg->act = NN_QUICK_GELU;
    else if (a && strcmp(a, "gelu") == 0) cfg->act = NN_GELU;
    else {
        snprintf(err, errlen, "%s: hidden_act %s%.32s%s is not supported (cull knows quick_gelu and gelu)", label,
                 a ? "'" : "", a ? a : "(not a string)", a ? "'" : "");
        goto out;
    }
    json_t *eps = setting(root, "layer_norm_eps");
    cfg->ln_eps = 1e-5f;
    if (eps && !json_is_null(eps)) {
        if (!json_is_number(eps) || !(json_number_value(eps) > 0) || json_number_value(eps) >= 1) {
            snprintf(err, errlen, "%s: layer_norm_eps must be a number between 0 and 1", label);
            goto out;
        }
        cfg->ln_eps = (float)json_number_value(eps);
    }
    rc = vit_config_finish(cfg, label, err, errlen);
out:
    json_decref(root);
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

static size_t padded(size_t n)
{
    return (n + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
}

/* Walks the arena in a fixed order: the same function sizes it (base NULL) and hands out pointers. */
typedef struct {
    float *base;
    size_t used;
} cursor;

static float *take(cursor *c, size_t n)
{
    float *p = c->base ? c->base + c->used : NULL;
    c->used += padded(n);
    return p;
}

static void layout(vit_model *m, cursor *c)
{
    const vit_config *g = &m->cfg;
    size_t d = (size_t)g->hidden, inter = (size_t)g->intermediate;
    m->patch_w = take(c, d * (size_t)g->patch_dim);
    m->class_emb = take(c, d);
    m->pos_emb = take(c, (size_t)g->tokens * d);
    m->pre_ln.w = take(c, d);
    m->pre_ln.b = take(c, d);
    for (int i = 0; i < g->layers; i++) {
        vit_layer *l = c->base ? &m->layer[i] : &(vit_layer){0};
        l->ln1.w = take(c, d);
        l->ln1.b = take(c, d);
        l->qkv_w = take(c, 3 * d * d);
        l->qkv_b = take(c, 3 * d);
        l->out_w = take(c, d * d);
        l->out_b = take(c, d);
        l->ln2.w = take(c, d);
        l->ln2.b = take(c, d);
        l->fc1_w = take(c, inter * d);
        l->fc1_b = take(c, inter);
        l->fc2_w = take(c, d * inter);
        l->fc2_b = take(c, d);
    }
    m->post_ln.w = take(c, d);
    m->post_ln.b = take(c, d);
    m->proj_w = take(c, (size_t)g->projection * d);
}

int vit_model_alloc(vit_model *m, const vit_config *cfg)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    cursor c = {0};
    layout(m, &c);
    m->layer = calloc((size_t)cfg->layers, sizeof *m->layer);
    void *arena = NULL;
    if (!m->layer || posix_memalign(&arena, 64, c.used * sizeof(float))) {
        free(m->layer);
        memset(m, 0, sizeof *m);
        return -1;
    }
    m->arena = arena;
    m->arena_floats = c.used;
    c = (cursor){m->arena, 0};
    layout(m, &c);
    return 0;
}

static void drop_bf16(vit_model *m)
{
    nn_bf16_linear_free(m->patch16);
    nn_bf16_linear_free(m->proj16);
    m->patch16 = m->proj16 = NULL;
    for (int i = 0; m->layer && i < m->cfg.layers; i++) {
        vit_layer *l = &m->layer[i];
        nn_bf16_linear_free(l->qkv16);
        nn_bf16_linear_free(l->out16);
        nn_bf16_linear_free(l->fc1_16);
        nn_bf16_linear_free(l->fc2_16);
        l->qkv16 = l->out16 = l->fc1_16 = l->fc2_16 = NULL;
    }
}

int vit_model_use_bf16(vit_model *m, char *err, size_t errlen)
{
    const vit_config *g = &m->cfg;
    size_t d = (size_t)g->hidden, inter = (size_t)g->intermediate;
    int ok = (m->patch16 = nn_bf16_linear_new(m->patch_w, d, (size_t)g->patch_dim, err, errlen)) &&
             (m->proj16 = nn_bf16_linear_new(m->proj_w, (size_t)g->projection, d, err, errlen));
    for (int i = 0; ok && i < g->layers; i++) {
        vit_layer *l = &m->layer[i];
        ok = (l->qkv16 = nn_bf16_linear_new(l->qkv_w, 3 * d, d, err, errlen)) &&
             (l->out16 = nn_bf16_linear_new(l->out_w, d, d, err, errlen)) &&
             (l->fc1_16 = nn_bf16_linear_new(l->fc1_w, inter, d, err, errlen)) &&
             (l->fc2_16 = nn_bf16_linear_new(l->fc2_w, d, inter, err, errlen));
    }
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

/* One tensor the network needs: its name, the shape the config implies, and where it goes. */
typedef struct {
    char name[96];
    int rank;
    uint64_t shape[4];
    float *dst;
} wanted;

typedef struct {
    wanted *w;
    size_t n, cap;
} wanted_list;

static int want(wanted_list *l, const char *name, float *dst, int rank, uint64_t d0, uint64_t d1, uint64_t d2,
                uint64_t d3)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        wanted *w = realloc(l->w, cap * sizeof *w);
        if (!w) return -1;
        l->w = w;
        l->cap = cap;
    }
    wanted *w = &l->w[l->n++];
    snprintf(w->name, sizeof w->name, "%s", name);
    w->rank = rank;
    w->shape[0] = d0, w->shape[1] = d1, w->shape[2] = d2, w->shape[3] = d3;
    w->dst = dst;
    return 0;
}

/* Every tensor of the model and where it goes (dst pointers are NULL while m has no arena). */
static int list_tensors(const vit_model *m, wanted_list *l)
{
    const vit_config *g = &m->cfg;
    uint64_t d = (uint64_t)g->hidden, inter = (uint64_t)g->intermediate, p = (uint64_t)g->patch_size;
    char n[96];
    int rc = 0;
#define W(ptr) ((float *)(ptr))
    rc |= want(l, "vision_model.embeddings.patch_embedding.weight", W(m->patch_w), 4, d, 3, p, p);
    rc |= want(l, "vision_model.embeddings.class_embedding", W(m->class_emb), 1, d, 0, 0, 0);
    rc |= want(l, "vision_model.embeddings.position_embedding.weight", W(m->pos_emb), 2, (uint64_t)g->tokens, d, 0, 0);
    rc |= want(l, "vision_model.pre_layrnorm.weight", W(m->pre_ln.w), 1, d, 0, 0, 0);
    rc |= want(l, "vision_model.pre_layrnorm.bias", W(m->pre_ln.b), 1, d, 0, 0, 0);
    for (int i = 0; i < g->layers && !rc; i++) {
        const vit_layer *y = m->arena ? &m->layer[i] : &(vit_layer){0};
        static const char *const qkv[3] = {"q_proj", "k_proj", "v_proj"};
        for (int k = 0; k < 3; k++) {
            snprintf(n, sizeof n, "vision_model.encoder.layers.%d.self_attn.%s.weight", i, qkv[k]);
            rc |= want(l, n, y->qkv_w ? W(y->qkv_w) + (size_t)k * d * d : NULL, 2, d, d, 0, 0);
            snprintf(n, sizeof n, "vision_model.encoder.layers.%d.self_attn.%s.bias", i, qkv[k]);
            rc |= want(l, n, y->qkv_b ? W(y->qkv_b) + (size_t)k * d : NULL, 1, d, 0, 0, 0);
        }
#define LAYER(suffix, ptr, rank, a, b)                                                                 \
    snprintf(n, sizeof n, "vision_model.encoder.layers.%d.%s", i, suffix);                             \
    rc |= want(l, n, W(ptr), rank, a, b, 0, 0)
        LAYER("self_attn.out_proj.weight", y->out_w, 2, d, d);
        LAYER("self_attn.out_proj.bias", y->out_b, 1, d, 0);
        LAYER("layer_norm1.weight", y->ln1.w, 1, d, 0);
        LAYER("layer_norm1.bias", y->ln1.b, 1, d, 0);
        LAYER("mlp.fc1.weight", y->fc1_w, 2, inter, d);
        LAYER("mlp.fc1.bias", y->fc1_b, 1, inter, 0);
        LAYER("mlp.fc2.weight", y->fc2_w, 2, d, inter);
        LAYER("mlp.fc2.bias", y->fc2_b, 1, d, 0);
        LAYER("layer_norm2.weight", y->ln2.w, 1, d, 0);
        LAYER("layer_norm2.bias", y->ln2.b, 1, d, 0);
#undef LAYER
    }
    rc |= want(l, "vision_model.post_layernorm.weight", W(m->post_ln.w), 1, d, 0, 0, 0);
    rc |= want(l, "vision_model.post_layernorm.bias", W(m->post_ln.b), 1, d, 0, 0, 0);
    rc |= want(l, "visual_projection.weight", W(m->proj_w), 2, (uint64_t)g->projection, d, 0, 0);
#undef W
    return rc;
}

static void shape_text(char *buf, size_t cap, int rank, const uint64_t *shape)
{
    size_t used = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < rank && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%llu", i ? ", " : "", (unsigned long long)shape[i]);
    if (used < cap) snprintf(buf + used, cap - used, "]");
}

/* Every wanted tensor is in the file, a float type, with the config's shape. */
static int check_tensors(const st_file *f, const wanted_list *l, char *err, size_t errlen)
{
    for (size_t i = 0; i < l->n; i++) {
        const wanted *w = &l->w[i];
        const st_tensor *t = st_find(f, w->name);
        if (!t) {
            snprintf(err, errlen, "%s: no tensor '%s'%s", f->label, w->name,
                     st_find(f, "visual.conv1.weight") ? " (this is an open_clip checkpoint; cull reads the Hugging Face"
                                                         " layout, model.safetensors)"
                                                       : " (not a Hugging Face CLIP vision checkpoint, or config.json"
                                                         " does not match it)");
            return -1;
        }
        if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16) {
            snprintf(err, errlen, "%s: tensor '%s' has dtype %s; cull reads F32, F16 and BF16", f->label, w->name,
                     st_dtype_name(t->dtype));
            return -1;
        }
        if (t->rank != w->rank || memcmp(t->shape, w->shape, (size_t)w->rank * sizeof *w->shape)) {
            char got[128], exp[128];
            shape_text(got, sizeof got, t->rank, t->shape);
            shape_text(exp, sizeof exp, w->rank, w->shape);
            snprintf(err, errlen, "%s: tensor '%s' has shape %s; config.json implies %s", f->label, w->name, got, exp);
            return -1;
        }
    }
    return 0;
}

static char *read_small_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, fp) : 0;
    int bad = ferror(fp);
    fclose(fp);
    if (!buf || bad || n > max) {
        snprintf(err, errlen, "%s: %s", path, !buf ? "out of memory" : bad ? "read error" : "too large for a config file");
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

int vit_model_from_st(vit_model *m, const vit_config *cfg, const st_file *f, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    wanted_list l = {0};
    int rc = -1;
    if (list_tensors(m, &l)) {
        snprintf(err, errlen, "%s: out of memory", f->label);
        goto out;
    }
    if (check_tensors(f, &l, err, errlen)) goto out;
    if (vit_model_alloc(m, cfg)) {
        snprintf(err, errlen, "%s: out of memory for the weights", f->label);
        goto out;
    }
    l.n = 0;
    if (list_tensors(m, &l)) {
        snprintf(err, errlen, "%s: out of memory", f->label);
        goto out;
    }
    for (size_t i = 0; i < l.n; i++)
        if (st_read_f32(f, st_find(f, l.w[i].name), l.w[i].dst, err, errlen)) goto out;
    rc = 0;
out:
    if (rc) vit_model_free(m);
    free(l.w);
    return rc;
}

int vit_model_load(vit_model *m, const char *dir, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    char path[4096];
    size_t len;
    snprintf(path, sizeof path, "%s/config.json", dir);
    char *text = read_small_file(path, MAX_CONFIG_BYTES, &len, err, errlen);
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
