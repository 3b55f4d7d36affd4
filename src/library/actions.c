/*
 * actions.c — the action log's SQL; see actions.h.
 */
#include "library/actions.h"

#include <string.h>

#include "library/internal.h"
#include "util/fsutil.h"

int64_t library_new_batch(library *lib)
{
    return library_query_int64(lib, "SELECT MAX(COALESCE((SELECT MAX(batch) FROM action_log), 0),"
                                    " COALESCE((SELECT MAX(batch) FROM xmp_log), 0)) + 1");
}

int64_t library_unfinished_batch(library *lib)
{
    return library_query_int64(lib, "SELECT COALESCE(MAX(value), 0) FROM meta WHERE key = 'unfinished_apply'");
}

int library_set_unfinished_batch(library *lib, int64_t batch)
{
    sqlite3_stmt *st = library_prepare(lib, batch ? "INSERT OR REPLACE INTO meta VALUES ('unfinished_apply', ?1)"
                                                  : "DELETE FROM meta WHERE key = 'unfinished_apply'");
    if (!st) return -1;
    if (batch) sqlite3_bind_int64(st, 1, batch);
    return library_step_done(lib, st, "mark apply batch");
}

static void bind_path(sqlite3_stmt *st, int i, const char *p)
{
    sqlite3_bind_blob(st, i, p, (int)strlen(p), SQLITE_STATIC);
}

int library_log_action(library *lib, const library_action *a, const char *event, const char *detail)
{
    sqlite3_stmt *st = library_prepare(lib,
        "INSERT INTO action_log (batch, image_id, path, trash_path, info_path, bytes, event, detail, at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, a->batch);
    sqlite3_bind_int64(st, 2, a->image_id);
    bind_path(st, 3, a->path);
    bind_path(st, 4, a->trash_path);
    bind_path(st, 5, a->info_path);
    sqlite3_bind_int64(st, 6, a->bytes);
    sqlite3_bind_text(st, 7, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, detail ? detail : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, library_now());
    return library_step_done(lib, st, "log action");
}

/* A path column, "" when absent (log rows always have one). */
static const char *blob_string(sqlite3_stmt *st, int col, char *buf, size_t cap)
{
    const char *p = library_column_path(st, col, buf, cap);
    return p ? p : "";
}

int library_each_last_action(library *lib, int64_t batch, library_action_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib,
        "SELECT a.batch, a.image_id, a.bytes, a.path, a.trash_path, a.info_path, a.event, i.sha256"
        " FROM action_log a JOIN images i ON i.id = a.image_id"
        " WHERE a.id IN (SELECT MAX(id) FROM action_log WHERE ?1 < 0 OR batch = ?1 GROUP BY batch, path)"
        " ORDER BY a.id");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, batch);
    char path[FS_PATH_MAX], trash[FS_PATH_MAX], info[FS_PATH_MAX];
    int rc, stopped = 0;
    while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        library_action a = {0};
        a.batch = sqlite3_column_int64(st, 0);
        a.image_id = sqlite3_column_int64(st, 1);
        a.bytes = sqlite3_column_int64(st, 2);
        a.path = blob_string(st, 3, path, sizeof path);
        a.trash_path = blob_string(st, 4, trash, sizeof trash);
        a.info_path = blob_string(st, 5, info, sizeof info);
        a.event = (const char *)sqlite3_column_text(st, 6);
        if (sqlite3_column_bytes(st, 7) == 32) memcpy(a.sha256, sqlite3_column_blob(st, 7), 32);
        stopped = fn(&a, ctx);
    }
    sqlite3_finalize(st);
    return stopped || rc == SQLITE_DONE ? 0 : library_fail(lib, "read action log");
}

int64_t library_last_trashed_batch(library *lib)
{
    return library_query_int64(lib,
        "SELECT COALESCE(MAX(batch), 0) FROM action_log WHERE event = 'moved' AND id IN"
        " (SELECT MAX(id) FROM action_log GROUP BY batch, path)");
}

/* Hands each row of st (path, image_id, sha256, size, mtime_ns, inode, dev) to fn. */
static int each_file_row(library *lib, sqlite3_stmt *st, library_delete_fn fn, void *ctx, const char *what)
{
    if (!st) return -1;
    char path[FS_PATH_MAX];
    int rc, stopped = 0;
    while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 2) != 32) continue;
        file_stamp s = {sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
                        sqlite3_column_int64(st, 6)};
        stopped = fn(blob_string(st, 0, path, sizeof path), sqlite3_column_int64(st, 1), sqlite3_column_blob(st, 2),
                     &s, ctx);
    }
    sqlite3_finalize(st);
    return stopped || rc == SQLITE_DONE ? 0 : library_fail(lib, what);
}

int library_each_delete_candidate(library *lib, library_delete_fn fn, void *ctx)
{
    return each_file_row(lib,
                         library_prepare(lib,
                             "SELECT p.path, p.image_id, i.sha256, p.size, p.mtime_ns, p.inode, p.dev"
                             " FROM paths p JOIN labels l ON l.image_id = p.image_id AND l.label = 1"
                             " JOIN images i ON i.id = p.image_id WHERE p.present = 1 ORDER BY p.path"),
                         fn, ctx, "read delete candidates");
}

int library_each_exact_copy(library *lib, library_delete_fn fn, void *ctx)
{
    return each_file_row(lib,
                         library_prepare(lib,
                             "SELECT p.path, p.image_id, i.sha256, p.size, p.mtime_ns, p.inode, p.dev"
                             " FROM paths p JOIN images i ON i.id = p.image_id"
                             " WHERE p.present = 1 AND p.image_id IN"
                             "  (SELECT image_id FROM paths WHERE present = 1 GROUP BY image_id HAVING count(*) > 1)"
                             " ORDER BY p.image_id, p.path"),
                         fn, ctx, "read exact copies");
}

int library_set_path_present(library *lib, const char *path, int present)
{
    sqlite3_stmt *st = library_prepare(lib, "UPDATE paths SET present = ?2 WHERE path = ?1");
    if (!st) return -1;
    bind_path(st, 1, path);
    sqlite3_bind_int(st, 2, present);
    return library_step_done(lib, st, "update path");
}
