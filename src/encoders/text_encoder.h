/*
 * text_encoder.h — the text side of a CLIP encoder: a sentence becomes a vector comparable with the
 * image embeddings that encoder stores (cosine similarity), for `cull embed --text`, `cull search`
 * and prompts.
 *
 * Opened by the image encoder's name, as encoder_open resolves it: a registry name of a CLIP model
 * (its folder in the models folder) or a model folder. It needs the folder's tokenizer files
 * (clip_tokenizer.h) and text tower (clip_text.h); an encoder without one (lite, mobilenet, a
 * vision-only install) is refused with the command that adds it. Precision as the vision tower's
 * (CULL_PRECISION, vit.h). One prompt runs at a time, each step across one thread per core.
 */
#ifndef CULL_ENCODERS_TEXT_ENCODER_H
#define CULL_ENCODERS_TEXT_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "encoders/clip_tokenizer.h"

typedef struct text_encoder text_encoder;

/* NULL picks the default encoder, as encoder_open does. NULL with a reason naming what is missing
   and how to get it. */
text_encoder *text_encoder_open(const char *name, char *err, size_t errlen);
void text_encoder_close(text_encoder *t);

/* The id of the image embeddings this text tower's vectors compare with (the image encoder's id:
   "clip-vit-b32-…", "vit-…"). */
const char *text_encoder_image_id(const text_encoder *t);
/* Floats per vector: the projection dimension, the image embeddings' too. */
int text_encoder_dim(const text_encoder *t);
/* The multiplier of cosines in CLIP's softmax (exp(logit_scale), 100 for OpenAI's checkpoints). */
float text_encoder_logit_scale(const text_encoder *t);

/* text's token ids (ids may be NULL) and its vector (text_encoder_dim floats, not normalised).
   0, or -1 with a reason (not UTF-8, too long). */
int text_encode(text_encoder *t, const char *text, int32_t ids[CLIP_CONTEXT], float *out, char *err, size_t errlen);

/* The cosine of a stored image embedding (dim floats, any length) with a unit vector u. */
double text_cosine(const float *embedding, const float *u, int dim);

/* text_encode's vector scaled to unit length (a zero vector stays zero). */
int text_encode_unit(text_encoder *t, const char *text, float *out, char *err, size_t errlen);

#endif
