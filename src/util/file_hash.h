/*
 * file_hash.h — digests of whole files, read in chunks (OpenSSL's EVP: the one hash library cull
 * uses, as media/file.c does for image contents).
 */
#ifndef CULL_UTIL_FILE_HASH_H
#define CULL_UTIL_FILE_HASH_H

#include <stddef.h>

/* The SHA-256 of the file at path as 64 hex digits, and its size (size may be NULL). 0, or -1
   with a reason naming the file in err. */
int file_sha256_hex(const char *path, char hex[65], long long *size, char *err, size_t errlen);

/* "sha512-BASE64" of the file at path: a Subresource Integrity string, as npm publishes a
   package's dist.integrity. 0, or -1 with a reason naming the file in err. */
int file_sha512_integrity(const char *path, char *out, size_t cap, char *err, size_t errlen);

#endif
