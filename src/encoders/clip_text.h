/*
 * clip_text.h — the CLIP text tower: configuration, weights, forward pass. Its vector is comparable
 * with the vision tower's (vit.h) of the same checkpoint: both are projected into one space.
 *
 * The network (Hugging Face CLIPTextModelWithProjection; tensor names under "text_model."):
 *   x       = embeddings.token_embedding.weight[ids] + embeddings.position_embedding.weight[0..T)
 *   N blocks (encoder.layers.i), as the vision tower's (vit_blocks), with a causal mask: token i
 *           attends to tokens 0..i
 *   pooled  = final_layer_norm(x[e]),  e the end token's position: when config.json's
 *           text_config.eos_token_id is 2 (OpenAI's checkpoints, whose config predates the field's
 *           meaning) the first position of the largest id, as Hugging Face computes it; else the
 *           first position holding eos_token_id (position 0 when none does, as there)
 *   vector  = text_projection.weight · pooled   (no bias; not normalised)
 * The mask makes x[e] independent of every later token, so the blocks run on the first e + 1
 * tokens only: a short prompt costs a fraction of the 77 positions.
 *
 * Where the tensors are: in model.safetensors of a full (joint) CLIP checkpoint; else in
 * text_model.safetensors beside it, which `cull model fetch` writes so that adding the text tower
 * leaves model.safetensors, and so the image encoder's id, unchanged. logit_scale (the log of
 * the temperature CLIP's softmax multiplies cosines by) is read from the same file; 100 when absent.
 */
#ifndef CULL_ENCODERS_CLIP_TEXT_H
#define CULL_ENCODERS_CLIP_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "encoders/clip_tokenizer.h"
#include "encoders/vit.h"

#define CLIP_TEXT_FILE "text_model.safetensors"

typedef struct {
    vit_config blocks;  /* hidden, intermediate, layers, heads, act, ln_eps, projection; tokens = positions
                           (the image fields are 0) */
    int vocab;          /* vocab_size: rows of the token embedding */
    int positions;      /* max_position_embeddings (77) */
    int eos_id;         /* eos_token_id; 2 means "the largest id" (above) */
} clip_text_config;

typedef struct {
    clip_text_config cfg;
    const float *tok_emb;       /* [vocab, D] */
    const float *pos_emb;       /* [positions, D] */
    vit_layer *layer;           /* cfg.blocks.layers */
    vit_norm final_ln;
    const float *proj_w;        /* [projection, D] */
    float logit_scale;          /* exp(logit_scale): the multiplier of cosines in CLIP's softmax */
    nn_bf16_linear *proj16;     /* bf16 copy (clip_text_use_bf16), else NULL */
    float *arena;
} clip_text_model;

/* Whether dir holds a text tower: a text_model.safetensors, or text tensors in model.safetensors. */
int clip_text_present(const char *dir);
/* dir/config.json's text_config + the tensors (above), checked against the config. 0, or -1 with a
   reason naming the file; a folder without a text tower says so ("no text tower"). */
int clip_text_load(clip_text_model *m, const char *dir, char *err, size_t errlen);
void clip_text_free(clip_text_model *m);
/* bf16 copies of the linear layers' weights (nn/gemm_bf16.h), as vit_model_use_bf16. */
int clip_text_use_bf16(clip_text_model *m, char *err, size_t errlen);

/* The position whose hidden state is pooled (above), for ids of CLIP_CONTEXT tokens. */
int clip_text_pool_position(const clip_text_config *cfg, const int32_t ids[CLIP_CONTEXT]);
/* Runs ids (CLIP_CONTEXT of them, each below cfg.vocab) through the network into out
   (cfg.blocks.projection floats). s must be reserved (vit_state_reserve) for one sequence of
   cfg.blocks.tokens with nn_pool_threads(pool) threads. */
void clip_text_forward(const clip_text_model *m, vit_state *s, const int32_t ids[CLIP_CONTEXT], nn_pool *pool,
                       float *out);

#endif
