/*
 * coverage.h — which images an encoder's embeddings cover, and where the bytes of the others can
 * still be read: what a switch of encoder (or a command that needs embeddings) has to make.
 *
 * An image's bytes may be at a path the library knows is present, or — for a file `cull apply`
 * moved — in the Trash, where the action log says it went. Those are read in place and never
 * moved back. An image with neither is gone: it keeps teaching only models of an encoder that
 * embedded it while its bytes were there.
 */
#ifndef CULL_LIBRARY_COVERAGE_H
#define CULL_LIBRARY_COVERAGE_H

#include <stdint.h>
#include "library/library.h"

/* One image without an embedding from the encoder asked about. */
typedef struct {
    int64_t image_id;
    uint8_t sha256[32];
    int labelled;
    const char *path;        /* a present path, or NULL; valid during the callback only */
    const char *trash_path;  /* where apply moved a copy, or NULL */
    const char *last_path;   /* the path it was last seen at (for naming it), or NULL */
} library_missing;
typedef int (*library_missing_fn)(const library_missing *m, void *ctx);   /* non-zero stops */

/* Where m's bytes can be read now: its present path if that exists, else its Trash copy if that
   exists; NULL when they are gone everywhere. */
const char *library_missing_source(const library_missing *m);

/* Images that encoder_id has not embedded: every labelled one, and with all also every unlabelled
   one that has a present path (what rank, review and dupes show). Labelled ones first. */
int library_each_missing(library *lib, const char *encoder_id, int all, library_missing_fn fn, void *ctx);

/* How many labelled images encoder_id has embedded, and how many there are. */
int library_labelled_coverage(library *lib, const char *encoder_id, int64_t *embedded, int64_t *labelled);

/* The encoder id of the newest model: 1 found, 0 no model yet, -1 error. */
int library_newest_model_encoder(library *lib, char *encoder_id, size_t cap);

#endif
