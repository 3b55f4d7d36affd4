/*
 * progress.h — a one-line progress bar on stderr: done/total, images per second, ETA.
 * Draws only when stderr is a terminal (silence when piped or logged), at most 10 times a second.
 */
#ifndef CULL_UTIL_PROGRESS_H
#define CULL_UTIL_PROGRESS_H

#include <stdint.h>

typedef struct {
    int enabled;
    int64_t total, done;
    double started, last_draw;
    const char *label;
} progress;

void progress_start(progress *p, const char *label, int64_t total);
void progress_set_total(progress *p, int64_t total);
void progress_step(progress *p, int64_t done);
/* Clears the bar line so the summary prints on a clean line. */
void progress_finish(progress *p);

double now_monotonic(void);

#endif
