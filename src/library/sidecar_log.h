/*
 * sidecar_log.h — the library's append-only log of XMP sidecar writes (`cull export xmp`, and
 * `cull undo` taking them back).
 *
 * A write is logged before it happens ("planned": the sidecar's bytes before, or that there was
 * none, and the SHA-256 of the bytes that replace them) and after ("written", "failed",
 * "restored", "kept" when the user changed the sidecar since and undo left it, "aborted"). A
 * sidecar's state within a batch is its last event, so a run killed between the two entries is
 * found and settled by the next export or undo. Batches share one sequence with the action log
 * (library_new_batch in actions.h).
 */
#ifndef CULL_LIBRARY_SIDECAR_LOG_H
#define CULL_LIBRARY_SIDECAR_LOG_H

#include <stddef.h>
#include <stdint.h>
#include "library/library.h"

typedef struct {
    int64_t batch;
    const char *path;          /* the sidecar */
    int existed;               /* 0: the write created it */
    const void *before;        /* its bytes before the write (existed only) */
    size_t before_len;
    uint8_t after_sha256[32];  /* what the write put there */
    const char *event;         /* the last event (library_each_last_sidecar) */
} library_sidecar;

typedef int (*library_sidecar_fn)(const library_sidecar *s, void *ctx);   /* non-zero stops */

/* Logs an event of s's sidecar; "planned" also records existed, before and after_sha256. */
int library_log_sidecar(library *lib, const library_sidecar *s, const char *event, const char *detail);

/* Each sidecar of batch (batch < 0: of every batch) with its last event, and what its
   "planned" row recorded; oldest first. Pointers are valid during the callback only. */
int library_each_last_sidecar(library *lib, int64_t batch, library_sidecar_fn fn, void *ctx);

/* The newest batch that has a sidecar still as cull wrote it (last event "written"); 0 when none. */
int64_t library_last_exported_batch(library *lib);

#endif
