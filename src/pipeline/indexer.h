/*
 * indexer.h — `index`'s pipeline, also used by `label` (which indexes what is new first).
 *
 *   walk roots ─ stat: unchanged path with an embedding? → skip without reading
 *              └ worker threads: read once → SHA-256 → known content? → just record the path
 *                                                     └ decode → encode → result queue
 *   main thread: result queue → library, committed every few hundred milliseconds
 *
 * Only the main thread touches the library. A failing file is reported (path and reason) and the
 * batch goes on. On SIGINT/SIGTERM the workers stop taking files, finished work is committed, and
 * the summary says the run was interrupted; a re-run continues where it stopped.
 */
#ifndef CULL_PIPELINE_INDEXER_H
#define CULL_PIPELINE_INDEXER_H

#include <signal.h>
#include <stdint.h>
#include "encoders/encoder.h"
#include "library/library.h"

typedef struct {
    int jobs;                 /* worker threads, ≥ 1 */
    int64_t max_pixels, max_bytes;
    int show_progress;        /* draw the bar when stderr is a terminal */
    /* Called on the main thread for every file that is in the library at the end of the run
       (new, moved or unchanged) with its image id; may be NULL. Runs inside the open
       transaction, so label writes it makes are committed with the index. */
    int (*on_file)(library *lib, const char *path, int64_t image_id, void *ctx);
    void *ctx;
    /* Set to non-zero (by a signal handler: the caller's SIGINT, say) to stop the run: the
       workers take no more files, finished work is committed, summary.interrupted is set. May be
       NULL. The run also sets it when the library fails, to finish no more files. */
    volatile sig_atomic_t *stop;
} index_options;

typedef struct {
    int64_t found;            /* image files the walk found */
    int64_t indexed;          /* decoded and embedded */
    int64_t known;            /* content already embedded (moved, renamed, copied) */
    int64_t unchanged;        /* skipped on stat alone */
    int64_t ignored;          /* not images (and not named like images) */
    int64_t failed;           /* reported on stderr */
    int64_t gone;             /* library paths under the roots that no longer exist */
    int64_t unreadable;       /* index_missing: images whose bytes are nowhere (or changed) */
    int interrupted;
    double seconds;
} index_summary;

/* Indexes every image under roots with enc. Returns 0 (see summary.failed), or -1 when the
   library itself failed (reason printed). */
int index_paths(library *lib, encoder *enc, char *const *roots, int n_roots, const index_options *o,
                index_summary *summary);

/* Embeds with enc every image it lacks (library/coverage.h: the labelled ones, and with all the
   unlabelled ones that have a present path too), reading each from a present path or, for a file
   `cull apply` moved, from its Trash copy in place; the content is checked against the image's
   hash first. Images whose bytes are nowhere are counted in summary.unreadable. Committed as it goes, so an interrupted run keeps its work and a re-run
   continues. Same returns as index_paths. */
int index_missing(library *lib, encoder *enc, int all, const index_options *o, index_summary *sum);

/* Prints the summary line(s) to stderr. */
void index_print_summary(const index_summary *s);

#endif
