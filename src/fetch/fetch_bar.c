/*
 * fetch_bar.c — the download progress line (fetch_bar.h).
 */
#include "fetch/fetch_bar.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void fetch_bar_start(fetch_bar *b, const char *label, int64_t total, int64_t already)
{
    b->tty = isatty(STDERR_FILENO);
    b->label = label;
    b->total = total;
    b->done = b->resumed = already;
    b->started = now_s();
    b->last_draw = 0;
}

static void draw(fetch_bar *b, double now)
{
    const int width = 24;
    double frac = b->total > 0 ? (double)b->done / (double)b->total : 0;
    if (frac > 1) frac = 1;
    int fill = (int)(frac * width);
    double elapsed = now - b->started;
    double rate = elapsed > 0 ? (double)(b->done - b->resumed) / elapsed : 0;
    char eta[32] = "--:--";
    if (rate > 0 && b->total >= b->done) {
        long s = (long)((double)(b->total - b->done) / rate);
        snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
    }
    fprintf(stderr, "\r  %s [", b->label);
    for (int i = 0; i < width; i++) fputc(i < fill ? '=' : i == fill ? '>' : ' ', stderr);
    fprintf(stderr, "] %.1f/%.1f MB  %.1f MB/s  ETA %s \033[K", b->done / 1e6, b->total / 1e6, rate / 1e6, eta);
    fflush(stderr);
    b->last_draw = now;
}

void fetch_bar_add(fetch_bar *b, int64_t n)
{
    b->done += n;
    if (!b->tty) return;
    double now = now_s();
    if (now - b->last_draw >= 0.1) draw(b, now);
}

void fetch_bar_end(fetch_bar *b)
{
    if (!b->tty || b->last_draw == 0) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
}
