/*
 * assets.h — the page's HTML, CSS and JavaScript (src/review/assets/), built into the binary:
 * the Makefile turns each file into a byte array in a generated C file (review_assets.c).
 */
#ifndef CULL_REVIEW_ASSETS_H
#define CULL_REVIEW_ASSETS_H

#include <stddef.h>

typedef struct {
    const char *name;              /* file name, e.g. "app.js" */
    const unsigned char *data;
    size_t len;
} review_asset;

extern const review_asset review_assets[];   /* generated; ends with a NULL name */

/* The asset called name, or NULL. */
const review_asset *review_asset_find(const char *name);
/* Content-Type from the name's extension. */
const char *review_asset_type(const char *name);

#endif
