/*
 * actions.h — the library's append-only log of file moves (apply to the Trash, undo back).
 *
 * Each move is logged before it happens ("planned", with the Trash names already reserved) and
 * after ("moved", "failed", "restored", "restore-failed", "aborted"). A file's state within a
 * batch is its last event, so a run killed between the two entries is found and reconciled by
 * the next apply or undo: nothing is updated in place and nothing is lost.
 */
#ifndef CULL_LIBRARY_ACTIONS_H
#define CULL_LIBRARY_ACTIONS_H

#include <stdint.h>
#include "library/library.h"

typedef struct {
    int64_t batch, image_id, bytes;
    const char *path, *trash_path, *info_path;   /* valid during the callback only */
    const char *event;
    uint8_t sha256[32];                          /* the image's content hash */
} library_action;

typedef int (*library_action_fn)(const library_action *a, void *ctx);   /* non-zero stops */

/* A new batch number (one per apply or export run: one sequence for both logs, so the newest of
   either is the one `cull undo` takes back). */
int64_t library_new_batch(library *lib);

/* The batch of an apply that started moving files and has not finished (it was killed), or 0.
   Its re-run continues that batch, so one undo puts back what both runs moved. */
int64_t library_unfinished_batch(library *lib);
/* Marks batch as started (before its first move) or, with 0, the apply as finished. */
int library_set_unfinished_batch(library *lib, int64_t batch);

int library_log_action(library *lib, const library_action *a, const char *event, const char *detail);

/* The last event of every file of batch (batch < 0: of every batch), oldest first. */
int library_each_last_action(library *lib, int64_t batch, library_action_fn fn, void *ctx);

/* The newest batch that still has files in the Trash (last event "moved"); 0 when none. */
int64_t library_last_trashed_batch(library *lib);

/* Present files whose image is labelled delete, with the image's hash and the file's stamp. */
typedef int (*library_delete_fn)(const char *path, int64_t image_id, const uint8_t sha256[32],
                                 const file_stamp *st, void *ctx);
int library_each_delete_candidate(library *lib, library_delete_fn fn, void *ctx);
/* Present files of every image that has more than one present file (exact copies: one content at
   several paths), ordered by image, with the image's hash and the file's stamp. */
int library_each_exact_copy(library *lib, library_delete_fn fn, void *ctx);

/* Marks a path present again (after undo) with its new stamp, or gone. */
int library_set_path_present(library *lib, const char *path, int present);

#endif
