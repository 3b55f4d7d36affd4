/*
 * text_match.h — sentences against the library's images: the text side of search and prompts.
 *
 * A text_query holds a CLIP encoder's text tower and the unit vectors of the texts added to it; it
 * is opened for the encoder the library uses (or the one named), after making sure every image
 * has that encoder's embedding (as rank does), so that the texts and the stored image vectors
 * share one space. text_matches_read then scores the library's present images against the query.
 */
#ifndef CULL_CLI_TEXT_MATCH_H
#define CULL_CLI_TEXT_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "encoders/text_encoder.h"
#include "learn/model.h"
#include "library/library.h"

typedef struct {
    text_encoder *enc;
    char image_id[96];  /* the image embeddings the texts compare with */
    int dim;
    float *vectors;     /* n × dim, each of unit length */
    int n;
} text_query;

/* Opens the text tower of the encoder cli_encoder_name picks for lib (named: --encoder), then embeds
   the images it lacks (cli_prepare_encoder with all; no_index: fail instead). 0, or -1 with the
   error printed: not a CLIP encoder, no text tower (with the command that adds it), ... */
int text_query_open(library *lib, const char *named, int no_index, text_query *q);
/* Encodes text and adds its unit vector. 0, or -1 printed. */
int text_query_add(text_query *q, const char *text);
void text_query_close(text_query *q);

typedef struct {
    double cosine;      /* with the query's first text */
    char *path;
    int label;          /* LABEL_KEEP, LABEL_DELETE or LABEL_NONE */
    int64_t image_id;
} text_match;

/* Every present image at or under paths (all when n_paths is 0; unlabelled ones only with
   unlabelled), library order, with its cosine. 0 with *m (free with text_matches_free) and *n; -1
   printed. */
int text_matches_read(library *lib, const text_query *q, char *const *paths, int n_paths, int unlabelled,
                      text_match **m, size_t *n);
void text_matches_free(text_match *m, size_t n);

/* The zero-shot model of lib's prompts (learn/model.h MODEL_PROMPTS) for the images of encoder_id,
   through the text tower of the encoder named (NULL: the library's), told on stderr. 0 with *out;
   1 when the library has no prompts (nothing printed); -1 printed (one side has none, no text
   tower, ...). */
int text_zero_shot(library *lib, const char *named, const char *encoder_id, cull_model *out);

#endif
