/*
 * sidecar.h — writing XMP sidecars for `cull export xmp`, and `cull undo` taking the writes back
 * byte for byte, through the library's sidecar log (library/sidecar_log.h).
 *
 * A write is atomic: the new bytes go to a temporary file beside the sidecar (NAME.cull-new), are
 * fsynced and renamed over the sidecar (a new sidecar: renamed only if the name is still free),
 * then the folder is fsynced. Before the rename the sidecar is read again, and a write is refused when it
 * changed since it was read (the user's tool wrote it meanwhile). The old bytes are in the log
 * before the write starts, so no kill loses them.
 *
 * Undo restores each sidecar of the newest export that is still exactly as cull wrote it: the
 * bytes it had come back (a file cull created is removed: it held only what cull wrote). One
 * changed or removed since is the user's now: left as it is, and named.
 */
#ifndef CULL_SAFETY_SIDECAR_H
#define CULL_SAFETY_SIDECAR_H

#include <stddef.h>
#include <stdint.h>
#include "library/library.h"
#include "safety/apply.h"

/* Replaces the sidecar at path, which held before (before_len bytes; existed 0: was not there),
   by data, logged under batch. 0; −1 with the reason in err (nothing changed on disk, unless the
   library failed after the rename: then err says so). */
int sidecar_write(library *lib, int64_t batch, const char *path, int existed, const void *before, size_t before_len,
                  const void *data, size_t len, char *err, size_t errlen);

/* Reads a sidecar cull may write: 1 with *data (free it) and *len; 0 when there is none; −1 with
   the reason in err (not a regular file, over XMP's size limit, unreadable). */
int sidecar_read(const char *path, char **data, size_t *len, char *err, size_t errlen);

/* Settles writes a killed export left "planned": "written" when the sidecar holds the new bytes,
   else "aborted"; the temporary file such a write may have left is removed. The number settled, or −1 when the library failed. */
int sidecar_reconcile(library *lib);

/* Takes back the newest export (s->batch; 0 when no export has sidecars as it wrote them). With
   dry_run, hands each sidecar it would restore to each (bytes: its size before, 0 for one it
   would remove) and changes nothing. s->files counts the sidecars restored, s->failed those left
   (named on stderr). 0, or −1 when the library failed. */
int sidecar_undo(library *lib, int dry_run, apply_item_fn each, void *ctx, apply_summary *s);

#endif
