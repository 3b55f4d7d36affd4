/*
 * xmp_log.h — the library's append-only log of XMP writes (`cull export xmp`, and `cull undo`
 * taking them back): into sidecars, and with --embedded into image files.
 *
 * A write is logged before it happens ("planned", with what undoing it needs; a write into an
 * image first logs "preparing", before its temporary copy exists) and after ("written", "failed",
 * "aborted"); undo logs "restoring" before it touches a file, then "restored", "written" again
 * when it failed, or "kept" when the user changed the file since and undo left it. A file's state within a batch is its last event, so a run killed between the two
 * entries is found and settled by the next export or undo. Batches share one sequence with the
 * action log (library_new_batch in actions.h).
 */
#ifndef CULL_LIBRARY_XMP_LOG_H
#define CULL_LIBRARY_XMP_LOG_H

#include <stddef.h>
#include <stdint.h>
#include "library/library.h"

typedef struct {
    int64_t batch;
    const char *path;           /* the sidecar, or the image (embedded) */
    int embedded;               /* 1: the packet inside the image at path */
    int existed;                /* a sidecar: 0 when the write created it */
    const void *before;         /* a sidecar's bytes before the write (existed only) */
    size_t before_len;
    uint8_t before_sha256[32];  /* embedded: the image's content before */
    uint8_t after_sha256[32];   /* what the write put there */
    const char *trash_path, *info_path;   /* embedded: where the image before waits ("" else) */
    const char *event;          /* the last event (library_each_last_xmp_write) */
} library_xmp_write;

typedef int (*library_xmp_write_fn)(const library_xmp_write *w, void *ctx);   /* non-zero stops */

/* Logs an event of w's file; "planned" also records everything else in w ("preparing": path,
   embedded and before_sha256). */
int library_log_xmp_write(library *lib, const library_xmp_write *w, const char *event, const char *detail);

/* Each file of batch (batch < 0: of every batch) with its last event and what its "planned" (or,
   before that, "preparing": after_sha256 zero) row recorded; oldest first. Pointers are valid during the callback only. */
int library_each_last_xmp_write(library *lib, int64_t batch, library_xmp_write_fn fn, void *ctx);

/* The newest batch that has a file still as cull wrote it (last event "written"); 0 when none. */
int64_t library_last_exported_batch(library *lib);

#endif
