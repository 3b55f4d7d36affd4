/*
 * http.c — reply helpers; see http.h.
 */
#include "review/http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

int reply_json(review_reply *r, int status, json_t *j)
{
    r->status = status;
    r->type = "application/json";
    r->fd = -1;
    r->body = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(j);
    if (!r->body) {
        r->status = 500;
        r->body = strdup("{\"error\":\"out of memory\"}");
    }
    r->len = r->body ? (int64_t)strlen(r->body) : 0;
    return 0;
}

int reply_error(review_reply *r, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    reply_json(r, status, json_pack("{s:s}", "error", msg));
    r->status = status;
    return 0;
}

void reply_free(review_reply *r)
{
    free(r->body);
    r->body = NULL;
    if (r->fd >= 0) close(r->fd);
    r->fd = -1;
}
