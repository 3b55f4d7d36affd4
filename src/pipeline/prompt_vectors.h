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

/* Every prompt of lib, oldest first, into *out (emptied first; vectors of dim floats). A prompt's
   vector is known's (may be NULL) when known holds the same number with the same text and a
   vector of unit length in dim floats; else t's (may be NULL). A prompt that gets neither is left
   out, and err names it (and t's reason). The number left out, or -1 with err (the library cannot
   be read, out of memory). */
int prompt_vectors_read(library *lib, text_encoder *t, const model_prompts *known, int dim, model_prompts *out,
                        char *err, size_t errlen);

/* prompt_vectors_read, opening the text tower of encoder_name (NULL: the registry model whose
   image embeddings are encoder_id's) only when known lacks a prompt; the tower must be
   encoder_id's partner, with dim-float vectors. 0 with every prompt in *out (none when lib has
   none); 1 when some or all are left out (out holds the rest): why names them and says why (no
   text tower, one it cannot read, a prompt it cannot encode) and how to fix it; -1 with why. */
int prompt_vectors_for(library *lib, const char *encoder_name, const char *encoder_id, int dim,
                       const model_prompts *known, model_prompts *out, char *why, size_t cap);

#endif
