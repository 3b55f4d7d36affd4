/*
 * xmp_write.h — writing XMP for `cull export xmp`, into sidecars and (--embedded) into image
 * files, and `cull undo` taking the writes back byte for byte, through the library's XMP write
 * log (library/xmp_log.h).
 *
 * A sidecar write is atomic: the new bytes go to a temporary file beside the sidecar
 * (NAME.cull-new), are fsynced and renamed over the sidecar (a new sidecar: renamed only if the
 * name is still free), then the folder is fsynced. Before the rename the sidecar is read again,
 * and a write is refused when it changed since it was read (the user's tool wrote it meanwhile).
 * The old bytes are in the log before the write starts, so no kill loses them.
 *
 * A write into an image works on a copy (NAME.cull-new, checked against the content the library
 * indexed while it is copied), into which exempi puts the packet. The image as it was then goes
 * to the Trash, verified, as `cull apply` moves files (so its bytes are kept, not in the library,
 * and a file manager can restore it too), and the copy takes its name. The library follows the
 * new content (library_content_rewritten): same picture, same embeddings.
 *
 * Undo takes back each file of the newest export that is still exactly as cull wrote it: a
 * sidecar gets its bytes back (one cull created is removed: it held only what cull wrote); an
 * image comes back from the Trash (cull's version, verified, is removed). A file changed or
 * removed since is the user's now: left as it is, and named.
 */
#ifndef CULL_SAFETY_XMP_WRITE_H
#define CULL_SAFETY_XMP_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include "library/library.h"
#include "safety/apply.h"

/* Replaces the sidecar at path, which held before (before_len bytes; existed 0: was not there),
   by data, logged under batch. 0; −1 with the reason in err (nothing changed on disk, unless the
   library failed after the rename: then err says so). */
int xmp_write_sidecar(library *lib, int64_t batch, const char *path, int existed, const void *before, size_t before_len,
                      const void *data, size_t len, char *err, size_t errlen);

/* Puts packet into the image at path, whose content must still be before_sha256 (as indexed),
   logged under batch; the image as it was goes to the Trash. 0; −1 with the reason in err (the
   image is then as it was, at path). */
int xmp_write_embedded(library *lib, int64_t batch, const char *path, const uint8_t before_sha256[32],
                       const char *packet, size_t len, char *err, size_t errlen);

/* Settles writes a killed export left unfinished ("preparing" or "planned" as last event): a
   write whose new content reached its place is completed ("written"), any other is rolled back
   ("aborted"); and files a killed undo left "restoring": "restored" when the file before is
   back, else as cull wrote it ("written"). Temporary files such runs may have left are removed. The number settled,
   or −1 when the library failed. */
int xmp_write_reconcile(library *lib);

/* Takes back the newest export (s->batch; 0 when no export has files as it wrote them). With
   dry_run, hands each file it would restore to each (bytes: a sidecar's size before, 0 for one it
   would remove; an image's size before) and changes nothing. s->files counts the files restored,
   s->failed those left (named on stderr). 0, or −1 when the library failed. */
int xmp_write_undo(library *lib, int dry_run, apply_item_fn each, void *ctx, apply_summary *s);

#endif
