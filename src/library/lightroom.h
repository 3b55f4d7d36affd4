/*
 * lightroom.h — the picks, ratings and colour labels in a Lightroom Classic catalog (*.lrcat, an
 * SQLite file), for `cull import lightroom`.
 *
 * What it relies on (Lightroom Classic's schema, checked before anything is read):
 *   Adobe_images         rootFile → AgLibraryFile.id_local; pick (1 picked, 0 none, −1 rejected);
 *                        rating (NULL or 0–5); colorLabels (text: "Red", "Green", ... or "")
 *   AgLibraryFile        id_local, baseName, extension, folder → AgLibraryFolder.id_local
 *   AgLibraryFolder      id_local, pathFromRoot ("2024/trip/", "/"-separated, ends in "/"),
 *                        rootFolder → AgLibraryRootFolder.id_local
 *   AgLibraryRootFolder  id_local, absolutePath ("/Users/me/Pictures/" or "C:/Users/...", ends in "/")
 * The file's path is absolutePath + pathFromRoot + baseName + "." + extension. A catalog without
 * these tables and columns is "not a Lightroom Classic catalog" (the missing one named).
 *
 * The catalog is never written and never locked: it is opened with SQLite's immutable flag (no
 * lock at all, so a running Lightroom is never stopped). When a write-ahead log (CATALOG-wal)
 * holds changes Lightroom has not folded in yet, catalog and log are first copied to a private
 * temporary folder and the copy is read, so the latest decisions count and the original stays
 * untouched either way.
 */
#ifndef CULL_LIBRARY_LIGHTROOM_H
#define CULL_LIBRARY_LIGHTROOM_H

#include <stddef.h>

typedef struct {
    const char *path;          /* as the catalog names it; valid during the callback */
    int pick;                  /* 1 picked, 0 none, −1 rejected */
    int rating;                /* 0–5, 0 when unrated */
    const char *color_label;   /* "" when none */
} lightroom_image;

typedef int (*lightroom_fn)(const lightroom_image *im, void *ctx);   /* non-zero stops */

/* Calls fn for every image in the catalog, by path. Returns 0; −1 with the reason in err (not
   SQLite, not a Lightroom catalog, unreadable). */
int lightroom_each_image(const char *catalog, lightroom_fn fn, void *ctx, char *err, size_t errlen);

#endif
