/*
 * head_deadline.c — closing connections that do not get through the guard in time; see
 * head_deadline.h.
 */
#include "review/head_deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "util/progress.h"

/* One open connection. Lives from MHD's STARTED notification to its CLOSED one, which MHD sends
   before it closes the socket: under the lock, fd is always this connection's own. */
typedef struct watched {
    struct watched *prev, *next;
    int fd;
    double started;
    int passed, cut;
} watched;

struct head_deadline {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int stopping;
    watched *head;
};

static void *sweep(void *arg)
{
    head_deadline *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stopping) {
        double now = now_monotonic();
        for (watched *c = w->head; c; c = c->next)
            if (!c->passed && !c->cut && now - c->started >= HEAD_DEADLINE_S) {
                shutdown(c->fd, SHUT_RDWR);    /* MHD's read fails: it closes the connection */
                c->cut = 1;
            }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&w->wake, &w->lock, &until);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

head_deadline *head_deadline_start(void)
{
    head_deadline *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, sweep, w)) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    return w;
}

void head_deadline_stop(head_deadline *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    while (w->head) {    /* none after the daemon stopped; kept tidy all the same */
        watched *c = w->head;
        w->head = c->next;
        free(c);
    }
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

void head_deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    head_deadline *w = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        watched *c = info ? calloc(1, sizeof *c) : NULL;
        if (!c) {   /* cannot watch it: cut it at once rather than let it hold a slot unwatched */
            if (info) shutdown(info->connect_fd, SHUT_RDWR);
            *socket_context = NULL;
            return;
        }
        c->fd = info->connect_fd;
        c->started = now_monotonic();
        pthread_mutex_lock(&w->lock);
        c->next = w->head;
        if (w->head) w->head->prev = c;
        w->head = c;
        pthread_mutex_unlock(&w->lock);
        *socket_context = c;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        watched *c = *socket_context;
        if (!c) return;
        pthread_mutex_lock(&w->lock);
        if (c->prev) c->prev->next = c->next;
        else w->head = c->next;
        if (c->next) c->next->prev = c->prev;
        pthread_mutex_unlock(&w->lock);
        free(c);
        *socket_context = NULL;
    }
}

void head_deadline_passed(head_deadline *w, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    watched *c = info ? info->socket_context : NULL;
    if (!c) return;
    pthread_mutex_lock(&w->lock);
    c->passed = 1;
    pthread_mutex_unlock(&w->lock);
}
