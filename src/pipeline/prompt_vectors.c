/*
 * prompt_vectors.c — the prompts with their text vectors (prompt_vectors.h).
 */
#include "pipeline/prompt_vectors.h"

#include <math.h>
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
    char *why;            /* the prompts left out, and why */
    size_t cap;
    int left_out;
    int failed;           /* out of memory */
} reading;

/* known's vector k, when it is one a model of these embeddings can hold: unit length. */
static const float *known_vector(const model_prompts *known, int k)
{
    const float *u = known->u + (size_t)k * (size_t)known->dim;
    double ss = 0;
    for (int i = 0; i < known->dim; i++) ss += (double)u[i] * u[i];
    return fabs(ss - 1) < 1e-3 ? u : NULL;
}

static void leave_out(reading *r, int64_t id, const char *reason)
{
    size_t used = strlen(r->why);
    snprintf(r->why + used, r->cap - used, "%sprompt %lld%s%s", r->left_out ? (reason[0] ? "; " : ", ") : "",
             (long long)id, reason[0] ? ": " : "", reason);
    r->left_out++;
}

static void add_prompt(const library_prompt *p, void *ctx)
{
    reading *r = ctx;
    if (r->failed) return;
    int k = r->known ? model_prompts_find(r->known, p->id, p->text) : -1;
    const float *u = k >= 0 ? known_vector(r->known, k) : NULL;
    char why[512] = "";
    if (!u && (!r->t || text_encode_unit(r->t, p->text, r->u, why, sizeof why))) {
        leave_out(r, p->id, why);
        return;
    }
    if (model_prompts_add(r->out, p->id, p->label, p->text, u ? u : r->u)) r->failed = 1;
}

int prompt_vectors_read(library *lib, text_encoder *t, const model_prompts *known, int dim, model_prompts *out,
                        char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->dim = dim;
    if (known && known->dim != dim) known = NULL;   /* another space: none of its vectors fit */
    err[0] = 0;
    reading r = {t, known, out, malloc(sizeof(float) * (size_t)(dim + 1)), err, errlen, 0, 0};
    if (!r.u) r.failed = 1;
    else if (library_each_prompt(lib, add_prompt, &r)) {
        snprintf(err, errlen, "reading the prompts: %s", library_error(lib));
        r.failed = 2;
    }
    free(r.u);
    if (r.failed == 1) snprintf(err, errlen, "out of memory");
    if (r.failed) model_prompts_free(out);
    return r.failed ? -1 : r.left_out;
}

int prompt_vectors_for(library *lib, const char *encoder_name, const char *encoder_id, int dim,
                       const model_prompts *known, model_prompts *out, char *why, size_t cap)
{
    char missing[512], err[1024];
    int n = prompt_vectors_read(lib, NULL, known, dim, out, missing, sizeof missing);
    if (n <= 0) {
        if (n < 0) snprintf(why, cap, "%s", missing);
        return n;
    }
    const char *name = encoder_name ? encoder_name : encoder_name_of_id(encoder_id);
    text_encoder *t = NULL;
    if (!name)
        snprintf(err, sizeof err, "no text tower known for the encoder %s (name its CLIP model folder with --encoder)",
                 encoder_id);
    else if (!(t = text_encoder_open(name, err, sizeof err)))
        ;
    else if (strcmp(text_encoder_image_id(t), encoder_id))
        snprintf(err, sizeof err, "%s: its text tower's images are %s, not %s (the model folder changed?)", name,
                 text_encoder_image_id(t), encoder_id);
    else if (text_encoder_dim(t) != dim)
        snprintf(err, sizeof err, "%s: its text tower's vectors have %d floats, the images' %d", name,
                 text_encoder_dim(t), dim);
    else {
        model_prompts_free(out);
        n = prompt_vectors_read(lib, t, known, dim, out, why, cap);
        text_encoder_close(t);
        return n < 0 ? -1 : n > 0;
    }
    text_encoder_close(t);
    snprintf(why, cap, "%s (no vector yet: %s)", missing, err);
    return 1;
}
