/*
 * http_get.h — one HTTP(S) GET of a whole file or a byte range, with libcurl, made robust:
 *
 *  - redirects are followed (the Hugging Face hub answers /resolve/ with a 302 to its CDN); the
 *    hub's X-Linked-Size and X-Linked-Etag headers are kept from whichever response carries them
 *  - transient failures (connection dropped or reset, a stalled transfer, HTTP 5xx or 429) are
 *    retried with exponential backoff, resuming after the bytes already delivered (Range); a resumed
 *    answer must carry the first answer's ETag, so a file that changed meanwhile is never spliced
 *    (If-Range is not used: CDNs that give weak ETags would refuse every resume)
 *  - a ranged answer must be 206 with exactly the Content-Range asked for, and the byte count
 *    delivered must be the range's length; a whole-file answer must match its Content-Length
 *  - proxies come from the usual variables (http_proxy, https_proxy, no_proxy: libcurl's default)
 *  - failures say what happened: offline (no DNS, no route), HTTP 401/403 (gated or private),
 *    404 (no such file or revision), anything else with the URL and libcurl's or the server's word.
 *
 * Backoff: 1, 2, 4, 8, 16 s (5 retries; 2 when the host does not answer at all). The environment
 * variable CULL_HTTP_BACKOFF_MS replaces the first delay (tests use a few milliseconds).
 */
#ifndef CULL_FETCH_HTTP_GET_H
#define CULL_FETCH_HTTP_GET_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    long status;                /* of the final response */
    int64_t content_length;     /* -1 when not given */
    int64_t range_total;        /* the total from Content-Range, -1 when not given */
    int64_t linked_size;        /* X-Linked-Size (the hub: size of an LFS file), -1 when absent */
    char etag[160];             /* ETag of the final response, without quotes or W/ */
    char linked_etag[160];      /* X-Linked-Etag (the hub: sha256 of an LFS file), without quotes */
} http_info;

/* Receives the body, in order, each byte once. Returns 0, or -1 to abort (the reason in err). */
typedef int (*http_sink)(void *ctx, const uint8_t *data, size_t n, char *err, size_t errlen);

/* Bytes [from, to] of url (to < 0: to the end; from = 0 and to < 0: the whole file, no Range
   header). Fills info from the last response. 0, or -1 with a reason in err. */
int http_get(const char *url, int64_t from, int64_t to, http_sink sink, void *ctx, http_info *info, char *err,
             size_t errlen);

#endif
