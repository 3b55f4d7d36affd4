/*
 * plural.h — counts in messages: the word that goes with one ("1 file", "2 files", "0 files"), and
 * a count written with thousands separators ("2,340"), locale-independent.
 */
#ifndef CULL_UTIL_PLURAL_H
#define CULL_UTIL_PLURAL_H

#include <stdio.h>

static inline const char *plural(long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* n with a comma every three digits into out; returns out. */
static inline char *plural_thousands(long long n, char *out, size_t cap)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%lld", n < 0 ? -n : n), k = 0;
    if (n < 0 && (size_t)k + 1 < cap) out[k++] = '-';
    for (int i = 0; i < len && (size_t)k + 1 < cap; i++) {
        if (i > 0 && (len - i) % 3 == 0 && (size_t)k + 2 < cap) out[k++] = ',';
        out[k++] = digits[i];
    }
    if (cap) out[k] = 0;
    return out;
}

#endif
