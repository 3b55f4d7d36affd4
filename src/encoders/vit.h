/*
 * vit.h — the CLIP-family vision transformer: configuration, weights, working state, forward pass
 * and preprocessing. The encoder glue (names, ids, threads) is in vit_encoder.c.
 *
 * The network (Hugging Face CLIPVisionModelWithProjection; tensor names under "vision_model."):
 *   patches  = conv(pixels, embeddings.patch_embedding.weight, stride P, no bias): one GEMM over
 *              the non-overlapping P×P patches (im2col is a copy), [(S/P)², D] per image
 *   x        = [embeddings.class_embedding; patches] + embeddings.position_embedding.weight
 *   x        = pre_layrnorm(x)                                        (sic: the checkpoints' name)
 *   N blocks (encoder.layers.i): x += out_proj(attention(layer_norm1(x)))   [q, k, v: one GEMM]
 *                                x += fc2(act(fc1(layer_norm2(x))))        [act: quick_gelu | gelu]
 *   pooled   = post_layernorm(x[0]);   embedding = visual_projection.weight · pooled  (no bias)
 * Linear weights are stored as PyTorch has them, [out, in]: y = x·Wᵀ + b.
 */
#ifndef CULL_ENCODERS_VIT_H
#define CULL_ENCODERS_VIT_H

#include <stddef.h>
#include <stdint.h>

#include "encoders/safetensors.h"
#include "media/image.h"
#include "nn/activation.h"
#include "nn/gemm_bf16.h"
#include "nn/parallel.h"

typedef struct {
    int hidden;         /* D: hidden_size */
    int intermediate;   /* I: intermediate_size */
    int layers;         /* num_hidden_layers */
    int heads;          /* num_attention_heads; D % heads == 0 */
    int image_size;     /* S */
    int patch_size;     /* P; S % P == 0 */
    int projection;     /* projection_dim */
    nn_gelu_kind act;   /* hidden_act: "quick_gelu" or "gelu" */
    float ln_eps;       /* layer_norm_eps */
    /* derived */
    int grid;           /* S / P */
    int tokens;         /* T = grid² + 1 */
    int patch_dim;      /* 3·P² */
} vit_config;

typedef struct {
    const float *w, *b;
} vit_norm;

typedef struct {
    vit_norm ln1, ln2;
    const float *qkv_w, *qkv_b;   /* [3D, D], 3D: q_proj, k_proj, v_proj stacked */
    const float *out_w, *out_b;   /* [D, D], D */
    const float *fc1_w, *fc1_b;   /* [I, D], I */
    const float *fc2_w, *fc2_b;   /* [D, I], D */
    /* the same four matrices in bf16 (vit_model_use_bf16), else NULL */
    nn_bf16_linear *qkv16, *out16, *fc1_16, *fc2_16;
} vit_layer;

typedef struct {
    vit_config cfg;
    const float *patch_w;         /* [D, 3·P·P]: conv weight [D, 3, P, P] flattened */
    const float *class_emb;       /* D */
    const float *pos_emb;         /* [T, D] */
    vit_norm pre_ln, post_ln;
    vit_layer *layer;             /* cfg.layers */
    const float *proj_w;          /* [projection, D] */
    nn_bf16_linear *patch16, *proj16; /* bf16 copies (vit_model_use_bf16), else NULL */
    float *arena;                 /* every weight above, one allocation */
    size_t arena_floats;
} vit_model;

/* Working memory for batches of up to cap images on up to threads threads. */
typedef struct {
    int cap, threads;
    float *pixels;      /* cap × 3 × S × S, planar (CHW) per image, normalised */
    float *patches;     /* cap·grid² × patch_dim */
    float *x;           /* cap·T × D: the residual stream */
    float *h;           /* cap·T × D: normalised, then attention output */
    float *qkv;         /* cap·T × 3D */
    float *mlp;         /* cap·T × I */
    float *scores;      /* threads × nn_attention_scratch(T, D / heads) */
    float *pooled;      /* cap × D */
    uint16_t *xb;       /* cap·T × max(D, I, patch_dim): a bf16 layer's input, rounded */
} vit_state;

/* config.json's text: the vision tower's settings from "vision_config", else the top level, else
   CLIPVisionConfig's defaults (768, 3072, 12 layers, 12 heads, 224, 32, quick_gelu, 1e-5, 512).
   label names the file in messages. 0, or -1 with a reason. */
int vit_config_parse(const char *json_text, size_t len, const char *label, vit_config *cfg, char *err,
                     size_t errlen);
/* Checks the numbers and fills in the derived fields. 0, or -1 with a reason. */
int vit_config_finish(vit_config *cfg, const char *label, char *err, size_t errlen);

/* Allocates the weights of cfg (uninitialised) and points every field into the arena. */
int vit_model_alloc(vit_model *m, const vit_config *cfg);
/* dir/config.json + dir/model.safetensors: the vision tensors, checked against the config,
   converted to float32. 0, or -1 with a reason naming the file. */
int vit_model_load(vit_model *m, const char *dir, char *err, size_t errlen);
/* The same from an opened safetensors file and a finished config. */
int vit_model_from_st(vit_model *m, const vit_config *cfg, const st_file *f, char *err, size_t errlen);
void vit_model_free(vit_model *m);
/* Adds bf16 copies of the linear layers' weights, which vit_forward then uses (nn/gemm_bf16.h:
   AMX or AVX512-BF16 only). 0, or -1 with a reason and the model unchanged. */
int vit_model_use_bf16(vit_model *m, char *err, size_t errlen);

/* CULL_PRECISION: "bf16" (a native oneDNN bf16 kernel required: AMX or AVX512-BF16), "f32", or
   "auto"/unset: bf16 where such a kernel runs it. bf16 moves a CLIP embedding by a few 10⁻³
   relative (tests/e2e/vit.sh measures it against PyTorch) and makes the encoder several times
   faster; "f32" reproduces the reference to 1e-4. The answer for both towers: VIT_F32, VIT_BF16
   (required: failing to set it up is an error), VIT_BF16_IF_NATIVE, or -1 with a reason. */
enum { VIT_F32, VIT_BF16, VIT_BF16_IF_NATIVE };
int vit_precision(char *err, size_t errlen);

/* Sizes s for n images on threads threads (growing only). 0, or -1 when out of memory. */
int vit_state_reserve(vit_state *s, const vit_config *cfg, int n, int threads);
void vit_state_free(vit_state *s);

/* Runs the n images in s->pixels through the network: out receives n × projection floats. The work
   of each step is split across the pool's threads (pool NULL: the calling thread alone); s must
   have been reserved for at least n images and nn_pool_threads(pool) threads. */
void vit_forward(const vit_model *m, vit_state *s, int n, nn_pool *pool, float *out);

/* The transformer blocks alone, shared with the text tower (clip_text.h): g->layers pre-norm blocks
   over n sequences of t tokens each (t ≤ g->tokens), stacked in s->x; causal: each token attends
   only to itself and those before it. The result stays in s->x. */
void vit_blocks(const vit_config *g, const vit_layer *layer, vit_state *s, size_t n, size_t t, int causal,
                nn_pool *pool);

/* CLIP preprocessing of an 8-bit RGB raster into size × size × 3 planar floats (CHW), as Hugging
   Face's CLIPImageProcessor does it with Pillow (vit_preprocess.c describes it exactly).
   0, or -1 with a reason (an empty or absurdly elongated image, out of memory). */
int vit_preprocess(const rgb_image *img, int size, float *out, char *err, size_t errlen);

#endif
