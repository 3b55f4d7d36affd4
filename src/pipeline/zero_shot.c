/*
 * zero_shot.c — the prompts' model (zero_shot.h).
 */
#include "pipeline/zero_shot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "library/prompts.h"

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

typedef struct {
    text_encoder *t;
    int dim, n, cap;
    float *u;
    int *labels;
    char *err;
    size_t errlen;
    int failed;
} encoding;

static void encode_prompt(const library_prompt *p, void *ctx)
{
    encoding *e = ctx;
    if (e->failed) return;
    if (e->n == e->cap) {
        int cap = e->cap ? 2 * e->cap : 16;
        float *u = realloc(e->u, sizeof(float) * (size_t)cap * (size_t)e->dim);
        if (u) e->u = u;
        int *l = realloc(e->labels, sizeof(int) * (size_t)cap);
        if (l) e->labels = l;
        if (!u || !l) {
            snprintf(e->err, e->errlen, "out of memory");
            e->failed = 1;
            return;
        }
        e->cap = cap;
    }
    char why[512];
    if (text_encode_unit(e->t, p->text, e->u + (size_t)e->n * (size_t)e->dim, why, sizeof why)) {
        snprintf(e->err, e->errlen, "prompt %lld: %s", (long long)p->id, why);
        e->failed = 1;
        return;
    }
    e->labels[e->n++] = p->label;
}

int zero_shot_model(library *lib, text_encoder *t, const char *encoder_id, cull_model *out, char *err, size_t errlen)
{
    int sides[2];
    if (zero_shot_sides(lib, sides, err, errlen)) return -1;
    if (!sides[0] || !sides[1]) return 1;
    if (strcmp(text_encoder_image_id(t), encoder_id)) {
        snprintf(err, errlen, "the images' encoder %s and the text tower's %s differ", encoder_id,
                 text_encoder_image_id(t));
        return -1;
    }
    encoding e = {t, text_encoder_dim(t), 0, 0, NULL, NULL, err, errlen, 0};
    int rc = library_each_prompt(lib, encode_prompt, &e);
    if (rc) snprintf(err, errlen, "reading the prompts: %s", library_error(lib));
    if (!rc && !e.failed && cull_model_zero_shot(out, encoder_id, e.dim, e.u, e.labels, e.n, text_encoder_logit_scale(t))) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    free(e.u);
    free(e.labels);
    return rc || e.failed ? -1 : 0;
}
