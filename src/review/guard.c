/*
 * guard.c — request checks of `cull review`; see guard.h.
 */
#include "review/guard.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "review/token.h"

/* Splits "name:port" or "[v6]:port" into name (brackets kept) and port (-1 when absent). */
static int split_host(const char *host, char *name, size_t cap, long *port)
{
    const char *colon = host[0] == '[' ? strstr(host, "]:") : strrchr(host, ':');
    if (host[0] == '[' && colon) colon++;
    if (host[0] == '[' && !colon && host[strlen(host) - 1] != ']') return -1;
    size_t n = colon ? (size_t)(colon - host) : strlen(host);
    if (n == 0 || n >= cap) return -1;
    memcpy(name, host, n);
    name[n] = 0;
    *port = -1;
    if (colon) {    /* 1 to 5 digits, no sign, no leading zero */
        const char *digits = colon + 1;
        size_t len = strlen(digits);
        if (len == 0 || len > 5 || strspn(digits, "0123456789") != len || digits[0] == '0') return -1;
        *port = strtol(digits, NULL, 10);
        if (*port > 65535) return -1;
    }
    return 0;
}

static int is_ip_literal(const char *name)
{
    unsigned char buf[16];
    if (inet_pton(AF_INET, name, buf) == 1) return 1;
    size_t n = strlen(name);
    if (n < 3 || name[0] != '[' || name[n - 1] != ']' || n > 64) return 0;
    char inner[64];
    memcpy(inner, name + 1, n - 2);
    inner[n - 2] = 0;
    return inet_pton(AF_INET6, inner, buf) == 1;
}

int review_host_allowed(const review_guard *g, const char *host)
{
    char name[256];
    long port;
    if (!host || split_host(host, name, sizeof name, &port)) return 0;
    if (port != g->port && !(port == -1 && g->port == 80)) return 0;
    if (!strcasecmp(name, "127.0.0.1") || !strcasecmp(name, "localhost") || !strcmp(name, "[::1]")) return 1;
    if (g->loopback_only) return 0;
    if (is_ip_literal(name)) return 1;
    if (g->machine_name && *g->machine_name) {
        if (!strcasecmp(name, g->machine_name)) return 1;
        char local[300];
        snprintf(local, sizeof local, "%s.local", g->machine_name);
        if (!strcasecmp(name, local)) return 1;
    }
    return 0;
}

static int is_read(const review_request *r)
{
    return !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
}

/* The page itself may be opened from anywhere (a link in a terminal, a chat, a file): it holds no
   data and does nothing without the token it finds in its own URL. */
static int is_page_load(const review_request *r)
{
    return is_read(r) && !strcmp(r->path, "/");
}

/* The page's own files, the same for everyone. */
static int is_public(const review_request *r)
{
    return is_page_load(r) || (is_read(r) && !strncmp(r->path, "/assets/", 8));
}

/* A GET of /api/image/ID/SIZE whose ?sig= signs ID. */
static int signed_image(const review_guard *g, const review_request *r)
{
    static const char PREFIX[] = "/api/image/";
    if (!is_read(r) || !r->query_sig || strncmp(r->path, PREFIX, sizeof PREFIX - 1)) return 0;
    const char *digits = r->path + sizeof PREFIX - 1;
    size_t n = strspn(digits, "0123456789");
    if (n == 0 || n > 18 || digits[n] != '/' || digits[0] == '0') return 0;
    char sig[REVIEW_TOKEN_CHARS + 1];
    review_image_sig(g->token, strtoll(digits, NULL, 10), sig);
    return review_token_equal(r->query_sig, sig);
}

guard_verdict review_guard_check(const review_guard *g, const review_request *r)
{
    if (r->malformed) return GUARD_MALFORMED;
    if (!review_host_allowed(g, r->host)) return GUARD_BAD_HOST;
    if (r->origin) {
        /* The Host header passed, so this one comparison means "same origin". */
        if (strncasecmp(r->origin, "http://", 7) || strcasecmp(r->origin + 7, r->host)) return GUARD_BAD_ORIGIN;
    }
    const char *site = r->sec_fetch_site;
    if (site && strcmp(site, "same-origin") && strcmp(site, "none") && !is_page_load(r)) return GUARD_CROSS_SITE;
    if (!strcmp(r->method, "POST") && !r->origin && site && strcmp(site, "same-origin")) return GUARD_CROSS_SITE;
    if (is_public(r) || review_token_equal(r->header_token, g->token) || review_token_equal(r->query_token, g->token) ||
        signed_image(g, r))
        return GUARD_OK;
    return GUARD_NO_TOKEN;
}

const char *review_guard_reason(guard_verdict v)
{
    switch (v) {
    case GUARD_OK: return "ok";
    case GUARD_BAD_HOST: return "this server answers only to its own address (Host header refused)";
    case GUARD_BAD_ORIGIN: return "requests from another origin are refused";
    case GUARD_CROSS_SITE: return "cross-site requests are refused";
    case GUARD_NO_TOKEN: return "missing or wrong token: open the URL that cull review printed";
    case GUARD_MALFORMED: return "malformed request";
    }
    return "refused";
}
