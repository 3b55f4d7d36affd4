/*
 * image_info.c — one image's facts and files (image_info.h).
 */
#include "library/image_info.h"

#include <stdio.h>
#include <string.h>

#include "library/internal.h"
#include "util/fsutil.h"

static void text_col(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    snprintf(dst, cap, "%s", s ? (const char *)s : "");
}

int library_image_get(library *lib, int64_t id, library_image *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = library_prepare(lib,
        "SELECT i.sha256, i.bytes, i.width, i.height, i.format, i.make, i.model, i.datetime,"
        "  COALESCE(l.label, -1), COALESCE(l.source, '')"
        " FROM images i LEFT JOIN labels l ON l.image_id = i.id WHERE i.id = ?1");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        out->id = id;
        if (sqlite3_column_bytes(st, 0) == 32) memcpy(out->sha256, sqlite3_column_blob(st, 0), 32);
        out->meta.bytes = sqlite3_column_int64(st, 1);
        out->meta.width = sqlite3_column_int(st, 2);
        out->meta.height = sqlite3_column_int(st, 3);
        text_col(st, 4, out->meta.format, sizeof out->meta.format);
        text_col(st, 5, out->meta.make, sizeof out->meta.make);
        text_col(st, 6, out->meta.model, sizeof out->meta.model);
        text_col(st, 7, out->meta.datetime, sizeof out->meta.datetime);
        out->label = sqlite3_column_int(st, 8);
        text_col(st, 9, out->label_source, sizeof out->label_source);
        found = 1;
    } else if (rc != SQLITE_DONE) {
        found = library_fail(lib, "read image");
    }
    sqlite3_finalize(st);
    return found;
}

int library_image_files(library *lib, int64_t id, library_image_file_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib,
        "SELECT path, size, mtime_ns, inode, dev FROM paths WHERE image_id = ?1 AND present = 1 ORDER BY path");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, id);
    char path[FS_PATH_MAX];
    int rc = SQLITE_DONE, stopped = 0;
    while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int n = sqlite3_column_bytes(st, 0);
        const void *p = sqlite3_column_blob(st, 0);
        if (!p || (size_t)n >= sizeof path) continue;
        memcpy(path, p, (size_t)n);
        path[n] = 0;
        file_stamp s = {sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                        sqlite3_column_int64(st, 4)};
        stopped = fn(path, &s, ctx);
    }
    sqlite3_finalize(st);
    return stopped || rc == SQLITE_DONE ? 0 : library_fail(lib, "read paths");
}
