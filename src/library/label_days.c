/*
 * label_days.c — labels set per day (label_days.h).
 */
#include "library/label_days.h"

#include "library/internal.h"

int library_label_days(library *lib, library_day_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib,
        "SELECT updated_at / 86400 AS day, SUM(label = 0), SUM(label = 1) FROM labels"
        " GROUP BY day ORDER BY day");
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), ctx);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : library_fail(lib, "read label dates");
}
