/*
 * token.h — the per-run secret that every request to `cull review` must carry.
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

#endif
