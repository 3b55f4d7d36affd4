/*
 * http.h — a request as the API sees it and the reply it builds, independent of the HTTP library
 * (server.c turns them into libmicrohttpd calls).
 */
#ifndef CULL_REVIEW_HTTP_H
#define CULL_REVIEW_HTTP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *method;                              /* "GET", "HEAD" or "POST" */
    const char *path;                                /* without the query */
    const char *(*arg)(void *ctx, const char *name); /* a query argument, or NULL */
    void *arg_ctx;
    const char *body;                                /* POST body (NUL-terminated), or NULL */
    size_t body_len;
} review_call;

typedef struct {
    int status;
    const char *type;          /* Content-Type (static) */
    char *body;                /* malloc'd, owned; or */
    int fd;                    /* a file to send (owned), -1 when none */
    int64_t len;
    const char *cache;         /* Cache-Control (static); NULL: no-store */
} review_reply;

/* Take j (json_decref'd here). Both return 0, so that a handler can `return reply_error(...)`. */
struct json_t;
int reply_json(review_reply *r, int status, struct json_t *j);
/* {"error": message} with status. */
int reply_error(review_reply *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void reply_free(review_reply *r);

#endif
