/*
 * splitmix.h — splitmix64 (Steele, Lea and Flood, 2014): a tiny, well-mixed 64-bit generator.
 *
 * mix64 is its output function, a good hash of a 64-bit key too; splitmix_next steps a state
 * through the sequence. cull uses it where results must not depend on the C library's rand
 * (fold assignment, the near-duplicate search's first-pass basis); the tests and benchmarks use it
 * for reproducible data.
 */
#ifndef CULL_UTIL_SPLITMIX_H
#define CULL_UTIL_SPLITMIX_H

#include <stdint.h>

static inline uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* The next number of the sequence that *state is at. */
static inline uint64_t splitmix_next(uint64_t *state)
{
    uint64_t x = mix64(*state);
    *state += 0x9e3779b97f4a7c15ULL;
    return x;
}

#endif
