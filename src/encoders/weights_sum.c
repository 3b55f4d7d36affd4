/*
 * weights_sum.c — SHA-256 of weights files with a size + mtime keyed cache (weights_sum.h).
 */
#include "encoders/weights_sum.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file_hash.h"

static void sidecar_path(const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "%s.sha256", path);
}

static int is_hex64(const char *s)
{
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return s[64] == 0;
}

/* The cached digest when the sidecar matches st. */
static int cached(const char *path, const struct stat *st, char hex[65])
{
    char side[4200], line[256];
    sidecar_path(path, side, sizeof side);
    FILE *f = fopen(side, "r");
    if (!f) return -1;
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    char h[65] = {0};
    long long size, sec, nsec;
    if (!got || sscanf(line, "sha256 %64s size %lld mtime %lld.%lld", h, &size, &sec, &nsec) != 4 || !is_hex64(h))
        return -1;
    if (size != (long long)st->st_size || sec != (long long)st->st_mtim.tv_sec ||
        nsec != (long long)st->st_mtim.tv_nsec)
        return -1;
    memcpy(hex, h, 65);
    return 0;
}

static int store(const char *path, const struct stat *st, const char hex[65])
{
    char side[4200], tmp[4300];
    sidecar_path(path, side, sizeof side);
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", side, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f, "sha256 %s size %lld mtime %lld.%09lld\n", hex, (long long)st->st_size, (long long)st->st_mtim.tv_sec,
            (long long)st->st_mtim.tv_nsec);
    if (fclose(f) != 0 || rename(tmp, side) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int weights_sha256(const char *path, char hex[65], char *err, size_t errlen)
{
    struct stat before, after;
    if (stat(path, &before) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (cached(path, &before, hex) == 0) return 0;
    if (file_sha256_hex(path, hex, NULL, err, errlen)) return -1;
    /* Cache only what was hashed from a file that did not change meanwhile. */
    if (stat(path, &after) == 0 && after.st_size == before.st_size &&
        after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
        store(path, &after, hex);
    return 0;
}

int weights_sha256_store(const char *path, const char hex[65])
{
    struct stat st;
    if (stat(path, &st) != 0 || !is_hex64(hex)) return -1;
    return store(path, &st, hex);
}
