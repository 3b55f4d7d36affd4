/*
 * coverage.c — the queries behind coverage.h.
 */
#include "library/coverage.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "library/internal.h"
#include "util/fsutil.h"

const char *library_missing_source(const library_missing *m)
{
    if (m->path && access(m->path, F_OK) == 0) return m->path;
    if (m->trash_path && access(m->trash_path, F_OK) == 0) return m->trash_path;
    return NULL;
}

int library_each_missing(library *lib, const char *encoder_id, int all, library_missing_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib,
        "WITH last AS (SELECT MAX(id) AS id FROM action_log GROUP BY batch, path),"
        " trashed AS (SELECT a.image_id, a.trash_path, a.id FROM action_log a JOIN last USING (id)"
        "             WHERE a.event = 'moved')"
        " SELECT i.id, i.sha256, l.label IS NOT NULL,"
        "  (SELECT p.path FROM paths p WHERE p.image_id = i.id AND p.present = 1 ORDER BY p.path LIMIT 1),"
        "  (SELECT t.trash_path FROM trashed t WHERE t.image_id = i.id ORDER BY t.id DESC LIMIT 1),"
        "  (SELECT p.path FROM paths p WHERE p.image_id = i.id ORDER BY p.seen_at DESC LIMIT 1)"
        " FROM images i LEFT JOIN labels l ON l.image_id = i.id"
        " WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.encoder = ?1 AND e.image_id = i.id)"
        "   AND (l.label IS NOT NULL OR (?2 AND EXISTS (SELECT 1 FROM paths p WHERE p.image_id = i.id AND p.present = 1)))"
        " ORDER BY l.label IS NULL, i.id");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, encoder_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, all);
    char path[FS_PATH_MAX], trash[FS_PATH_MAX], last[FS_PATH_MAX];
    int rc, stopped = 0;
    while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 1) != 32) continue;
        library_missing m = {.image_id = sqlite3_column_int64(st, 0), .labelled = sqlite3_column_int(st, 2)};
        memcpy(m.sha256, sqlite3_column_blob(st, 1), 32);
        m.path = library_column_path(st, 3, path, sizeof path);
        m.trash_path = library_column_path(st, 4, trash, sizeof trash);
        m.last_path = library_column_path(st, 5, last, sizeof last);
        stopped = fn(&m, ctx);
    }
    sqlite3_finalize(st);
    return stopped || rc == SQLITE_DONE ? 0 : library_fail(lib, "read missing embeddings");
}

int library_labelled_coverage(library *lib, const char *encoder_id, int64_t *embedded, int64_t *labelled)
{
    sqlite3_stmt *st = library_prepare(lib,
        "SELECT COUNT(e.image_id), COUNT(*) FROM labels l"
        " LEFT JOIN embeddings e ON e.image_id = l.image_id AND e.encoder = ?1");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, encoder_id, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok) {
        *embedded = sqlite3_column_int64(st, 0);
        *labelled = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return ok ? 0 : library_fail(lib, "count labelled embeddings");
}

int library_newest_model_encoder(library *lib, char *encoder_id, size_t cap)
{
    sqlite3_stmt *st = library_prepare(lib, "SELECT encoder FROM models ORDER BY id DESC LIMIT 1");
    if (!st) return -1;
    int rc = sqlite3_step(st), found = rc == SQLITE_ROW;
    if (found) snprintf(encoder_id, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return found ? 1 : rc == SQLITE_DONE ? 0 : library_fail(lib, "read models");
}
