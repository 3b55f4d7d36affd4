/*
 * head_deadline.h — a connection to `cull review` must present a request with the token within
 * HEAD_DEADLINE_S of connecting, or it is closed.
 *
 * libmicrohttpd's own timeout is an idle timeout: it restarts with every byte, so a client that
 * trickles one header line every few seconds (slowloris) holds its connection slot for ever, and
 * enough of them lock everyone out before the guard ever sees a request. This closes every
 * connection that has not been let through by the guard (head_deadline_passed) by its deadline,
 * whatever it sends. A connection the guard let through once may then idle between requests as
 * long as the server's idle timeout allows (the page's keep-alive connections).
 *
 * Wiring: pass head_deadline_notify with the watcher as MHD_OPTION_NOTIFY_CONNECTION; call
 * head_deadline_passed from the request handler once the guard let a request through.
 */
#ifndef CULL_REVIEW_HEAD_DEADLINE_H
#define CULL_REVIEW_HEAD_DEADLINE_H

#include <microhttpd.h>

#define HEAD_DEADLINE_S 10

typedef struct head_deadline head_deadline;

/* Starts the watcher (one thread, waking once a second). NULL on failure (out of memory, or no
   thread). */
head_deadline *head_deadline_start(void);
/* Stops the thread and frees the watcher; call after the daemon stopped. NULL is fine. */
void head_deadline_stop(head_deadline *w);

/* MHD_NotifyConnectionCallback; cls is the watcher. */
void head_deadline_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code);
/* The guard let a request of c through: its deadline no longer applies. */
void head_deadline_passed(head_deadline *w, struct MHD_Connection *c);

#endif
