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
#include "pipeline/text_search.h"

typedef struct {
    text_encoder *enc;
    char name[4096];    /* the encoder's name, as cli_encoder_name gives it (a folder path at most) */
    char image_id[96];  /* the image embeddings the texts compare with */
    int dim;
    float *vectors;     /* n × dim, each of unit length */
    int n;
} text_query;

/* Opens the text tower of the encoder cli_encoder_name picks for lib (named: --encoder). 0, or -1
   with the error printed: not a CLIP encoder, no text tower (with the command that adds it), ... */
int text_query_open(library *lib, const char *named, text_query *q);
/* Embeds the images the encoder lacks (cli_prepare_encoder with all; no_index: fail instead), so
   that every image can meet the texts. 0, or -1 printed. */
int text_query_embed_images(library *lib, text_query *q, int no_index);
/* Encodes text and adds its unit vector. 0, or -1 printed. */
int text_query_add(text_query *q, const char *text);
void text_query_close(text_query *q);

int text_matches_read(library *lib, const text_query *q, char *const *paths, int n_paths, int unlabelled,
                      text_match **m, size_t *n);

/* The zero-shot model of lib's prompts (learn/model.h MODEL_PROMPTS) for the images of encoder_id,
   through the text tower of the encoder named (NULL: the library's), told on stderr. 0 with *out;
   1 when the library has no prompts (nothing printed); -1 printed (one side has none, no text
   tower, ...). */
int text_zero_shot(library *lib, const char *named, const char *encoder_id, cull_model *out);

#endif
