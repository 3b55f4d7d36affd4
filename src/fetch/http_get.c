/*
 * http_get.c — a resumable, verified GET on libcurl (http_get.h).
 */
#include "fetch/http_get.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#define MAX_RETRIES 5
#define MAX_RETRIES_UNREACHABLE 2
#define BACKOFF_CAP_MS 30000

/* One attempt's state, shared with the callbacks. */
typedef struct {
    http_info info;
    int64_t want_start, want_end;   /* the range asked for in this attempt (end −1: to the end) */
    int ranged;                     /* a Range header was sent */
    int64_t delivered;              /* body bytes passed to the sink over all attempts */
    int64_t limit;                  /* bytes wanted in all (−1: unknown) */
    int64_t got_start, got_end;     /* Content-Range of the final response (−1 none) */
    int body_ok;                    /* the current response's body is the data (2xx, checked) */
    int sink_failed, bad_range;
    char first_etag[160];           /* the first data response's: later ones must match it */
    http_sink sink;
    void *ctx;
    char *err;
    size_t errlen;
} attempt;

static void copy_value(char *dst, size_t cap, const char *v, size_t n)
{
    while (n && isspace((unsigned char)*v)) v++, n--;
    while (n && isspace((unsigned char)v[n - 1])) n--;
    if (n >= 2 && v[0] == 'W' && v[1] == '/') v += 2, n -= 2;
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') v++, n -= 2;
    if (n >= cap) n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = 0;
}

static int64_t parse_i64(const char *v, size_t n)
{
    char buf[32];
    copy_value(buf, sizeof buf, v, n);
    char *end;
    errno = 0;
    long long x = strtoll(buf, &end, 10);
    return errno || end == buf || *end || x < 0 ? -1 : (int64_t)x;
}

/* Does the header line h (length n) start with name (case-insensitive)? Then *v is its value. */
static int header_is(const char *h, size_t n, const char *name, const char **v, size_t *vn)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(h, name, k) != 0 || h[k] != ':') return 0;
    *v = h + k + 1;
    *vn = n - k - 1;
    return 1;
}

static size_t on_header(char *h, size_t size, size_t nitems, void *userdata)
{
    attempt *a = userdata;
    size_t n = size * nitems;
    const char *v;
    size_t vn;
    if (n >= 5 && strncmp(h, "HTTP/", 5) == 0) { /* a new response (redirects give several) */
        const char *sp = memchr(h, ' ', n);
        a->info.status = sp ? strtol(sp + 1, NULL, 10) : 0;
        a->info.content_length = -1;
        a->info.range_total = -1;
        a->info.etag[0] = 0;
        a->got_start = a->got_end = -1;
        a->body_ok = 0;
    } else if (header_is(h, n, "content-length", &v, &vn)) {
        a->info.content_length = parse_i64(v, vn);
    } else if (header_is(h, n, "etag", &v, &vn)) {
        copy_value(a->info.etag, sizeof a->info.etag, v, vn);
    } else if (header_is(h, n, "x-linked-etag", &v, &vn)) {
        copy_value(a->info.linked_etag, sizeof a->info.linked_etag, v, vn);
    } else if (header_is(h, n, "x-linked-size", &v, &vn)) {
        a->info.linked_size = parse_i64(v, vn);
    } else if (header_is(h, n, "content-range", &v, &vn)) {
        char buf[96];
        copy_value(buf, sizeof buf, v, vn);
        long long s, e, t;
        if (sscanf(buf, "bytes %lld-%lld/%lld", &s, &e, &t) == 3 && s >= 0 && e >= s && t > e) {
            a->got_start = s;
            a->got_end = e;
            a->info.range_total = t;
        } else if (sscanf(buf, "bytes */%lld", &t) == 1) {
            a->info.range_total = t;
        }
    } else if (n <= 2) { /* the blank line ending a response's headers: is its body our data? */
        long st = a->info.status;
        if (st == 206 && a->ranged) {
            int64_t end = a->want_end >= 0 ? a->want_end : a->info.range_total - 1;
            a->body_ok = a->got_start == a->want_start && a->got_end == end;
            if (!a->body_ok) a->bad_range = 1;
        } else if (st == 200) {
            /* a whole file: what we asked for, or a server ignoring Range from byte 0 */
            a->body_ok = !a->ranged || a->want_start == 0;
            if (!a->body_ok) a->bad_range = 1;
        }
        if (a->body_ok && a->first_etag[0] && a->info.etag[0] && strcmp(a->first_etag, a->info.etag) != 0) {
            snprintf(a->err, a->errlen, "the file changed on the server during the download (ETag %s, then %s)",
                     a->first_etag, a->info.etag);
            a->body_ok = 0;
            a->sink_failed = 1;
            return 0; /* aborts */
        }
        if (a->body_ok && !a->first_etag[0]) snprintf(a->first_etag, sizeof a->first_etag, "%s", a->info.etag);
    }
    return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    attempt *a = userdata;
    size_t n = size * nmemb;
    if (!a->body_ok) return n; /* an error page or a redirect's body: not our data */
    size_t take = n;
    if (a->limit >= 0 && a->delivered + (int64_t)take > a->limit) take = (size_t)(a->limit - a->delivered);
    if (take && a->sink(a->ctx, (const uint8_t *)data, take, a->err, a->errlen)) {
        a->sink_failed = 1;
        return 0;
    }
    a->delivered += (int64_t)take;
    return take == n ? n : 0; /* a server sending more than asked: stop (checked after) */
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static long first_backoff_ms(void)
{
    const char *v = getenv("CULL_HTTP_BACKOFF_MS");
    long ms = v && *v ? strtol(v, NULL, 10) : 1000;
    return ms >= 0 && ms <= BACKOFF_CAP_MS ? ms : 1000;
}

typedef enum { OK, RETRY, RETRY_UNREACHABLE, FAIL } outcome;

static outcome classify(CURLcode rc, attempt *a, const char *url, char *err, size_t errlen)
{
    long st = a->info.status;
    if (a->sink_failed) return FAIL; /* the sink or the ETag check said why */
    if (a->bad_range && a->first_etag[0] && a->info.etag[0] && strcmp(a->first_etag, a->info.etag) != 0) {
        snprintf(err, errlen, "%s: the file changed on the server during the download (ETag %s, then %s)", url,
                 a->first_etag, a->info.etag);
        return FAIL;
    }
    if (a->bad_range) {
        snprintf(err, errlen, "%s: the server answered HTTP %ld with bytes %lld-%lld, not the range asked for (%lld-%lld)",
                 url, st, (long long)a->got_start, (long long)a->got_end, (long long)a->want_start,
                 (long long)a->want_end);
        return FAIL;
    }
    if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY) {
        snprintf(err, errlen, "cannot reach %s: %s. Offline? (a proxy is taken from https_proxy / HTTPS_PROXY)", url,
                 curl_easy_strerror(rc));
        return FAIL;
    }
    if (rc == CURLE_COULDNT_CONNECT) {
        snprintf(err, errlen, "cannot connect to %s: %s. Offline, or a firewall? (a proxy is taken from https_proxy / "
                 "HTTPS_PROXY)", url, curl_easy_strerror(rc));
        return RETRY_UNREACHABLE;
    }
    if (rc == CURLE_SSL_CACERT || rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR) {
        snprintf(err, errlen, "%s: TLS failed: %s", url, curl_easy_strerror(rc));
        return rc == CURLE_SSL_CONNECT_ERROR ? RETRY : FAIL;
    }
    if (st == 401 || st == 403) {
        snprintf(err, errlen, "%s: HTTP %ld: access denied (a gated or private repository? cull sends no token)", url,
                 st);
        return FAIL;
    }
    if (st == 404) {
        snprintf(err, errlen, "%s: HTTP 404: no such file at that revision", url);
        return FAIL;
    }
    if (st == 416) {
        snprintf(err, errlen, "%s: HTTP 416: the range %lld-%lld is not in the file (it is shorter than expected)", url,
                 (long long)a->want_start, (long long)a->want_end);
        return FAIL;
    }
    if (st == 429 || st >= 500) {
        snprintf(err, errlen, "%s: HTTP %ld", url, st);
        return RETRY;
    }
    if (rc == CURLE_WRITE_ERROR && a->limit >= 0 && a->delivered == a->limit) return OK; /* cut off the excess */
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
        return RETRY; /* dropped, reset, timed out, partial: resume */
    }
    if (!a->body_ok) {
        snprintf(err, errlen, "%s: unexpected HTTP %ld", url, st);
        return FAIL;
    }
    if (a->limit >= 0 && a->delivered < a->limit) {
        snprintf(err, errlen, "%s: the transfer ended after %lld of %lld bytes", url, (long long)a->delivered,
                 (long long)a->limit);
        return RETRY;
    }
    return OK;
}

static CURL *make_handle(const char *url, attempt *a)
{
    CURL *c = curl_easy_init();
    if (!c) return NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "cull (https://huggingface.co model fetch; libcurl)");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);   /* stalled for 60 s: give up, then resume */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
    if (a->ranged) {
        char range[64];
        if (a->want_end >= 0) snprintf(range, sizeof range, "%lld-%lld", (long long)a->want_start, (long long)a->want_end);
        else snprintf(range, sizeof range, "%lld-", (long long)a->want_start);
        curl_easy_setopt(c, CURLOPT_RANGE, range);
    }
    return c;
}

int http_get(const char *url, int64_t from, int64_t to, http_sink sink, void *ctx, http_info *info, char *err,
             size_t errlen)
{
    static int curl_ready;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = 1;
    }
    attempt a = {.sink = sink, .ctx = ctx, .err = err, .errlen = errlen};
    a.info.linked_size = -1;
    a.limit = to >= 0 ? to - from + 1 : -1;
    long delay = first_backoff_ms();
    int tries = 0, unreachable = 0;
    for (;;) {
        a.want_start = from + a.delivered;
        a.want_end = to;
        a.ranged = from > 0 || to >= 0 || a.delivered > 0;
        a.body_ok = a.sink_failed = a.bad_range = 0;
        a.got_start = a.got_end = -1;
        CURL *c = make_handle(url, &a);
        if (!c) {
            snprintf(err, errlen, "%s: cannot start libcurl", url);
            return -1;
        }
        CURLcode rc = curl_easy_perform(c);
        curl_easy_cleanup(c);
        /* A whole-file answer tells the full length; hold it to that on this and later attempts. */
        if (a.limit < 0 && a.body_ok && a.info.status == 200 && a.info.content_length >= 0)
            a.limit = a.info.content_length;
        if (a.limit < 0 && a.body_ok && a.info.status == 206 && a.info.range_total > 0)
            a.limit = a.info.range_total - from;
        outcome o = classify(rc, &a, url, err, errlen);
        if (o == OK) break;
        if (o == FAIL) return -1;
        if (o == RETRY_UNREACHABLE ? ++unreachable > MAX_RETRIES_UNREACHABLE : ++tries > MAX_RETRIES) return -1;
        fprintf(stderr, "cull: %s; retrying in %ld ms (%lld bytes received so far)\n", err, delay,
                (long long)a.delivered);
        sleep_ms(delay);
        delay = delay * 2 > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : delay * 2;
    }
    if (info) *info = a.info;
    return 0;
}
