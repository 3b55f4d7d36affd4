/*
 * internal.h — what the files of src/library/ share; nothing outside src/library/ includes it.
 */
#ifndef CULL_LIBRARY_INTERNAL_H
#define CULL_LIBRARY_INTERNAL_H

#include <sqlite3.h>
#include "library/library.h"

struct library {
    sqlite3 *db;
    int read_only;      /* opened read-only: this process may not write the file */
    char path[4096];
    char err[512];
    int changes_lock;   /* fd holding the lock of library_lock_changes, or -1 */
};

/* Each records sqlite's message in lib->err on failure and returns -1 (or NULL). */
int library_fail(library *lib, const char *what);
int library_exec(library *lib, const char *sql);
/* library_label_version moves on: labels or prompts changed, so models trained before are stale. */
int library_bump_label_version(library *lib);
sqlite3_stmt *library_prepare(library *lib, const char *sql);
/* Steps a statement that returns no rows (or ignores them), then finalizes it. */
int library_step_done(library *lib, sqlite3_stmt *st, const char *what);
int64_t library_now(void);
/* The first column of the first row of sql (no parameters) as an integer; -1 on error. */
int64_t library_query_int64(library *lib, const char *sql);
/* A BLOB path column as a C string in buf; NULL when it is NULL or does not fit. */
const char *library_column_path(sqlite3_stmt *st, int col, char *buf, size_t cap);

#endif
