/*
 * review_queries.h — what `cull review` asks the library beyond library.h: one image by id with
 * its metadata and label, and the present files that hold it (to make a thumbnail from).
 * Same conventions as library.h: 0 on success, -1 on error with the reason in library_error().
 */
#ifndef CULL_LIBRARY_REVIEW_QUERIES_H
#define CULL_LIBRARY_REVIEW_QUERIES_H

#include <stdint.h>
#include "library/library.h"

typedef struct {
    int64_t id;
    uint8_t sha256[32];
    image_meta meta;
    int label;                 /* LABEL_KEEP, LABEL_DELETE or LABEL_NONE */
    char label_source[16];     /* "cli", "folder", "review", or "" when unlabelled */
} review_image;

/* Returns 1 found, 0 no such image, -1 error. */
int review_image_get(library *lib, int64_t id, review_image *out);

/* Each present path of image id with its stamp as indexed, lowest path first. */
typedef int (*review_file_fn)(const char *path, const file_stamp *st, void *ctx);   /* non-zero stops */
int review_image_files(library *lib, int64_t id, review_file_fn fn, void *ctx);

#endif
