/*
 * guard.h — who may talk to `cull review`: the checks every request passes before it is served.
 *
 *  - Host must name this server by an address, never by a domain name (DNS rebinding: a page of
 *    evil.example that re-points its name at 127.0.0.1 still sends "Host: evil.example"): only
 *    127.0.0.1, localhost and [::1] on loopback; with --listen also IP literals and this
 *    machine's name. The port must be ours.
 *  - Origin, when sent, must be this very origin (cross-site writes and reads by script).
 *  - Sec-Fetch-Site, when sent, must be same-origin or none (a navigation the user started),
 *    except for loading the page itself; so a site on another port of 127.0.0.1 (same-site to a
 *    browser) cannot even load an image.
 *  - A write (POST) carries an Origin or at least no cross-site mark.
 *  - The page (GET /) and its built-in assets are served without the token: they hold no data.
 *    The page takes the token from the URL it was opened with, keeps it in the tab's
 *    sessionStorage (this origin only) and sends it as an X-Cull-Token header. No cookie is used:
 *    browsers send cookies to every port of a host, so a cookie would hand the token to any other
 *    service on 127.0.0.1 the browser visits.
 *  - Everything under /api/ needs the token: the X-Cull-Token header or ?token= (scripts). An
 *    image (GET /api/image/ID/...) may instead carry ?sig=, the signature of that one id
 *    (token.h), since an <img> cannot send a header.
 *  - Strict parsing: a Host, Origin, Sec-Fetch-Site, X-Cull-Token or Content-Length header sent
 *    twice, a port with a sign or a leading zero, a token with a NUL in it: refused (the server
 *    notes what it saw in `malformed`).
 * Pure functions of the request's headers, so they are tested without a server.
 */
#ifndef CULL_REVIEW_GUARD_H
#define CULL_REVIEW_GUARD_H

typedef struct {
    int port;
    int loopback_only;           /* 0 only with --listen */
    const char *listen_host;     /* the numeric address given to --listen, or NULL */
    const char *machine_name;    /* gethostname(), accepted with --listen; may be "" */
    const char *token;
} review_guard;

typedef struct {
    const char *method;          /* "GET", "POST", ... */
    const char *path;            /* URL path without the query */
    const char *host, *origin, *sec_fetch_site;     /* headers, NULL when absent */
    const char *header_token, *query_token, *query_sig;
    const char *malformed;       /* NULL, or what the server found wrong with the request's syntax */
} review_request;

typedef enum {
    GUARD_OK, GUARD_BAD_HOST, GUARD_BAD_ORIGIN, GUARD_CROSS_SITE, GUARD_NO_TOKEN, GUARD_MALFORMED
} guard_verdict;

guard_verdict review_guard_check(const review_guard *g, const review_request *r);
/* A short English reason for the 403 body. */
const char *review_guard_reason(guard_verdict v);
/* 1 when a Host header value names this server (see above). */
int review_host_allowed(const review_guard *g, const char *host);

#endif
