/*
 * timing.h — what the benchmarks share for timing: the monotonic clock cull already has
 * (util/progress.h) and the median of repeated runs. A header, not a .c: every benchmark source is a
 * program of its own.
 */
#ifndef CULL_BENCH_TIMING_H
#define CULL_BENCH_TIMING_H

#include <stdint.h>
#include <stdlib.h>
#include "util/progress.h"

/* Uniform in [-1, 1), from a linear congruential generator: random weights and inputs that are the
   same on every run. */
static inline float bench_frand(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) / 8388608.0 - 1.0);
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v in place. */
static inline double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
