/*
 * xmp_log.c — the XMP write log's SQL; see xmp_log.h.
 */
#include "library/xmp_log.h"

#include <string.h>

#include "library/internal.h"
#include "util/fsutil.h"

static void bind_text_blob(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_blob(st, i, s ? s : "", s ? (int)strlen(s) : 0, SQLITE_STATIC);
}

int library_log_xmp_write(library *lib, const library_xmp_write *w, const char *event, const char *detail)
{
    int planned = strcmp(event, "planned") == 0, preparing = strcmp(event, "preparing") == 0;
    sqlite3_stmt *st = library_prepare(lib,
        "INSERT INTO xmp_log (batch, path, embedded, existed, before, before_sha256, after_sha256, trash_path,"
        " info_path, event, detail, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, w->batch);
    bind_text_blob(st, 2, w->path);
    sqlite3_bind_int(st, 3, w->embedded);
    sqlite3_bind_int(st, 4, w->existed);
    if (planned && !w->embedded && w->existed)
        sqlite3_bind_blob64(st, 5, w->before ? w->before : "", w->before_len, SQLITE_STATIC);
    if ((planned || preparing) && w->embedded) sqlite3_bind_blob(st, 6, w->before_sha256, 32, SQLITE_STATIC);
    if (planned) sqlite3_bind_blob(st, 7, w->after_sha256, 32, SQLITE_STATIC);
    bind_text_blob(st, 8, planned ? w->trash_path : NULL);
    bind_text_blob(st, 9, planned ? w->info_path : NULL);
    sqlite3_bind_text(st, 10, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, detail ? detail : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 12, library_now());
    return library_step_done(lib, st, "log XMP write");
}

int library_each_last_xmp_write(library *lib, int64_t batch, library_xmp_write_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib,
        "SELECT l.batch, l.path, l.event, p.embedded, p.existed, p.before, p.before_sha256, p.after_sha256,"
        " p.trash_path, p.info_path"
        " FROM xmp_log l JOIN xmp_log p ON p.id = (SELECT MAX(id) FROM xmp_log WHERE batch = l.batch AND path = l.path"
        "  AND event IN ('preparing', 'planned'))"
        " WHERE l.id IN (SELECT MAX(id) FROM xmp_log WHERE ?1 < 0 OR batch = ?1 GROUP BY batch, path)"
        " ORDER BY l.id");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, batch);
    char path[FS_PATH_MAX], trash[FS_PATH_MAX], info[FS_PATH_MAX];
    int rc, stopped = 0;
    while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        library_xmp_write w = {0};
        w.batch = sqlite3_column_int64(st, 0);
        w.path = library_column_path(st, 1, path, sizeof path);
        w.event = (const char *)sqlite3_column_text(st, 2);
        w.embedded = sqlite3_column_int(st, 3);
        w.existed = sqlite3_column_int(st, 4);
        w.before = sqlite3_column_blob(st, 5);
        w.before_len = (size_t)sqlite3_column_bytes(st, 5);
        if (sqlite3_column_bytes(st, 6) == 32) memcpy(w.before_sha256, sqlite3_column_blob(st, 6), 32);
        w.trash_path = library_column_path(st, 8, trash, sizeof trash);
        w.info_path = library_column_path(st, 9, info, sizeof info);
        if (!w.path) continue;
        if (!w.trash_path) w.trash_path = "";
        if (!w.info_path) w.info_path = "";
        if (sqlite3_column_bytes(st, 7) == 32) memcpy(w.after_sha256, sqlite3_column_blob(st, 7), 32);
        stopped = fn(&w, ctx);
    }
    sqlite3_finalize(st);
    return stopped || rc == SQLITE_DONE ? 0 : library_fail(lib, "read XMP write log");
}

int64_t library_last_exported_batch(library *lib)
{
    return library_query_int64(lib,
        "SELECT COALESCE(MAX(batch), 0) FROM xmp_log WHERE event = 'written' AND id IN"
        " (SELECT MAX(id) FROM xmp_log GROUP BY batch, path)");
}
