/*
 * zero_shot.h — ranking before there are labels: the library's prompts (library/prompts.h) through
 * a CLIP text tower become a MODEL_PROMPTS model (learn/model.h), which scores images like a
 * trained one. Used by rank (through cli/) and the review page while there are too few labels.
 */
#ifndef CULL_PIPELINE_ZERO_SHOT_H
#define CULL_PIPELINE_ZERO_SHOT_H

#include <stddef.h>

#include "encoders/text_encoder.h"
#include "learn/model.h"
#include "library/library.h"

/* How many keep and delete prompts lib holds (sides[0] keep, sides[1] delete). 0, or -1 with err. */
int zero_shot_sides(library *lib, int sides[2], char *err, size_t errlen);

/* The zero-shot model of lib's prompts for the image embeddings of encoder_id through t, which must
   be that encoder's text tower (text_encoder_image_id). 0 with *out; 1 when the prompts lack a side
   (or there are none: zero_shot_sides tells); -1 with err (a prompt that cannot be encoded among them). */
int zero_shot_model(library *lib, text_encoder *t, const char *encoder_id, cull_model *out, char *err, size_t errlen);

/* zero_shot_model of prompts already encoded (prompt_vectors.h) by t, copied into *out: for a
   caller that keeps the vectors too. Same returns. */
int zero_shot_from(text_encoder *t, const char *encoder_id, const model_prompts *p, cull_model *out, char *err,
                   size_t errlen);

#endif
