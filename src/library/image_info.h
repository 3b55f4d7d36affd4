/*
 * image_info.h — one image by id: its metadata, its label and where the label came from, and the
 * present files that hold it (the review page's facts and thumbnails; import's check that a
 * label was set in cull).
 * Same conventions as library.h: 0 on success, -1 on error with the reason in library_error().
 */
#ifndef CULL_LIBRARY_IMAGE_INFO_H
#define CULL_LIBRARY_IMAGE_INFO_H

#include <stdint.h>
#include "library/library.h"

typedef struct {
    int64_t id;
    uint8_t sha256[32];
    image_meta meta;
    int label;                 /* LABEL_KEEP, LABEL_DELETE or LABEL_NONE */
    char label_source[16];     /* "cli", "folder", "review", or "" when unlabelled */
} library_image;

/* Returns 1 found, 0 no such image, -1 error. */
int library_image_get(library *lib, int64_t id, library_image *out);

/* Each present path of image id with its stamp as indexed, lowest path first. */
typedef int (*library_image_file_fn)(const char *path, const file_stamp *st, void *ctx);   /* non-zero stops */
int library_image_files(library *lib, int64_t id, library_image_file_fn fn, void *ctx);

#endif
