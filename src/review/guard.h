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
 *    browser) cannot even load an image with the cookie.
 *  - A write (POST) carries an Origin or at least no cross-site mark.
 *  - The token, from the cookie the first page load set, an X-Cull-Token header, or ?token=. Every
 *    cookie of our name counts (a page on another port of the same host can set one more of it,
 *    with a narrower Path that the browser sends first; it must not lock the page out).
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
    const char *header_token, *query_token;
    const char *const *cookie_tokens;               /* every value of our cookie, in the order sent */
    int n_cookie_tokens;
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
