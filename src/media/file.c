/*
 * file.c — read a file once, hash it.
 */
#include "media/media.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <openssl/sha.h>

#include "util/fsutil.h"

static int same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
           fs_mtime_ns(a) == fs_mtime_ns(b);
}

int media_read_file(const char *path, int64_t max_bytes, file_buffer *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    /* O_NONBLOCK: if the path was swapped for a FIFO after the walk, open must not hang. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, &out->st) != 0 || !S_ISREG(out->st.st_mode)) {
        snprintf(err, errlen, "not a regular file");
        close(fd);
        return -1;
    }
    if (out->st.st_size == 0) {
        snprintf(err, errlen, "empty file (0 bytes)");
        close(fd);
        return -1;
    }
    if (out->st.st_size > max_bytes) {
        snprintf(err, errlen, "file of %lld bytes is over the limit of %lld bytes",
                 (long long)out->st.st_size, (long long)max_bytes);
        close(fd);
        return -1;
    }
    size_t want = (size_t)out->st.st_size;
    out->data = malloc(want);
    if (!out->data) {
        snprintf(err, errlen, "out of memory reading %zu bytes", want);
        close(fd);
        return -1;
    }
    size_t got = 0;
    int read_errno = 0;
    while (got < want) {
        ssize_t n = read(fd, out->data + got, want - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) read_errno = errno;
        if (n <= 0) break;
        got += (size_t)n;
    }
    struct stat after;
    int changed = fstat(fd, &after) != 0 || !same_file_state(&out->st, &after);
    close(fd);
    if (read_errno || got != want || changed) {
        if (read_errno)
            snprintf(err, errlen, "read failed: %s", strerror(read_errno));
        else
            snprintf(err, errlen, "file changed while being read");
        file_buffer_free(out);
        return -1;
    }
    out->len = got;
    return 0;
}

void file_buffer_free(file_buffer *fb)
{
    free(fb->data);
    fb->data = NULL;
    fb->len = 0;
}

/* OpenSSL's SHA-256 uses the CPU's SHA extensions where present: hashing was a fifth of the
   index's CPU time with a portable implementation. */
void media_sha256(const void *data, size_t len, uint8_t out[32])
{
    SHA256(data, len, out);
}

void media_sha256_hex(const uint8_t sha[32], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[sha[i] >> 4];
        out[2 * i + 1] = hex[sha[i] & 15];
    }
    out[64] = 0;
}

/* ---- which files are images ---- */

#define SNIFF_BYTES 4096

/* 1 when the extension of path (case ignored) is one of exts. */
static int has_extension(const char *path, const char *const *exts, size_t n)
{
    const char *dot = strrchr(fs_basename(path), '.');
    for (size_t i = 0; dot && i < n; i++)
        if (strcasecmp(dot + 1, exts[i]) == 0) return 1;
    return 0;
}

static const char *const RAW_EXT[] = {
    "nef", "nrw", "cr2", "cr3", "crw", "arw", "srf", "sr2", "dng", "orf", "rw2", "raf",
    "pef", "srw", "x3f", "mrw", "3fr", "erf", "kdc", "iiq", "rwl",
};

int media_file_is_raw(const char *path) { return has_extension(path, RAW_EXT, sizeof RAW_EXT / sizeof *RAW_EXT); }

static int named_like_image(const char *path)
{
    static const char *const EXT[] = {
        "jpg", "jpeg", "jpe", "jfif", "png", "gif", "webp", "heic", "heif", "avif", "tif", "tiff", "jxl", "jp2", "j2k",
    };
    return has_extension(path, EXT, sizeof EXT / sizeof *EXT) || media_file_is_raw(path);
}

int media_file_is_image(const char *path)
{
    if (named_like_image(path)) return 1;
    uint8_t head[SNIFF_BYTES];
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return 1; /* let the full read report why */
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    return n > 0 && media_looks_like_image(head, (size_t)n);
}
