/*
 * tower_weights.h — how a CLIP tower's weights get from a safetensors file into one float arena:
 * shared by the vision tower (vit_load.c) and the text tower (clip_text_load.c).
 *
 * A loader lists every tensor it needs with the shape its config implies (tw_want) twice: first
 * with no arena (dst NULL), so that every name, dtype and shape is checked against the file
 * (tw_check) before anything is allocated — the arena is never larger than the file holds, at most
 * twice its bytes for F16 — then with the arena in place, to read each one (tw_read_all). The same
 * layout function sizes the arena (cursor with no base) and hands out its pointers (tw_take).
 */
#ifndef CULL_ENCODERS_TOWER_WEIGHTS_H
#define CULL_ENCODERS_TOWER_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "encoders/safetensors.h"
#include "encoders/vit.h"

/* ---- the arena ---- */
typedef struct {
    float *base;        /* NULL while sizing */
    size_t used;        /* floats */
} tw_cursor;

/* n floats from the arena, on a 64-byte boundary (NULL while sizing). */
float *tw_take(tw_cursor *c, size_t n);
/* A 64-byte aligned arena of floats, or NULL. */
float *tw_arena(size_t floats);

/* Points the weights of n transformer blocks of width d (MLP width inter) into the arena, in the
   order the blocks run them. layer NULL: only sizes. */
void tw_layers_place(tw_cursor *c, vit_layer *layer, int n, size_t d, size_t inter);
/* bf16 copies of the blocks' four matrices (nn/gemm_bf16.h). 0, or -1 with a reason and none made. */
int tw_layers_use_bf16(vit_layer *layer, int n, size_t d, size_t inter, char *err, size_t errlen);
void tw_layers_drop_bf16(vit_layer *layer, int n);

/* ---- the tensors a tower needs ---- */
typedef struct {
    char name[96];
    int rank;
    uint64_t shape[4];
    float *dst;
} tw_tensor;

typedef struct {
    tw_tensor *t;
    size_t n, cap;
    int oom;            /* a tw_want failed: the list is incomplete */
} tw_list;

void tw_want(tw_list *l, const char *name, float *dst, int rank, uint64_t d0, uint64_t d1, uint64_t d2, uint64_t d3);
/* The blocks' tensors, named prefix + ".encoder.layers.I." + Hugging Face's names; q, k and v go
   into one stacked matrix. layer NULL: dst pointers NULL. */
void tw_want_layers(tw_list *l, const char *prefix, const vit_layer *layer, int n, uint64_t d, uint64_t inter);
/* Every listed tensor is in f, a float type, with its shape; else -1 and a reason naming the file,
   the tensor, and hint (what a missing tensor suggests about the file). */
int tw_check(const st_file *f, const tw_list *l, const char *hint, char *err, size_t errlen);
/* Reads every listed tensor into its dst. 0, or -1 with a reason. */
int tw_read_all(const st_file *f, const tw_list *l, char *err, size_t errlen);
void tw_list_free(tw_list *l);

/* ---- config.json ---- */
typedef struct {
    void *root;             /* the parsed file (a jansson json_t) */
    const char *section;    /* "vision_config" or "text_config": looked in first, then the top level */
    const char *label;      /* the file, for messages */
    char *err;
    size_t errlen;
} tw_config;

/* Parses config.json's text (len bytes) into c, for the section's settings. 0, or -1 with a reason
   in err; tw_config_free after a 0. */
int tw_config_parse(tw_config *c, const char *text, size_t len, const char *section, const char *label, char *err,
                    size_t errlen);
void tw_config_free(tw_config *c);
/* An integer setting from lo to hi; def when absent or null. 0, or -1 with a reason. */
int tw_setting_int(const tw_config *c, const char *key, int def, int lo, int hi, int *out);
/* hidden_act: quick_gelu (the default) or gelu. */
int tw_setting_act(const tw_config *c, nn_gelu_kind *out);
/* layer_norm_eps: between 0 and 1, 1e-5 by default. */
int tw_setting_eps(const tw_config *c, float *out);

/* dir/config.json whole (at most 1 MB), NUL-terminated, its path in path (for messages); NULL with
   "PATH: reason". */
char *tw_read_config(const char *dir, char *path, size_t cap, size_t *len, char *err, size_t errlen);

#endif
