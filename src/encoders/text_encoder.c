/*
 * text_encoder.c — a CLIP folder's tokenizer and text tower behind one handle (text_encoder.h).
 */
#include "encoders/text_encoder.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoders/clip_text.h"
#include "encoders/encoder.h"
#include "encoders/state_stash.h"
#include "encoders/weights_sum.h"
#include "nn/gemm.h"
#include "nn/parallel.h"

struct text_encoder {
    char image_id[96];
    clip_tokenizer *tok;
    clip_text_model model;
    vit_state state;
    nn_pool *pool;
};

/* How to add the text files to the folder of encoder name (NULL: default). */
static void how_to_add(const char *name, const char *dir, char *buf, size_t cap)
{
    if (name && strchr(name, '/')) snprintf(buf, cap, "copy a full CLIP checkpoint's files into %s", dir);
    else snprintf(buf, cap, "run `cull model fetch %s` to add it", name ? name : encoder_default_name());
}

text_encoder *text_encoder_open(const char *name, char *err, size_t errlen)
{
    char dir[4200], path[4300], hex[65], how[4400];
    if (encoder_clip_folder(name, dir, sizeof dir, err, errlen)) return NULL;
    if (!name) name = encoder_default_name();
    how_to_add(name, dir, how, sizeof how);
    nn_gemm_init();
    text_encoder *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "%s: out of memory", dir);
        return NULL;
    }
    char why[1024];
    if (!clip_text_present(dir)) {
        snprintf(err, errlen, "%s: no text tower in %s (no text_model.* tensors in model.safetensors, no %s); %s",
                 name, dir, CLIP_TEXT_FILE, how);
        goto fail;
    }
    if (!(t->tok = clip_tokenizer_load(dir, why, sizeof why))) {
        snprintf(err, errlen, "%s; %s", why, how);
        goto fail;
    }
    if (clip_text_load(&t->model, dir, err, errlen)) goto fail;
    if (clip_tokenizer_vocab_size(t->tok) > t->model.cfg.vocab) {
        snprintf(err, errlen, "%s/vocab.json: %d symbols, but the text tower embeds %d; %s", dir,
                 clip_tokenizer_vocab_size(t->tok), t->model.cfg.vocab, how);
        goto fail;
    }
    if (t->model.cfg.eos_id != 2 && t->model.cfg.eos_id != clip_tokenizer_end_id(t->tok)) {
        /* the end token would never be found: every text would pool position 0, all alike */
        snprintf(err, errlen, "%s/config.json: text_config.eos_token_id %d is not vocab.json's <|endoftext|> (%d)", dir,
                 t->model.cfg.eos_id, clip_tokenizer_end_id(t->tok));
        goto fail;
    }
    switch (vit_precision(err, errlen)) {
    case VIT_F32: break;
    case VIT_BF16_IF_NATIVE: clip_text_use_bf16(&t->model, why, sizeof why); break;
    case VIT_BF16: if (clip_text_use_bf16(&t->model, err, errlen)) goto fail; break;
    default: goto fail;
    }
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (weights_sha256(path, hex, err, errlen)) goto fail;
    net_encoder_id(t->image_id, sizeof t->image_id, strchr(name, '/') ? NULL : name, "vit", hex); /* vit_encoder.c's */
    t->pool = nn_pool_create(nn_cpu_count());
    if (!t->pool || vit_state_reserve(&t->state, &t->model.cfg.blocks, 1, nn_pool_threads(t->pool))) {
        snprintf(err, errlen, "%s: out of memory or threads", dir);
        goto fail;
    }
    return t;
fail:
    text_encoder_close(t);
    return NULL;
}

void text_encoder_close(text_encoder *t)
{
    if (!t) return;
    nn_pool_destroy(t->pool);
    vit_state_free(&t->state);
    clip_text_free(&t->model);
    clip_tokenizer_free(t->tok);
    free(t);
}

const char *text_encoder_image_id(const text_encoder *t) { return t->image_id; }
int text_encoder_dim(const text_encoder *t) { return t->model.cfg.blocks.projection; }
float text_encoder_logit_scale(const text_encoder *t) { return t->model.logit_scale; }

int text_encode(text_encoder *t, const char *text, int32_t ids[CLIP_CONTEXT], float *out, char *err, size_t errlen)
{
    int32_t own[CLIP_CONTEXT];
    if (!ids) ids = own;
    if (clip_tokenize(t->tok, text, ids, err, errlen) < 0) return -1;
    clip_text_forward(&t->model, &t->state, ids, t->pool, out);
    return 0;
}

double text_cosine(const float *embedding, const float *u, int dim)
{
    double dot = 0, ss = 0;
    for (int i = 0; i < dim; i++) {
        dot += (double)embedding[i] * u[i];
        ss += (double)embedding[i] * embedding[i];
    }
    return ss > 0 ? dot / sqrt(ss) : 0;
}

int text_encode_unit(text_encoder *t, const char *text, float *out, char *err, size_t errlen)
{
    if (text_encode(t, text, NULL, out, err, errlen)) return -1;
    int dim = text_encoder_dim(t);
    double ss = 0;
    for (int i = 0; i < dim; i++) ss += (double)out[i] * out[i];
    float inv = ss > 0 ? (float)(1 / sqrt(ss)) : 0;
    for (int i = 0; i < dim; i++) out[i] *= inv;
    return 0;
}
