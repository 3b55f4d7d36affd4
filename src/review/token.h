/*
 * token.h — the per-run secret that every request to `cull review`'s API must carry.
 */
#ifndef CULL_REVIEW_TOKEN_H
#define CULL_REVIEW_TOKEN_H

#include <stddef.h>

#define REVIEW_TOKEN_BYTES 32
#define REVIEW_TOKEN_CHARS (2 * REVIEW_TOKEN_BYTES)     /* lower-case hex */

/* A fresh token from getrandom(2). 0, or -1 when the kernel gave no randomness. */
int review_token_new(char out[REVIEW_TOKEN_CHARS + 1]);

/* 1 when given equals token, in time that does not depend on where they differ. NULL: 0. */
int review_token_equal(const char *given, const char *token);

/* The signature that lets the page show image id without the token: HMAC-SHA256(token, "image:ID")
   in lower-case hex, as long as a token. An <img> cannot send the X-Cull-Token header, and a
   signature opens one image for reading and nothing else (no write, no other image). */
void review_image_sig(const char *token, long long id, char out[REVIEW_TOKEN_CHARS + 1]);

#endif
