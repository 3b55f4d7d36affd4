#include "util/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double now_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void progress_start(progress *p, const char *label, int64_t total)
{
    p->enabled = isatty(STDERR_FILENO);
    p->bytes = 0;
    p->total = total;
    p->done = p->resumed = 0;
    p->started = now_monotonic();
    p->last_draw = 0;
    p->label = label;
}

void progress_start_bytes(progress *p, const char *label, int64_t total, int64_t already)
{
    progress_start(p, label, total);
    p->bytes = 1;
    p->done = p->resumed = already;
}

void progress_set_total(progress *p, int64_t total) { p->total = total; }

static void draw(progress *p, double now)
{
    const int width = 30;
    double frac = p->total > 0 ? (double)p->done / (double)p->total : 0;
    if (frac > 1) frac = 1;
    int fill = (int)(frac * width);
    double elapsed = now - p->started;
    double rate = elapsed > 0 ? (double)(p->done - p->resumed) / elapsed : 0;
    char eta[32] = "--:--";
    if (rate > 0 && p->total >= p->done) {
        long s = (long)((double)(p->total - p->done) / rate);
        snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
    }
    fprintf(stderr, "\r%s [", p->label);
    for (int i = 0; i < width; i++) fputc(i < fill ? '=' : i == fill ? '>' : ' ', stderr);
    if (p->bytes) fprintf(stderr, "] %.1f/%.1f MB  %.1f MB/s  ETA %s \033[K", p->done / 1e6, p->total / 1e6, rate / 1e6, eta);
    else fprintf(stderr, "] %lld/%lld  %.1f images/s  ETA %s \033[K", (long long)p->done, (long long)p->total, rate, eta);
    fflush(stderr);
    p->last_draw = now;
}

void progress_step(progress *p, int64_t done)
{
    p->done = done;
    if (!p->enabled) return;
    double now = now_monotonic();
    if (now - p->last_draw >= 0.1) draw(p, now);
}

void progress_add(progress *p, int64_t n)
{
    progress_step(p, p->done + n);
}

void progress_finish(progress *p)
{
    if (!p->enabled || p->last_draw == 0) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
}
