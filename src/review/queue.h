/*
 * queue.h — the review queues over a snapshot of scored images.
 *
 * A snapshot is every image the review covers (an embedding from the model's encoder and a file
 * present under the review's paths), with its P(delete) from the model of the moment, sorted by
 * id. Scores are computed once per model version (scorer.h); a queue request only filters and
 * sorts the snapshot. Images the person decided or skipped during this run are "seen" and leave
 * every queue (undo brings them back).
 *
 *   likely     unlabelled, highest P(delete) first
 *   uncertain  unlabelled, P(delete) closest to 0.5 first (what teaches the model most)
 *   suspects   labelled, most disagreeing with the model first (|label − P(delete)|), judged by
 *              each image's out-of-fold P(delete) (scorer.c; the current model's own score only
 *              for images labelled since it was trained)
 *   folder     everything, by folder then name
 * Without a model (too few labels) every queue falls back to folder order.
 */
#ifndef CULL_REVIEW_QUEUE_H
#define CULL_REVIEW_QUEUE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t id;
    double p;           /* P(delete), NAN without a model */
    char *path;         /* the image's first present path under the review's roots; owned */
    int8_t label;       /* LABEL_KEEP, LABEL_DELETE, LABEL_NONE */
    uint8_t seen;       /* decided or skipped during this run */
} review_item;

typedef struct {
    review_item *items;   /* sorted by id */
    size_t n;
    char cost[512];       /* what reviewing its unlabelled images should find, most likely delete
                             first (learn/review_cost.h); "" without a model */
} review_snapshot;

typedef enum { QUEUE_LIKELY, QUEUE_UNCERTAIN, QUEUE_SUSPECTS, QUEUE_FOLDER } queue_kind;

/* "likely", "uncertain", "suspects", "folder"; 0 or -1. */
int queue_parse(const char *name, queue_kind *kind);
const char *queue_name(queue_kind kind);

review_item *snapshot_find(const review_snapshot *s, int64_t id);
void snapshot_free(review_snapshot *s);
/* Sorts items by id and keeps the first of each id (the order they were added in decides). */
void snapshot_finish(review_snapshot *s);

/* Writes up to limit indices into s->items, in queue order, to idx; returns how many images the
   queue holds in all (≥ what was written), or (size_t)-1 when out of memory. */
size_t queue_select(const review_snapshot *s, queue_kind kind, size_t *idx, size_t limit);

/* Orders paths by folder, then by name within a folder. */
int queue_folder_cmp(const char *a, const char *b);

#endif
