/*
 * apply.h — `apply` and `undo`: moving delete-labelled files to the Trash and back, logged in the
 * library before and after every move (library/actions.h) and reconciled after interruptions.
 */
#ifndef CULL_SAFETY_APPLY_H
#define CULL_SAFETY_APPLY_H

#include <stdint.h>
#include "library/library.h"

#define APPLY_PLAN_CHARS 32

typedef struct {
    int64_t files, bytes;     /* moved (or, for a dry run, that would move) */
    int64_t failed;           /* reported on stderr, left where they were */
    int64_t gone;             /* labelled files already missing from disk */
    int64_t batch;            /* the batch this run wrote (0 for a dry run or nothing moved) */
    int resumed;              /* the batch is a killed apply's, continued */
    char plan[APPLY_PLAN_CHARS + 1];   /* the plan's id (see apply_plan_or_run) */
} apply_summary;

/* Receives each file a dry run would move (apply) or put back (undo), in order. */
typedef void (*apply_item_fn)(void *ctx, const char *path, int64_t bytes);

/* Files under roots (absolute; none = everywhere) whose image is labelled delete. With dry_run,
   hands each to each (may be NULL), and moves and writes nothing. A run after a killed apply
   continues that apply's batch, so one undo puts back what both moved.
   s->plan identifies what would move (hex of SHA-256 over each file's path and content hash, in
   path order): a run given expect_plan (a dry run's s->plan, the list a person confirmed) moves
   only when the plan is still that one; otherwise it moves nothing, does what a dry run does (each,
   the summary, s->plan of the new plan) and returns APPLY_PLAN_CHANGED. expect_plan NULL: no check.
   0, APPLY_PLAN_CHANGED, or -1 when the library failed. */
#define APPLY_PLAN_CHANGED 1
int apply_plan_or_run(library *lib, char *const *roots, int n_roots, int dry_run, const char *expect_plan,
                      apply_item_fn each, void *ctx, apply_summary *s);

/* Of two present paths holding the same content, 1 when a is the one to keep rather than b: a name
   that does not look like a copy ("copy" anywhere in it, or a " (2)"-style number before the
   extension) first, then the older file (modification time), then the shorter path, then byte
   order. One rule for `cull dupes`' keep and for --trash-copies. */
int apply_copy_keep_first(const char *a, int64_t mtime_a, const char *b, int64_t mtime_b);

/* Like apply_plan_or_run, for exact copies: every present path of an image that has several,
   except the one apply_copy_keep_first keeps (only those under roots, when given), goes to the
   Trash through the same logged, verified, undoable moves. The image keeps its label and its kept
   path. 0, or -1 when the library failed. */
int apply_copies_plan_or_run(library *lib, char *const *roots, int n_roots, int dry_run, const char *expect_plan,
                             apply_item_fn each, void *ctx, apply_summary *s);

/* Puts back what the newest apply still has in the Trash. With dry_run, hands each file it would
   put back to each (may be NULL), and moves and writes nothing. 0, or -1 when the library failed. */
int apply_undo(library *lib, int dry_run, apply_item_fn each, void *ctx, apply_summary *s);

/* Settles moves a killed run left half-logged ("planned"/"restoring" as last event). Called by
   both of the above first; returns how many it settled, or -1. */
int apply_reconcile(library *lib);

#endif
