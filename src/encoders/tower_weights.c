/*
 * tower_weights.c — listing, checking and reading a CLIP tower's tensors (tower_weights.h).
 */
#include "encoders/tower_weights.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define ALIGN_FLOATS 16                 /* each tensor starts on a 64-byte boundary */

float *tw_take(tw_cursor *c, size_t n)
{
    float *p = c->base ? c->base + c->used : NULL;
    c->used += (n + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
    return p;
}

float *tw_arena(size_t floats)
{
    void *p = NULL;
    return posix_memalign(&p, 64, (floats ? floats : 1) * sizeof(float)) ? NULL : p;
}

void tw_layers_place(tw_cursor *c, vit_layer *layer, int n, size_t d, size_t inter)
{
    for (int i = 0; i < n; i++) {
        vit_layer *l = c->base ? &layer[i] : &(vit_layer){0};
        l->ln1.w = tw_take(c, d);
        l->ln1.b = tw_take(c, d);
        l->qkv_w = tw_take(c, 3 * d * d);
        l->qkv_b = tw_take(c, 3 * d);
        l->out_w = tw_take(c, d * d);
        l->out_b = tw_take(c, d);
        l->ln2.w = tw_take(c, d);
        l->ln2.b = tw_take(c, d);
        l->fc1_w = tw_take(c, inter * d);
        l->fc1_b = tw_take(c, inter);
        l->fc2_w = tw_take(c, d * inter);
        l->fc2_b = tw_take(c, d);
    }
}

void tw_layers_drop_bf16(vit_layer *layer, int n)
{
    for (int i = 0; layer && i < n; i++) {
        vit_layer *l = &layer[i];
        nn_bf16_linear_free(l->qkv16);
        nn_bf16_linear_free(l->out16);
        nn_bf16_linear_free(l->fc1_16);
        nn_bf16_linear_free(l->fc2_16);
        l->qkv16 = l->out16 = l->fc1_16 = l->fc2_16 = NULL;
    }
}

int tw_layers_use_bf16(vit_layer *layer, int n, size_t d, size_t inter, char *err, size_t errlen)
{
    int ok = 1;
    for (int i = 0; ok && i < n; i++) {
        vit_layer *l = &layer[i];
        ok = (l->qkv16 = nn_bf16_linear_new(l->qkv_w, 3 * d, d, err, errlen)) &&
             (l->out16 = nn_bf16_linear_new(l->out_w, d, d, err, errlen)) &&
             (l->fc1_16 = nn_bf16_linear_new(l->fc1_w, inter, d, err, errlen)) &&
             (l->fc2_16 = nn_bf16_linear_new(l->fc2_w, d, inter, err, errlen));
    }
    if (!ok) tw_layers_drop_bf16(layer, n);
    return ok ? 0 : -1;
}

void tw_want(tw_list *l, const char *name, float *dst, int rank, uint64_t d0, uint64_t d1, uint64_t d2, uint64_t d3)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        tw_tensor *t = realloc(l->t, cap * sizeof *t);
        if (!t) {
            l->oom = 1;
            return;
        }
        l->t = t;
        l->cap = cap;
    }
    tw_tensor *t = &l->t[l->n++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->rank = rank;
    t->shape[0] = d0, t->shape[1] = d1, t->shape[2] = d2, t->shape[3] = d3;
    t->dst = dst;
}

void tw_want_layers(tw_list *l, const char *prefix, const vit_layer *layer, int n, uint64_t d, uint64_t inter)
{
    char name[96];
#define W(ptr) ((float *)(ptr))
    for (int i = 0; i < n; i++) {
        const vit_layer *y = layer ? &layer[i] : &(vit_layer){0};
        static const char *const qkv[3] = {"q_proj", "k_proj", "v_proj"};
        for (int k = 0; k < 3; k++) {
            snprintf(name, sizeof name, "%s.encoder.layers.%d.self_attn.%s.weight", prefix, i, qkv[k]);
            tw_want(l, name, y->qkv_w ? W(y->qkv_w) + (size_t)k * d * d : NULL, 2, d, d, 0, 0);
            snprintf(name, sizeof name, "%s.encoder.layers.%d.self_attn.%s.bias", prefix, i, qkv[k]);
            tw_want(l, name, y->qkv_b ? W(y->qkv_b) + (size_t)k * d : NULL, 1, d, 0, 0, 0);
        }
#define LAYER(suffix, ptr, rank, a, b)                                                                 \
    snprintf(name, sizeof name, "%s.encoder.layers.%d.%s", prefix, i, suffix);                         \
    tw_want(l, name, W(ptr), rank, a, b, 0, 0)
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
#undef W
}

static void shape_text(char *buf, size_t cap, int rank, const uint64_t *shape)
{
    size_t used = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < rank && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%llu", i ? ", " : "", (unsigned long long)shape[i]);
    if (used < cap) snprintf(buf + used, cap - used, "]");
}

int tw_check(const st_file *f, const tw_list *l, const char *hint, char *err, size_t errlen)
{
    if (l->oom) {
        snprintf(err, errlen, "%s: out of memory", f->label);
        return -1;
    }
    for (size_t i = 0; i < l->n; i++) {
        const tw_tensor *w = &l->t[i];
        const st_tensor *t = st_find(f, w->name);
        if (!t) {
            snprintf(err, errlen, "%s: no tensor '%s'%s", f->label, w->name, hint);
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

int tw_read_all(const st_file *f, const tw_list *l, char *err, size_t errlen)
{
    if (l->oom) {
        snprintf(err, errlen, "%s: out of memory", f->label);
        return -1;
    }
    for (size_t i = 0; i < l->n; i++)
        if (st_read_f32(f, st_find(f, l->t[i].name), l->t[i].dst, err, errlen)) return -1;
    return 0;
}

void tw_list_free(tw_list *l)
{
    free(l->t);
    memset(l, 0, sizeof *l);
}

char *tw_read_config(const char *dir, char *path, size_t cap, size_t *len, char *err, size_t errlen)
{
    const size_t max = 1 << 20;
    snprintf(path, cap, "%s/config.json", dir);
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

/* ---- config.json ---------------------------------------------------------------------------------- */

int tw_config_parse(tw_config *c, const char *text, size_t len, const char *section, const char *label, char *err,
                    size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    if (!root || !json_is_object(root)) {
        if (root) snprintf(err, errlen, "%s: not a JSON object", label);
        else snprintf(err, errlen, "%s: not valid JSON (line %d: %s)", label, jerr.line, jerr.text);
        json_decref(root);
        return -1;
    }
    *c = (tw_config){root, section, label, err, errlen};
    return 0;
}

void tw_config_free(tw_config *c)
{
    json_decref(c->root);
    c->root = NULL;
}

/* The value called key: in the section, else at the top level, else NULL. */
static json_t *setting(const tw_config *c, const char *key)
{
    json_t *v = json_object_get(json_object_get(c->root, c->section), key);
    return v ? v : json_object_get(c->root, key);
}

int tw_setting_int(const tw_config *c, const char *key, int def, int lo, int hi, int *out)
{
    json_t *v = setting(c, key);
    if (!v || json_is_null(v)) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        snprintf(c->err, c->errlen, "%s: %s must be an integer from %d to %d", c->label, key, lo, hi);
        return -1;
    }
    *out = (int)json_integer_value(v);
    return 0;
}

int tw_setting_act(const tw_config *c, nn_gelu_kind *out)
{
    json_t *act = setting(c, "hidden_act");
    const char *a = act ? json_string_value(act) : "quick_gelu";
    if (a && strcmp(a, "quick_gelu") == 0) *out = NN_QUICK_GELU;
    else if (a && strcmp(a, "gelu") == 0) *out = NN_GELU;
    else {
        snprintf(c->err, c->errlen, "%s: hidden_act %s%.32s%s is not supported (cull knows quick_gelu and gelu)",
                 c->label, a ? "'" : "", a ? a : "(not a string)", a ? "'" : "");
        return -1;
    }
    return 0;
}

int tw_setting_eps(const tw_config *c, float *out)
{
    json_t *eps = setting(c, "layer_norm_eps");
    *out = 1e-5f;
    if (!eps || json_is_null(eps)) return 0;
    if (!json_is_number(eps) || !(json_number_value(eps) > 0) || json_number_value(eps) >= 1) {
        snprintf(c->err, c->errlen, "%s: layer_norm_eps must be a number between 0 and 1", c->label);
        return -1;
    }
    *out = (float)json_number_value(eps);
    return 0;
}
