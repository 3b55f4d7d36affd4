/*
 * trash.h — the freedesktop.org Trash: the only code that moves user files.
 *
 * A file goes to the Trash of its own filesystem: the home Trash ($XDG_DATA_HOME/Trash) when it
 * lives on the same filesystem, else $topdir/.Trash/$uid (when the administrator made a sticky
 * .Trash there) or $topdir/.Trash-$uid. Each trashed file gets a .trashinfo (original path and
 * deletion date) so desktop file managers can restore it too. When no Trash can be used on the
 * file's filesystem, the home Trash is used across devices: copy under a hidden partial name
 * beside the destination, fsync, verify the copy's SHA-256, rename it into place, and only then
 * remove the original (undo comes back the same way). Nothing here ever unlinks a file whose
 * content has not been verified somewhere else first, and a kill never leaves part of a file
 * under a name a person would take for the picture.
 */
#ifndef CULL_SAFETY_TRASH_H
#define CULL_SAFETY_TRASH_H

#include <stdint.h>
#include <stddef.h>
#include "util/fsutil.h"

typedef struct {
    char files[FS_PATH_MAX];    /* where the file will be: TRASH/files/NAME */
    char info[FS_PATH_MAX];     /* TRASH/info/NAME.trashinfo: its creation claims the name */
    char top[FS_PATH_MAX];      /* set by trash_pick for trash_claim: the top dir the .trashinfo's
                                   path is relative to, "" for an absolute one */
} trash_slot;

/* Picks the Trash for path (creating its folders if needed) and a name free in it: neither
   files/NAME nor info/NAME.trashinfo exists. Nothing is claimed yet, so the caller can log the
   slot first: a crash then never leaves a .trashinfo that no log row knows about. 0, or -1 with
   err. */
int trash_pick(const char *path, trash_slot *slot, char *err, size_t errlen);

/* Claims a picked slot by writing its .trashinfo (O_EXCL: two processes never get one name).
   0; 1 when the name was taken since it was picked (pick again); -1 with err. */
int trash_claim(const char *path, const trash_slot *slot, char *err, size_t errlen);

/* Moves path into its reserved slot. expected_sha256 is the content the caller means to trash:
   the file is hashed first, and a file whose content differs is left alone (-1, err says so).
   On failure the reservation is released and the file stays where it was. */
int trash_move(const char *path, const trash_slot *slot, const uint8_t expected_sha256[32], char *err,
               size_t errlen);

/* Puts a trashed file back at path (which must not exist), verifying its content first, and
   removes the .trashinfo. 0, or -1 with err (the file then stays in the Trash). */
int trash_restore(const char *path, const trash_slot *slot, const uint8_t expected_sha256[32], char *err,
                  size_t errlen);

/* 1 when the slot's .trashinfo records path (absolute, or relative to a top dir above it): the
   name was claimed for this file. */
int trash_owns(const trash_slot *slot, const char *path);

/* Releases a claim whose move never happened: removes the .trashinfo, and only when it records
   path (after a crash the slot may never have been claimed, and the name may now be another's). */
void trash_release(const trash_slot *slot, const char *path);

/* Where a copy across filesystems to `to` is written until it is verified and renamed into place:
   .cull-partial-<the first 16 hex digits of the content's SHA-256> in to's folder. After a kill it
   may hold a partial copy, which is never the only one (apply_reconcile removes it). 0, or -1 when
   it would not fit in cap. */
int trash_partial_path(const char *to, const uint8_t sha256[32], char *out, size_t cap);

/* 1 when path's bytes hash to sha256 (err says why not otherwise). */
int trash_content_is(const char *path, const uint8_t sha256[32], char *err, size_t errlen);

/* 1 if path exists (as anything, even a dangling link). */
int trash_exists(const char *path);

#endif
