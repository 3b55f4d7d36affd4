/*
 * token.c — random per-run token and constant-time comparison; see token.h.
 */
#include "review/token.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

int review_token_new(char out[REVIEW_TOKEN_CHARS + 1])
{
    uint8_t raw[REVIEW_TOKEN_BYTES];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    static const char HEX[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = HEX[raw[i] >> 4];
        out[2 * i + 1] = HEX[raw[i] & 15];
    }
    out[REVIEW_TOKEN_CHARS] = 0;
    return 0;
}

int review_token_equal(const char *given, const char *token)
{
    if (!given || strlen(given) != REVIEW_TOKEN_CHARS || strlen(token) != REVIEW_TOKEN_CHARS) return 0;
    unsigned diff = 0;
    for (size_t i = 0; i < REVIEW_TOKEN_CHARS; i++) diff |= (unsigned char)given[i] ^ (unsigned char)token[i];
    return diff == 0;
}
