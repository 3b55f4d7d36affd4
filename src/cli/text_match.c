/*
 * text_match.c — see text_match.h.
 */
#include "cli/text_match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "encoders/encoder.h"
#include "pipeline/zero_shot.h"
#include "util/fsutil.h"

/* The text tower of the encoder cli_encoder_name picks (its name in name), without embedding
   anything. 0, or -1 printed. */
static int query_start(library *lib, const char *named, text_query *q, char *name, size_t cap)
{
    memset(q, 0, sizeof *q);
    char err[1024];
    const char *why;
    if (cli_encoder_name(lib, named, name, cap, &why)) return -1;
    if (!(q->enc = text_encoder_open(name, err, sizeof err))) {
        cli_error("%s%s%s%s", err, named ? "" : " (the library's encoder: ", named ? "" : why,
                  named ? "" : "; another one: --encoder NAME)");
        return -1;
    }
    q->dim = text_encoder_dim(q->enc);
    snprintf(q->image_id, sizeof q->image_id, "%s", text_encoder_image_id(q->enc));
    return 0;
}

/* The image embeddings of id are the text tower's partners; else -1 printed. */
static int same_space(const text_query *q, const char *name, const char *id)
{
    if (strcmp(id, q->image_id) == 0) return 0;
    cli_error("%s: the images' encoder %s and the text tower's %s differ (the model folder changed?)", name, id,
              q->image_id);
    return -1;
}

int text_query_open(library *lib, const char *named, int no_index, text_query *q)
{
    char name[256], id[96];
    if (query_start(lib, named, q, name, sizeof name)) return -1;
    if (cli_prepare_encoder(lib, name, 1, no_index, id, sizeof id) || same_space(q, name, id)) {
        text_query_close(q);
        return -1;
    }
    return 0;
}

int text_zero_shot(library *lib, const char *named, const char *encoder_id, cull_model *out)
{
    int sides[2];
    char err[1024] = "";
    if (zero_shot_sides(lib, sides, err, sizeof err)) {
        cli_error("%s", err);
        return -1;
    }
    if (sides[0] + sides[1] == 0) return 1;
    if (!sides[0] || !sides[1]) {
        cli_error("too few labels to train, and your %d prompt%s say only what you %s: zero-shot scoring weighs a"
                  " keep prompt against a delete prompt (cull prompt add %s TEXT)", sides[0] + sides[1],
                  sides[0] + sides[1] == 1 ? "" : "s", sides[0] ? "keep" : "delete", sides[0] ? "delete" : "keep");
        return -1;
    }
    text_query q;
    char name[256];
    if (query_start(lib, named, &q, name, sizeof name)) return -1;
    int rc = same_space(&q, name, encoder_id) ? -1 : zero_shot_model(lib, q.enc, encoder_id, out, err, sizeof err);
    if (rc > 0 || (rc < 0 && err[0])) cli_error("%s", err);
    if (rc == 0)
        fprintf(stderr, "cull: too few labels to train: scoring by your %d keep and %d delete prompts instead (zero-shot:"
                " CLIP's softmax of %.0f × cosine, best keep prompt against best delete prompt)\n", sides[0], sides[1],
                out->logit_scale);
    text_query_close(&q);
    return rc ? -1 : 0;
}

int text_query_add(text_query *q, const char *text)
{
    float *grown = realloc(q->vectors, sizeof(float) * (size_t)(q->n + 1) * (size_t)q->dim);
    if (!grown) {
        cli_error("out of memory");
        return -1;
    }
    q->vectors = grown;
    char err[512];
    if (text_encode_unit(q->enc, text, grown + (size_t)q->n * (size_t)q->dim, err, sizeof err)) {
        cli_error("'%.60s': %s", text, err);
        return -1;
    }
    q->n++;
    return 0;
}

void text_query_close(text_query *q)
{
    text_encoder_close(q->enc);
    free(q->vectors);
    memset(q, 0, sizeof *q);
}

typedef struct {
    const text_query *q;
    char **roots;
    int n_roots, unlabelled;
    text_match *m;
    size_t n, cap;
} reading;

static int add_row(const library_row *row, void *ctx)
{
    reading *r = ctx;
    if (!row->path || (r->unlabelled && row->label != LABEL_NONE) || row->dim != r->q->dim) return 0;
    if (!cli_roots_hold(r->roots, r->n_roots, row->path)) return 0;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        text_match *grown = realloc(r->m, r->cap * sizeof *grown);
        if (!grown) return 1;
        r->m = grown;
    }
    char *path = strdup(row->path);
    if (!path) return 1;
    r->m[r->n++] = (text_match){text_cosine(row->embedding, r->q->vectors, row->dim), path, row->label, row->image_id};
    return 0;
}

int text_matches_read(library *lib, const text_query *q, char *const *paths, int n_paths, int unlabelled,
                      text_match **m, size_t *n)
{
    reading r = {q, cli_roots_new(paths, n_paths), n_paths, unlabelled, NULL, 0, 0};
    int rc = r.roots ? 0 : -1;
    if (rc == 0 && library_each_row(lib, q->image_id, 1, add_row, &r)) {
        cli_error("reading the library failed: %s", library_error(lib)[0] ? library_error(lib) : "out of memory");
        rc = -1;
    }
    cli_roots_free(r.roots, n_paths);
    if (rc) {
        text_matches_free(r.m, r.n);
        r.m = NULL, r.n = 0;
    }
    *m = r.m, *n = r.n;
    return rc;
}

void text_matches_free(text_match *m, size_t n)
{
    for (size_t i = 0; i < n; i++) free(m[i].path);
    free(m);
}
