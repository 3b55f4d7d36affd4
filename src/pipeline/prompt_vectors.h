/*
 * prompt_vectors.h — the library's prompts (library/prompts.h) as a model needs them: each with
 * its unit text vector in the space of one image encoder's embeddings. The zero-shot model scores
 * by them (zero_shot.h); a trained model takes their cosines as feature columns (learn/features.h)
 * and stores them (learn/model.h), so that scoring needs no text tower and a retrain encodes only
 * the prompts it has not met.
 */
#ifndef CULL_PIPELINE_PROMPT_VECTORS_H
#define CULL_PIPELINE_PROMPT_VECTORS_H

#include <stddef.h>

#include "encoders/text_encoder.h"
#include "learn/model.h"
#include "library/library.h"

/* Every prompt of lib, oldest first, into *out (empty first). A prompt's vector is known's when
   known (may be NULL; its dim must be t's) holds the same number with the same text, else t's
   (may be NULL while known covers every prompt). 0; 1 when a prompt needs t and t is NULL (out
   emptied); -1 with err. */
int prompt_vectors_read(library *lib, text_encoder *t, const model_prompts *known, model_prompts *out, char *err,
                        size_t errlen);

/* prompt_vectors_read, opening the text tower of encoder_name (NULL: the registry model whose
   image embeddings are encoder_id's) only when known lacks a prompt; the tower must be
   encoder_id's partner. 0 with *out (empty when lib has no prompts); 1 when lib has prompts but
   they cannot be encoded (no text tower, or one it cannot read): why says so and how to fix it;
   -1 when the library cannot be read, with why. */
int prompt_vectors_for(library *lib, const char *encoder_name, const char *encoder_id, const model_prompts *known,
                       model_prompts *out, char *why, size_t cap);

#endif
