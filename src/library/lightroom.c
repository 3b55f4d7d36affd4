/*
 * lightroom.c — reading a Lightroom Classic catalog, never writing it (lightroom.h).
 */
#include "library/lightroom.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <gio/gio.h>
#include <glib.h>
#include <sqlite3.h>

#include "util/fsutil.h"

/* Table and the columns of it that are read, as lightroom.h lists them. */
static const char *const SCHEMA[][6] = {
    {"Adobe_images", "rootFile", "pick", "rating", "colorLabels", NULL},
    {"AgLibraryFile", "id_local", "baseName", "extension", "folder", NULL},
    {"AgLibraryFolder", "id_local", "pathFromRoot", "rootFolder", NULL},
    {"AgLibraryRootFolder", "id_local", "absolutePath", NULL},
};

static int check_schema(sqlite3 *db, char *err, size_t errlen)
{
    /* pragma_table_info, not a trial SELECT: SQLite reads an unknown "column" as a string. */
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT count(*), sum(name = ?2) FROM pragma_table_info(?1)", -1, &st, NULL);
    for (size_t t = 0; rc == SQLITE_OK && t < sizeof SCHEMA / sizeof *SCHEMA; t++) {
        for (int c = 1; rc == SQLITE_OK && SCHEMA[t][c]; c++) {
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, SCHEMA[t][0], -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, SCHEMA[t][c], -1, SQLITE_STATIC);
            if ((rc = sqlite3_step(st)) != SQLITE_ROW) break;
            rc = SQLITE_OK;
            if (sqlite3_column_int(st, 0) == 0 || sqlite3_column_int(st, 1) == 0) {
                if (sqlite3_column_int(st, 0) == 0)
                    snprintf(err, errlen, "not a Lightroom Classic catalog: no table %s", SCHEMA[t][0]);
                else
                    snprintf(err, errlen, "not a Lightroom Classic catalog: no column %s.%s", SCHEMA[t][0], SCHEMA[t][c]);
                sqlite3_finalize(st);
                return -1;
            }
        }
    }
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "%s (%s)", rc == SQLITE_NOTADB ? "not an SQLite file" : "cannot read it", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Copies src to dst, streaming (a catalog may be gigabytes); 0 or −1. */
static int copy_file(const char *src, const char *dst)
{
    GFile *from = g_file_new_for_path(src), *to = g_file_new_for_path(dst);
    int ok = g_file_copy(from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, NULL);
    g_object_unref(from), g_object_unref(to);
    return ok ? 0 : -1;
}

/* "file:" + path, percent-encoded where a URI would read it otherwise (?, #, %, spaces, ...). */
static char *file_uri(const char *path, const char *query)
{
    char *escaped = g_uri_escape_string(path, "/", FALSE);
    char *uri = escaped ? g_strdup_printf("file:%s%s", escaped, query) : NULL;
    g_free(escaped);
    return uri;
}

/* The catalog to open: itself, or (when its write-ahead log holds changes) a private copy of both
   in *tmpdir (g_free'd and removed by the caller). */
static int catalog_to_read(const char *catalog, char *uri, size_t cap, char **tmpdir, char *err, size_t errlen)
{
    char wal[FS_PATH_MAX];
    struct stat st;
    *tmpdir = NULL;
    snprintf(wal, sizeof wal, "%s-wal", catalog);
    if (stat(wal, &st) != 0 || st.st_size == 0) {
        char *u = file_uri(catalog, "?mode=ro&immutable=1");
        int fits = u && strlen(u) < cap;
        if (fits) snprintf(uri, cap, "%s", u);
        g_free(u);
        if (!fits) snprintf(err, errlen, "path too long");
        return fits ? 0 : -1;
    }
    *tmpdir = g_dir_make_tmp("cull-lrcat-XXXXXX", NULL);
    char copy[FS_PATH_MAX], copy_wal[FS_PATH_MAX];
    if (!*tmpdir || fs_join(copy, sizeof copy, *tmpdir, "catalog.lrcat") ||
        snprintf(copy_wal, sizeof copy_wal, "%s-wal", copy) >= (int)sizeof copy_wal || copy_file(catalog, copy) ||
        copy_file(wal, copy_wal)) {
        snprintf(err, errlen, "cannot copy the catalog and its write-ahead log to a temporary folder");
        return -1;
    }
    char *u = file_uri(copy, "");
    int fits = u && strlen(u) < cap;
    if (fits) snprintf(uri, cap, "%s", u);
    g_free(u);
    return fits ? 0 : -1;
}

int lightroom_each_image(const char *catalog, lightroom_fn fn, void *ctx, char *err, size_t errlen)
{
    struct stat st = {0};
    if (stat(catalog, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s", S_ISDIR(st.st_mode) ? "a folder, not a catalog file" : strerror(errno));
        return -1;
    }
    char uri[FS_PATH_MAX * 3 + 64];
    char *tmpdir = NULL;
    sqlite3 *db = NULL;
    int rc = catalog_to_read(catalog, uri, sizeof uri, &tmpdir, err, errlen);
    if (rc == 0 && sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open: %s", db ? sqlite3_errmsg(db) : "out of memory");
        rc = -1;
    }
    if (rc == 0) rc = check_schema(db, err, errlen);
    sqlite3_stmt *q = NULL;
    if (rc == 0 &&
        sqlite3_prepare_v2(db,
                           "SELECT r.absolutePath || fo.pathFromRoot || fi.baseName ||"
                           "  CASE WHEN COALESCE(fi.extension, '') = '' THEN '' ELSE '.' || fi.extension END,"
                           "  COALESCE(i.pick, 0), COALESCE(i.rating, 0), COALESCE(i.colorLabels, '')"
                           " FROM Adobe_images i JOIN AgLibraryFile fi ON fi.id_local = i.rootFile"
                           " JOIN AgLibraryFolder fo ON fo.id_local = fi.folder"
                           " JOIN AgLibraryRootFolder r ON r.id_local = fo.rootFolder"
                           " ORDER BY 1",
                           -1, &q, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "reading the catalog: %s", sqlite3_errmsg(db));
        rc = -1;
    }
    int step = SQLITE_DONE, stopped = 0;
    while (rc == 0 && !stopped && (step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(q, 0);
        double pick = sqlite3_column_double(q, 1), rating = sqlite3_column_double(q, 2);
        if (!path) continue;
        lightroom_image im = {path, pick > 0.5 ? 1 : pick < -0.5 ? -1 : 0,
                              rating >= 1 && rating <= 5 ? (int)rating : 0, (const char *)sqlite3_column_text(q, 3)};
        if (!im.color_label) im.color_label = "";
        stopped = fn(&im, ctx);
    }
    if (rc == 0 && !stopped && step != SQLITE_DONE) {
        snprintf(err, errlen, "reading the catalog: %s", sqlite3_errmsg(db));
        rc = -1;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    if (tmpdir) {
        fs_remove_tree(tmpdir);
        g_free(tmpdir);
    }
    return rc;
}
