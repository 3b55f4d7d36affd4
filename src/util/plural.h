/*
 * plural.h — the word that goes with a count in a message: "1 file", "2 files", "0 files".
 */
#ifndef CULL_UTIL_PLURAL_H
#define CULL_UTIL_PLURAL_H

static inline const char *plural(long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

#endif
