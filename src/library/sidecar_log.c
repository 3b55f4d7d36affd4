/*
 * sidecar_log.c — the sidecar log's SQL; see sidecar_log.h.
 */
#include "library/sidecar_log.h"

#include <string.h>

#include "library/internal.h"
#include "util/fsutil.h"

int library_log_sidecar(library *lib, const library_sidecar *s, const char *event, const char *detail)
{
    int planned = strcmp(event, "planned") == 0;
    sqlite3_stmt *st = library_prepare(lib,
        "INSERT INTO sidecar_log (batch, path, existed, before, after_sha256, event, detail, at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, s->batch);
    sqlite3_bind_blob(st, 2, s->path, (int)strlen(s->path), SQLITE_STATIC);
    sqlite3_bind_int(st, 3, s->existed);
    if (planned && s->existed) sqlite3_bind_blob64(st, 4, s->before ? s->before : "", s->before_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, s->after_sha256, planned ? 32 : 0, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, detail ? detail : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, library_now());
    return library_step_done(lib, st, "log sidecar write");
}

int library_each_last_sidecar(library *lib, int64_t batch, library_sidecar_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib,
        "SELECT l.batch, l.path, l.event, p.existed, p.before, p.after_sha256"
        " FROM sidecar_log l JOIN sidecar_log p ON p.batch = l.batch AND p.path = l.path AND p.event = 'planned'"
        " WHERE l.id IN (SELECT MAX(id) FROM sidecar_log WHERE ?1 < 0 OR batch = ?1 GROUP BY batch, path)"
        " ORDER BY l.id");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, batch);
    char path[FS_PATH_MAX];
    int rc, stopped = 0;
    while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        library_sidecar s = {0};
        s.batch = sqlite3_column_int64(st, 0);
        s.path = library_column_path(st, 1, path, sizeof path);
        s.event = (const char *)sqlite3_column_text(st, 2);
        s.existed = sqlite3_column_int(st, 3);
        s.before = sqlite3_column_blob(st, 4);
        s.before_len = (size_t)sqlite3_column_bytes(st, 4);
        if (!s.path || sqlite3_column_bytes(st, 5) != 32) continue;
        memcpy(s.after_sha256, sqlite3_column_blob(st, 5), 32);
        stopped = fn(&s, ctx);
    }
    sqlite3_finalize(st);
    return stopped || rc == SQLITE_DONE ? 0 : library_fail(lib, "read sidecar log");
}

int64_t library_last_exported_batch(library *lib)
{
    return library_query_int64(lib,
        "SELECT COALESCE(MAX(batch), 0) FROM sidecar_log WHERE event = 'written' AND id IN"
        " (SELECT MAX(id) FROM sidecar_log GROUP BY batch, path)");
}
