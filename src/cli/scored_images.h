/*
 * scored_images.h — the images rank and export work on, each with the model's P(delete): the
 * library's present images at or under the paths given (all when none), unlabelled ones only
 * unless asked for all.
 */
#ifndef CULL_CLI_SCORED_IMAGES_H
#define CULL_CLI_SCORED_IMAGES_H

#include <stddef.h>
#include <stdint.h>
#include "library/library.h"
#include "learn/model.h"

typedef struct {
    double p;            /* P(delete) */
    char *path;
    int label;           /* LABEL_KEEP, LABEL_DELETE or LABEL_NONE */
    int64_t image_id;
    uint8_t sha256[32];  /* its content, as indexed */
} scored_image;

/* Scores the images embedded by encoder_id (model's encoder) at or under paths (made absolute;
   n_paths 0: everywhere), labelled ones too with all. 0 with *items (library order; free with
   scored_images_free) and *n; −1 with the error printed. */
int scored_images_read(library *lib, const char *encoder_id, const cull_model *model, char *const *paths, int n_paths,
                       int all, scored_image **items, size_t *n);

void scored_images_free(scored_image *items, size_t n);

#endif
