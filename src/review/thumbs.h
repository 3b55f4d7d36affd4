/*
 * thumbs.h — strip thumbnails and display-size images, made on demand with libvips and cached on
 * disk as JPEG under $XDG_CACHE_HOME/cull/thumbs (~/.cache/cull/thumbs), keyed by the image's
 * content hash and the size, so a moved or renamed file keeps its cache entry.
 *
 * A file is used only while its content still hashes to the image's SHA-256 (the file at a known
 * path may have changed since it was indexed), so the page never shows bytes other than the
 * labelled image's; a cached rendering is served only while some path still holds the image (its
 * stat unchanged since it was indexed, or else its content hashed again), so a deleted or replaced
 * file is no longer shown. Upright from EXIF, sRGB, alpha flattened onto white, never enlarged.
 * At most THUMBS_PARALLEL files are read and decoded at once, however many requests come in.
 */
#ifndef CULL_REVIEW_THUMBS_H
#define CULL_REVIEW_THUMBS_H

#include <stddef.h>
#include <stdint.h>

#include "library/library.h"

#define THUMBS_STRIP_SIDE 320
#define THUMBS_DISPLAY_SIDE 1600
#define THUMBS_PARALLEL 2

/* The cache folder. 0, or -1 when no absolute $XDG_CACHE_HOME or $HOME is set. */
int thumbs_default_dir(char *out, size_t cap);

typedef struct {
    int fd;            /* the cached file, or -1 */
    uint8_t *buf;      /* or the JPEG in memory (when the cache could not be written); malloc'd */
    int64_t len;
} thumbs_jpeg;

/* A path of the image and its stamp when it was indexed. */
typedef struct {
    char *path;
    file_stamp st;
} thumbs_file;

/* The JPEG of image sha at most side pixels wide and high, from the cache or made from the first
   of files whose content matches.
   0 with out filled; 1 when no file holds the image's content any more; -1 with err. */
int thumbs_get(const char *dir, const uint8_t sha256[32], int side, const thumbs_file *files, int n_files,
               thumbs_jpeg *out, char *err, size_t errlen);

#endif
