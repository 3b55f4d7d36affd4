/*
 * fetch_bar.h — a download progress line on stderr: label, MB done / total, rate, time left.
 * Drawn only when stderr is a terminal, at most 10 times a second.
 */
#ifndef CULL_FETCH_FETCH_BAR_H
#define CULL_FETCH_FETCH_BAR_H

#include <stdint.h>

typedef struct {
    int tty;
    const char *label;
    int64_t total, done, resumed;   /* resumed: bytes that were already there (not counted in the rate) */
    double started, last_draw;
} fetch_bar;

void fetch_bar_start(fetch_bar *b, const char *label, int64_t total, int64_t already);
void fetch_bar_add(fetch_bar *b, int64_t n);
/* Clears the line. */
void fetch_bar_end(fetch_bar *b);

#endif
