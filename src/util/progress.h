/*
 * progress.h — a one-line progress bar on stderr: done/total, rate, ETA. Counts images
 * (`cull index`) or bytes (model downloads: MB and MB/s, with bytes already there from an earlier,
 * resumed download left out of the rate). Draws only when stderr is a terminal (silence when piped
 * or logged), at most 10 times a second.
 */
#ifndef CULL_UTIL_PROGRESS_H
#define CULL_UTIL_PROGRESS_H

#include <stdint.h>

typedef struct {
    int enabled;
    int bytes;                  /* a download: MB and MB/s */
    int64_t total, done, resumed;
    double started, last_draw;
    const char *label;
} progress;

void progress_start(progress *p, const char *label, int64_t total);
/* A download of total bytes, already of them there. */
void progress_start_bytes(progress *p, const char *label, int64_t total, int64_t already);
void progress_set_total(progress *p, int64_t total);
void progress_step(progress *p, int64_t done);
void progress_add(progress *p, int64_t n);
/* Clears the bar line so the summary prints on a clean line. */
void progress_finish(progress *p);

double now_monotonic(void);

#endif
