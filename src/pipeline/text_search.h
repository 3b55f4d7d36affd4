/*
 * text_search.h — the library's images by their cosine with a sentence's unit vector (`cull
 * search`): two passes, no join: every embedding of the encoder (vector only, by image id), then
 * every present path, kept when its image has a cosine. The cosine belongs to the image; each of
 * its present paths is listed with it.
 */
#ifndef CULL_PIPELINE_TEXT_SEARCH_H
#define CULL_PIPELINE_TEXT_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "library/library.h"

typedef struct {
    double cosine;
    char *path;
    int label;          /* LABEL_KEEP, LABEL_DELETE or LABEL_NONE */
    int64_t image_id;
} text_match;

/* Every present path at or under roots (absolute; all when n_roots is 0; unlabelled images only
   with unlabelled) whose image encoder_id embedded, with its cosine with u (dim floats, unit
   length), in no particular order. 0 with *m (free with text_matches_free) and *n; -1 with err. */
int text_search(library *lib, const char *encoder_id, const float *u, int dim, char *const *roots, int n_roots,
                int unlabelled, text_match **m, size_t *n, char *err, size_t errlen);
void text_matches_free(text_match *m, size_t n);

/* The first pass alone: every image encoder_id embedded, by id ascending (*ids), with its cosine
   with u (*cos), *n of them (free both). 0, or -1 with err. */
int text_cosines(library *lib, const char *encoder_id, const float *u, int dim, int64_t **ids, double **cos,
                 size_t *n, char *err, size_t errlen);

#endif
