/*
 * zero_shot.c — the prompts' model (zero_shot.h).
 */
#include "pipeline/zero_shot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "library/prompts.h"
#include "pipeline/prompt_vectors.h"

static void count_prompt(const library_prompt *p, void *ctx)
{
    ((int *)ctx)[p->label != LABEL_KEEP]++;
}

int zero_shot_sides(library *lib, int sides[2], char *err, size_t errlen)
{
    sides[0] = sides[1] = 0;
    if (library_each_prompt(lib, count_prompt, sides) == 0) return 0;
    snprintf(err, errlen, "reading the prompts: %s", library_error(lib));
    return -1;
}

/* 0 when t is the text tower of encoder_id's images, else -1 with err. */
static int same_space(text_encoder *t, const char *encoder_id, char *err, size_t errlen)
{
    if (strcmp(text_encoder_image_id(t), encoder_id) == 0) return 0;
    snprintf(err, errlen, "the images' encoder %s and the text tower's %s differ", encoder_id, text_encoder_image_id(t));
    return -1;
}

int zero_shot_model(library *lib, text_encoder *t, const char *encoder_id, cull_model *out, char *err, size_t errlen)
{
    int sides[2];
    if (zero_shot_sides(lib, sides, err, errlen)) return -1;
    if (!sides[0] || !sides[1]) return 1;
    if (same_space(t, encoder_id, err, errlen)) return -1;
    model_prompts p;
    int left_out = prompt_vectors_read(lib, t, NULL, text_encoder_dim(t), &p, err, errlen);
    if (left_out > 0) model_prompts_free(&p);
    if (left_out) return -1;
    cull_model_zero_shot(out, encoder_id, &p, text_encoder_logit_scale(t));
    return 0;
}

int zero_shot_from(text_encoder *t, const char *encoder_id, const model_prompts *p, cull_model *out, char *err,
                   size_t errlen)
{
    int sides[2] = {0, 0};
    for (int k = 0; k < p->n; k++) sides[p->label[k] != LABEL_KEEP]++;
    if (!sides[0] || !sides[1]) return 1;
    if (same_space(t, encoder_id, err, errlen)) return -1;
    model_prompts copy = {.dim = p->dim};
    for (int k = 0; k < p->n; k++)
        if (model_prompts_add(&copy, p->id[k], p->label[k], p->text[k], p->u + (size_t)k * (size_t)p->dim)) {
            model_prompts_free(&copy);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    cull_model_zero_shot(out, encoder_id, &copy, text_encoder_logit_scale(t));
    return 0;
}
