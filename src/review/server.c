/*
 * server.c — libmicrohttpd glue: guard, routing, replies; see server.h.
 */
#include "review/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <microhttpd.h>

#include "review/api.h"
#include "review/assets.h"
#include "review/head_deadline.h"

#define BODY_MAX (64 * 1024)
/* Slots: enough that a few hundred slow or idle connections (each cut at its head deadline,
   head_deadline.h) leave room for the page's own; with --listen, at most PER_IP_LIMIT from one
   address. One thread each, with a modest stack. */
#define CONNECTION_LIMIT 512
#define PER_IP_LIMIT 32
#define THREAD_STACK (2u << 20)
#define IDLE_TIMEOUT_S 120

struct review_server {
    struct MHD_Daemon *daemon;
    head_deadline *deadline;
    review_session *s;
    review_guard guard;
};

typedef struct {
    char *body;
    size_t len;
    int too_big;
} conn_ctx;

static const char CSP[] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                          "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

static void add_headers(struct MHD_Response *resp, const char *type, const char *cache)
{
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", cache ? cache : "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
}

static enum MHD_Result send_static(struct MHD_Connection *c, int status, const char *type, const void *data,
                                   size_t len, const char *cache)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    add_headers(resp, type, cache);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result refuse(struct MHD_Connection *c, int status, const char *reason)
{
    char text[300];
    int n = snprintf(text, sizeof text, "%d %s: %s\n", status, status == 403 ? "Forbidden" : "Refused", reason);
    struct MHD_Response *resp = MHD_create_response_from_buffer((size_t)n, text, MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    add_headers(resp, "text/plain; charset=utf-8", NULL);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");   /* a refused client keeps no slot */
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, review_reply *r)
{
    struct MHD_Response *resp;
    if (r->fd >= 0) {
        resp = MHD_create_response_from_fd((size_t)r->len, r->fd);
        if (resp) r->fd = -1;    /* the response closes it */
    } else {
        resp = MHD_create_response_from_buffer((size_t)r->len, r->body, MHD_RESPMEM_MUST_FREE);
        if (resp) r->body = NULL;
    }
    reply_free(r);
    if (!resp) return MHD_NO;
    add_headers(resp, r->type ? r->type : "application/json", r->cache);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* The headers the guard relies on: each may be sent once. */
static const char *const SINGLE_HEADERS[] = {"Host", "Origin", "Sec-Fetch-Site", "X-Cull-Token", "Content-Length"};
#define N_SINGLE (sizeof SINGLE_HEADERS / sizeof *SINGLE_HEADERS)

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    int *seen = cls;
    for (size_t i = 0; i < N_SINGLE; i++)
        if (!strcasecmp(key, SINGLE_HEADERS[i])) seen[i]++;
    return MHD_YES;
}

/* 1 when the query argument name holds a NUL (a value cut short where a C string ends). */
static int nul_in_arg(struct MHD_Connection *c, const char *name)
{
    const char *value;
    size_t len;
    return MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND, name, strlen(name), &value, &len) == MHD_YES &&
           value && strlen(value) != len;
}

/* NULL, or what is wrong with the request's syntax: a header the guard relies on sent twice (which
   copy would a proxy or a browser have meant?), a token or signature cut short by a NUL. */
static const char *malformed(struct MHD_Connection *c)
{
    int seen[N_SINGLE] = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, seen);
    for (size_t i = 0; i < N_SINGLE; i++)
        if (seen[i] > 1) return "a security header was sent twice";
    if (nul_in_arg(c, "token") || nul_in_arg(c, "sig")) return "a NUL in the token";
    return NULL;
}

static const char *query_arg(void *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result serve(review_server *srv, struct MHD_Connection *c, const char *url, const char *method,
                             conn_ctx *ctx)
{
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (!strcmp(url, "/") && get) {
        const review_asset *page = review_asset_find("index.html");
        return page ? send_static(c, 200, review_asset_type(page->name), page->data, page->len, NULL)
                    : refuse(c, 500, "page missing from the build");
    }
    if (!strncmp(url, "/assets/", 8) && get) {
        const review_asset *a = review_asset_find(url + 8);
        if (!a) return refuse(c, 404, "no such file");
        return send_static(c, 200, review_asset_type(a->name), a->data, a->len, NULL);
    }
    if (strncmp(url, "/api/", 5)) return refuse(c, 404, "no such page");
    if (ctx->too_big) return refuse(c, 413, "request body too large");
    review_call call = {method, url, query_arg, c, ctx->body, ctx->len};
    review_reply r = {.fd = -1};
    api_handle(srv->s, &call, &r);
    return send_reply(c, &r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    review_server *srv = cls;
    conn_ctx *ctx = *con_cls;
    if (!ctx) {     /* headers are in: decide before reading any body */
        if (strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "POST"))
            return refuse(c, 405, "method not allowed");
        review_request rq = {
            .method = method,
            .path = url,
            .host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"),
            .origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"),
            .sec_fetch_site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site"),
            .header_token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Cull-Token"),
            .query_token = query_arg(c, "token"),
            .query_sig = query_arg(c, "sig"),
            .malformed = malformed(c),
        };
        guard_verdict v = review_guard_check(&srv->guard, &rq);
        if (v == GUARD_MALFORMED) return refuse(c, 400, rq.malformed);
        if (v != GUARD_OK) return refuse(c, 403, review_guard_reason(v));
        head_deadline_passed(srv->deadline, c);
        if (!(ctx = calloc(1, sizeof *ctx))) return MHD_NO;
        *con_cls = ctx;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (ctx->too_big || ctx->len + n > BODY_MAX) {
            ctx->too_big = 1;
            return MHD_YES;
        }
        char *grown = realloc(ctx->body, ctx->len + n + 1);
        if (!grown) return MHD_NO;
        memcpy(grown + ctx->len, upload, n);
        ctx->body = grown;
        ctx->len += n;
        ctx->body[ctx->len] = 0;
        return MHD_YES;
    }
    return serve(srv, c, url, method, ctx);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why)
{
    conn_ctx *ctx = *con_cls;
    if (ctx) free(ctx->body);
    free(ctx);
    *con_cls = NULL;
}

review_server *server_start(review_session *s, const review_guard *g, int listen_fd, int ipv6, char *err,
                            size_t errlen)
{
    review_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    srv->s = s;
    srv->guard = *g;
    if (!(srv->deadline = head_deadline_start())) {
        snprintf(err, errlen, "cannot start the connection watcher (out of memory or threads)");
        free(srv);
        return NULL;
    }
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION | (ipv6 ? MHD_USE_IPv6 : 0);
    srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
                                   MHD_OPTION_LISTEN_SOCKET, listen_fd,
                                   MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
                                   MHD_OPTION_PER_IP_CONNECTION_LIMIT, g->loopback_only ? 0u : (unsigned)PER_IP_LIMIT,
                                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
                                   MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK,
                                   MHD_OPTION_NOTIFY_CONNECTION, head_deadline_notify, srv->deadline,
                                   MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                                   MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, errlen, "cannot start the HTTP server (libmicrohttpd)");
        head_deadline_stop(srv->deadline);
        free(srv);
        return NULL;
    }
    return srv;
}

void server_stop(review_server *srv)
{
    if (!srv) return;
    MHD_stop_daemon(srv->daemon);
    head_deadline_stop(srv->deadline);
    free(srv);
}
