/*
 * library.h — the SQLite library: the only code that speaks SQL.
 *
 * One file holds everything cull knows: images keyed by content (SHA-256), the paths where each
 * was seen (with size, mtime and inode so an unchanged file is skipped on stat alone), embeddings
 * per (image, encoder) stored as fp16, labels keyed by image (so a moved or renamed file keeps its
 * label, and a deleted file's embedding and label stay as training data), trained models, and a
 * version counter that moves on every label change (so rank can tell a stale model).
 *
 * WAL mode and a busy timeout let a second cull process wait instead of failing. Paths are stored
 * as BLOBs: file names are bytes, not text, and may not be valid UTF-8.
 * Every function returns 0 on success and -1 on error, with the reason in library_error().
 */
#ifndef CULL_LIBRARY_LIBRARY_H
#define CULL_LIBRARY_LIBRARY_H

#include <stdint.h>
#include <stddef.h>
#include "media/image.h"

typedef struct library library;

enum { LABEL_KEEP = 0, LABEL_DELETE = 1, LABEL_NONE = -1 };

typedef struct {
    int64_t size, mtime_ns, inode, dev;
} file_stamp;

struct stat;
/* A file's stamp from its stat. Two equal stamps mean "unchanged since": a rewrite changes the
   size or mtime, a replacement by rename the inode (even with the same size and mtime). */
file_stamp file_stamp_of(const struct stat *st);
int file_stamp_equal(const file_stamp *a, const file_stamp *b);

typedef enum {
    LIBRARY_CREATE,     /* create the file (and its folder) when missing: commands that add to it */
    LIBRARY_EXISTING,   /* the file must exist: "no library at PATH (...)" otherwise */
} library_mode;

/* Opens the library at path and migrates its schema. A file this process may not write (mode
   444, another user's) is opened read-only: reads work, and every write fails with a message
   saying the library is read-only (library_read_only tells callers that can do without writing).
   NULL with a reason in err on failure. */
library *library_open(const char *path, library_mode mode, char *err, size_t errlen);
/* 1 when lib was opened read-only. */
int library_read_only(const library *lib);
void library_close(library *lib);
const char *library_error(library *lib);

/* Takes the lock of runs that move or write users' files (apply, dupes --trash-copies, export,
   undo, the review page's apply): one such run at a time per library, so one run's settling of
   what a killed run left never touches the files another run is writing. Held until
   library_close (an advisory flock on PATH.changes-lock beside the library, released by the
   kernel if the process dies). 0 (also for a read-only library, which changes nothing); 1 when
   another process holds it; −1 when the lock file cannot be opened (library_error says which). */
int library_lock_changes(library *lib);

int library_begin(library *lib);    /* BEGIN IMMEDIATE: waits for other writers (busy timeout) */
int library_commit(library *lib);
void library_rollback(library *lib);

/* --- settings: the library's own choices ------------------------------------------------ */

/* "encoder": the encoder its commands use when none is named (`cull model use`). */
#define LIBRARY_SETTING_ENCODER "encoder"

/* 1 with the value in value, 0 when it was never set, -1 on error. */
int library_get_setting(library *lib, const char *key, char *value, size_t cap);
int library_set_setting(library *lib, const char *key, const char *value);

/* --- images and paths ------------------------------------------------------------------ */

/* Inserts the image if its content is new, else refreshes its metadata; *id gets its row id. */
int library_put_image(library *lib, const uint8_t sha256[32], const image_meta *meta, int64_t *id);
/* Records that path holds image id now (moves and renames just update this row). */
int library_put_path(library *lib, const char *path, int64_t image_id, const file_stamp *st);
/* image id at path, 0 when the library does not know the path, -1 when it failed. */
int64_t library_image_at(library *lib, const char *path);
/* The file at path now holds the content to_sha256 (stamp st): the same picture as from_sha256
   in other bytes (`export xmp --embedded` wrote XMP into it, or undo put the old bytes back).
   That content gets an image row with from's metadata (to_bytes long) and from's embeddings;
   from's label goes with it when it has none (and leaves from unless another present path still
   holds from); path points at it. One transaction, so indexing the file again reads nothing and
   the picture keeps what the library knew of it. 0, or -1. */
int library_content_rewritten(library *lib, const char *path, const uint8_t from_sha256[32],
                              const uint8_t to_sha256[32], int64_t to_bytes, const file_stamp *st);

/* Every known path with its stamp, image id and whether that image has an embedding from
   encoder_id: how the indexer decides, without reading a file, that nothing changed. */
typedef void (*library_path_fn)(const char *path, const file_stamp *st, int64_t image_id,
                                int has_embedding, void *ctx);
int library_each_path(library *lib, const char *encoder_id, library_path_fn fn, void *ctx);

/* Content hashes of images that have an embedding from encoder_id (a renamed file's content is
   recognised after hashing, without decoding it again). */
typedef void (*library_hash_fn)(const uint8_t sha256[32], int64_t image_id, void *ctx);
int library_each_embedded_hash(library *lib, const char *encoder_id, library_hash_fn fn, void *ctx);

/* --- embeddings -------------------------------------------------------------------------- */

int library_put_embedding(library *lib, int64_t image_id, const char *encoder_id,
                          const float *v, int dim);

/* Every embedding of encoder_id, by image id ascending: the vector alone, for searches over the
   whole library (much less read than library_each_row). fn returns non-zero to stop. 0, or -1. */
typedef int (*library_embedding_fn)(int64_t image_id, const float *v, int dim, void *ctx);
int library_each_embedding(library *lib, const char *encoder_id, library_embedding_fn fn, void *ctx);
/* Every present path with its image and that image's label (LABEL_NONE when it has none), in no
   particular order. 0, or -1. */
typedef void (*library_present_fn)(int64_t image_id, const char *path, int label, void *ctx);
int library_each_present_path(library *lib, library_present_fn fn, void *ctx);

/* --- labels ------------------------------------------------------------------------------ */

/* label: LABEL_KEEP, LABEL_DELETE or LABEL_NONE (clear). source: "cli", "folder", "review". */
int library_set_label(library *lib, int64_t image_id, int label, const char *source);
/* Moves on every change of a label or a prompt (library/prompts.h: they are feature columns); a
   model trained at an older version is stale. */
int64_t library_label_version(library *lib);
/* Every label, by image id. */
typedef void (*library_label_fn)(int64_t image_id, int label, void *ctx);
int library_each_label(library *lib, library_label_fn fn, void *ctx);

/* --- rows for learning and ranking ----------------------------------------------------- */

/* One image with an embedding from the encoder: its label, metadata, a present path (for the
   basename feature and for output; NULL when every path is gone) and its embedding. */
typedef struct {
    int64_t image_id;
    uint8_t sha256[32];
    int label;              /* LABEL_KEEP, LABEL_DELETE or LABEL_NONE */
    image_meta meta;
    const char *path;       /* valid during the callback only */
    const float *embedding; /* dim floats, valid during the callback only */
    int dim;
} library_row;
typedef int (*library_row_fn)(const library_row *row, void *ctx);  /* non-zero stops */

/* All images embedded by encoder_id. With present_paths, one row per present path (for ranking);
   without, one row per image with its first present path or NULL (for training). */
int library_each_row(library *lib, const char *encoder_id, int present_paths,
                     library_row_fn fn, void *ctx);
/* The row of one image (as library_each_row without present_paths gives it): 1 when fn was called,
   0 when encoder_id has not embedded it, -1 on error. */
int library_row_of(library *lib, const char *encoder_id, int64_t image_id, library_row_fn fn, void *ctx);

/* --- models ------------------------------------------------------------------------------ */

typedef struct {
    int64_t id;
    char encoder_id[96];
    int64_t label_version;
    int64_t created_at;     /* unix seconds */
    char *json;             /* the model itself (learn/model.h); owned */
} library_model;

int library_put_model(library *lib, const char *encoder_id, int64_t label_version, const char *json);
/* Newest model for encoder_id; returns 1 found, 0 none, -1 error. */
int library_latest_model(library *lib, const char *encoder_id, library_model *out);
void library_model_free(library_model *m);

/* --- status ------------------------------------------------------------------------------ */

typedef struct {
    int64_t images, paths_present, paths_missing, keep, del, unlabeled_present;
} library_counts;
int library_counts_get(library *lib, library_counts *c);

/* Labels by where they came from ("cli", "folder", "review", "xmp", "lightroom"), by source. */
typedef void (*library_source_fn)(const char *source, int64_t keep, int64_t del, void *ctx);
int library_each_label_source(library *lib, library_source_fn fn, void *ctx);

typedef void (*library_encoder_fn)(const char *encoder_id, int64_t embeddings, void *ctx);
int library_each_encoder(library *lib, library_encoder_fn fn, void *ctx);

#endif
