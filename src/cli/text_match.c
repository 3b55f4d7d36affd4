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

int text_query_open(library *lib, const char *named, text_query *q)
{
    memset(q, 0, sizeof *q);
    char err[1024];
    const char *why;
    if (cli_encoder_name(lib, named, q->name, sizeof q->name, &why)) return -1;
    if (!(q->enc = text_encoder_open(q->name, err, sizeof err))) {
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

int text_query_embed_images(library *lib, text_query *q, int no_index)
{
    char id[96];
    return cli_prepare_encoder(lib, q->name, 1, no_index, id, sizeof id) || same_space(q, q->name, id) ? -1 : 0;
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
    if (text_query_open(lib, named, &q)) return -1;
    int rc = same_space(&q, q.name, encoder_id) ? -1 : zero_shot_model(lib, q.enc, encoder_id, out, err, sizeof err);
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

int text_matches_read(library *lib, const text_query *q, char *const *paths, int n_paths, int unlabelled,
                      text_match **m, size_t *n)
{
    char **roots = cli_roots_new(paths, n_paths);
    char err[512];
    int rc = roots ? text_search(lib, q->image_id, q->vectors, q->dim, roots, n_paths, unlabelled, m, n, err, sizeof err)
                   : -1;
    if (roots && rc) cli_error("reading the library failed: %s", err);
    cli_roots_free(roots, n_paths);
    return rc;
}
