/*
 * file_hash.c — digests of whole files (file_hash.h).
 */
#include "util/file_hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#define CHUNK (1 << 20)

/* md receives the digest (EVP_MAX_MD_SIZE bytes of room), *md_len its length. */
static int digest_file(const char *path, const EVP_MD *type, unsigned char *md, unsigned *md_len, long long *size,
                       char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    unsigned char *buf = malloc(CHUNK);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    long long total = 0;
    int rc = -1;
    if (!buf || !ctx || !EVP_DigestInit_ex(ctx, type, NULL)) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0) break;
        EVP_DigestUpdate(ctx, buf, (size_t)n);
        total += n;
    }
    EVP_DigestFinal_ex(ctx, md, md_len);
    if (size) *size = total;
    rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    free(buf);
    close(fd);
    return rc;
}

int file_sha256_hex(const char *path, char hex[65], long long *size, char *err, size_t errlen)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (digest_file(path, EVP_sha256(), md, &len, size, err, errlen)) return -1;
    for (unsigned i = 0; i < len && i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int file_sha512_integrity(const char *path, char *out, size_t cap, char *err, size_t errlen)
{
    unsigned char md[EVP_MAX_MD_SIZE], b64[4 * EVP_MAX_MD_SIZE / 3 + 4];
    unsigned len = 0;
    if (digest_file(path, EVP_sha512(), md, &len, NULL, err, errlen)) return -1;
    EVP_EncodeBlock(b64, md, (int)len);
    snprintf(out, cap, "sha512-%s", (const char *)b64);
    return 0;
}
