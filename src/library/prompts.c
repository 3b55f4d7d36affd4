/*
 * prompts.c — the prompts table (prompts.h).
 */
#include "library/prompts.h"

#include "library/internal.h"

int library_add_prompt(library *lib, int label, const char *text, int64_t *id)
{
    sqlite3_stmt *st = library_prepare(lib, "INSERT INTO prompts (label, text, added_at) VALUES (?1, ?2, ?3)");
    if (!st) return -1;
    sqlite3_bind_int(st, 1, label);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, library_now());
    if (library_step_done(lib, st, "add the prompt")) return -1;
    if (id) *id = sqlite3_last_insert_rowid(lib->db);
    return library_bump_label_version(lib);
}

int library_remove_prompt(library *lib, int64_t id)
{
    sqlite3_stmt *st = library_prepare(lib, "DELETE FROM prompts WHERE id = ?1");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, id);
    if (library_step_done(lib, st, "remove the prompt")) return -1;
    if (sqlite3_changes(lib->db) == 0) return 0;
    return library_bump_label_version(lib) ? -1 : 1;
}

int library_each_prompt(library *lib, void (*fn)(const library_prompt *p, void *ctx), void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib, "SELECT id, label, text, added_at FROM prompts ORDER BY id");
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        library_prompt p = {sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
                            (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3)};
        fn(&p, ctx);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : library_fail(lib, "read the prompts");
}
