/*
 * weights_sum.h — the SHA-256 of a (large) weights file, cached beside it.
 *
 * Hashing a 350 MB model.safetensors takes a few tenths of a second; an encoder's id needs it on
 * every run. The digest is kept in FILE.sha256 ("sha256 HEX size BYTES mtime SECONDS.NANOSECONDS")
 * and reused while the file's size and modification time are unchanged, as `cull index` trusts
 * size + mtime for images. (A header-only hash would not do: a fine-tune keeps the header and
 * changes only the numbers.) When the folder is read-only the digest is simply recomputed.
 */
#ifndef CULL_ENCODERS_WEIGHTS_SUM_H
#define CULL_ENCODERS_WEIGHTS_SUM_H

#include <stddef.h>

/* hex: 64 digits + NUL. 0, or -1 with a reason naming the file. */
int weights_sha256(const char *path, char hex[65], char *err, size_t errlen);
/* Records hex as path's digest (for a file whose digest the caller just computed while writing
   it). 0, or -1 when the sidecar cannot be written. */
int weights_sha256_store(const char *path, const char hex[65]);

#endif
