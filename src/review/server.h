/*
 * server.h — the HTTP side of `cull review` on libmicrohttpd: one thread per connection (a slow
 * image decode never holds up a label), every request through the guard (guard.h), then the
 * page and its assets, or the API (api.h). Security headers on every reply: a strict
 * Content-Security-Policy, no framing, no sniffing, no referrer, same-origin resources only.
 */
#ifndef CULL_REVIEW_SERVER_H
#define CULL_REVIEW_SERVER_H

#include <stddef.h>
#include "review/guard.h"
#include "review/session.h"

typedef struct review_server review_server;

/* Serves on listen_fd (bound and listening; closed by server_stop). The guard is copied; its
   strings must outlive the server. NULL with err on failure. */
review_server *server_start(review_session *s, const review_guard *g, int listen_fd, int ipv6, char *err,
                            size_t errlen);
/* Closes every connection, waits for their threads, frees the server. */
void server_stop(review_server *srv);

#endif
