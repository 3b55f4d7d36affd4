/*
 * prompt_vectors.c — the prompts with their text vectors (prompt_vectors.h).
 */
#include "pipeline/prompt_vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoders/encoder.h"
#include "library/prompts.h"

typedef struct {
    text_encoder *t;
    const model_prompts *known;
    model_prompts *out;
    float *u;             /* one vector's room */
    char *err;
    size_t errlen;
    int rc;
} reading;

static void add_prompt(const library_prompt *p, void *ctx)
{
    reading *r = ctx;
    if (r->rc) return;
    int k = r->known ? model_prompts_find(r->known, p->id, p->text) : -1;
    const float *u = k >= 0 ? r->known->u + (size_t)k * (size_t)r->out->dim : r->u;
    char why[512];
    if (k < 0 && !r->t) {
        r->rc = 1;
        return;
    }
    if (k < 0 && text_encode_unit(r->t, p->text, r->u, why, sizeof why)) {
        snprintf(r->err, r->errlen, "prompt %lld: %s", (long long)p->id, why);
        r->rc = -1;
        return;
    }
    if (model_prompts_add(r->out, p->id, p->label, p->text, u)) {
        snprintf(r->err, r->errlen, "out of memory");
        r->rc = -1;
    }
}

int prompt_vectors_read(library *lib, text_encoder *t, const model_prompts *known, model_prompts *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->dim = t ? text_encoder_dim(t) : known ? known->dim : 0;
    if (known && known->dim != out->dim) known = NULL;
    reading r = {t, known, out, malloc(sizeof(float) * (size_t)(out->dim + 1)), err, errlen, 0};
    if (!r.u) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (library_each_prompt(lib, add_prompt, &r)) {
        snprintf(err, errlen, "reading the prompts: %s", library_error(lib));
        r.rc = -1;
    }
    free(r.u);
    if (r.rc) model_prompts_free(out);
    return r.rc;
}

int prompt_vectors_for(library *lib, const char *encoder_name, const char *encoder_id, const model_prompts *known,
                       model_prompts *out, char *why, size_t cap)
{
    int rc = prompt_vectors_read(lib, NULL, known, out, why, cap);
    if (rc != 1) return rc;
    const char *name = encoder_name ? encoder_name : encoder_name_of_id(encoder_id);
    if (!name) {
        snprintf(why, cap, "no text tower known for the encoder %s (name its CLIP model folder with --encoder)",
                 encoder_id);
        return 1;
    }
    char err[1024];
    text_encoder *t = text_encoder_open(name, err, sizeof err);
    if (!t) {
        snprintf(why, cap, "%s", err);
        return 1;
    }
    if (strcmp(text_encoder_image_id(t), encoder_id)) {
        snprintf(why, cap, "%s: its text tower's images are %s, not %s (the model folder changed?)", name,
                 text_encoder_image_id(t), encoder_id);
        rc = 1;
    } else if (prompt_vectors_read(lib, t, known, out, why, cap)) {
        rc = 1;   /* a prompt the tower cannot read leaves them out; why names it */
    } else {
        rc = 0;
    }
    text_encoder_close(t);
    return rc;
}
