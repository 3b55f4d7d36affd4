/*
 * token.c — random per-run token, constant-time comparison, image signatures; see token.h.
 */
#include "review/token.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <sys/random.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "media/media.h"

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
    media_sha256_hex(raw, out);    /* 32 bytes as 64 hex digits */
    return 0;
}

void review_image_sig(const char *token, long long id, char out[REVIEW_TOKEN_CHARS + 1])
{
    char msg[32];
    int len = snprintf(msg, sizeof msg, "image:%lld", id);
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    HMAC(EVP_sha256(), token, (int)strlen(token), (const uint8_t *)msg, (size_t)len, mac, &mac_len);
    media_sha256_hex(mac, out);
}

int review_token_equal(const char *given, const char *token)
{
    if (!given || strlen(given) != REVIEW_TOKEN_CHARS || strlen(token) != REVIEW_TOKEN_CHARS) return 0;
    unsigned diff = 0;
    for (size_t i = 0; i < REVIEW_TOKEN_CHARS; i++) diff |= (unsigned char)given[i] ^ (unsigned char)token[i];
    return diff == 0;
}
