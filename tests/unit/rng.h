/*
 * rng.h — reproducible random numbers for the unit tests: splitmix64 (util/splitmix.h) from a
 * seed, uniform in (0, 1) and standard normal (Box–Muller).
 */
#ifndef CULL_TESTS_RNG_H
#define CULL_TESTS_RNG_H

#include <math.h>
#include <stdint.h>

#include "util/splitmix.h"

typedef struct {
    uint64_t s;
} rng;

static inline uint64_t rng_next(rng *r) { return splitmix_next(&r->s); }

static inline double rng_uniform(rng *r) { return ((rng_next(r) >> 11) + 0.5) / 9007199254740992.0; }

static inline double rng_normal(rng *r)
{
    double u = rng_uniform(r), v = rng_uniform(r);
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

#endif
