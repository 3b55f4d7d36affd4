/*
 * library.c — SQLite storage; see library.h for the contract.
 */
#include "library/library.h"

#include <errno.h>
#include <sys/file.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "util/fp16.h"
#include "util/fsutil.h"

#include "library/internal.h"

#define SCHEMA_VERSION 6
#define BUSY_TIMEOUT_MS 60000

static const char *SCHEMA_V1 =
    "CREATE TABLE images ("
    "  id INTEGER PRIMARY KEY,"
    "  sha256 BLOB NOT NULL UNIQUE,"
    "  bytes INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,"
    "  format TEXT NOT NULL, make TEXT NOT NULL, model TEXT NOT NULL, datetime TEXT NOT NULL,"
    "  first_seen INTEGER NOT NULL);"
    "CREATE TABLE paths ("
    "  path BLOB PRIMARY KEY,"
    "  image_id INTEGER NOT NULL REFERENCES images(id),"
    "  size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, dev INTEGER NOT NULL,"
    "  present INTEGER NOT NULL DEFAULT 1,"
    "  seen_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX paths_image ON paths(image_id);"
    "CREATE TABLE embeddings ("
    "  image_id INTEGER NOT NULL REFERENCES images(id),"
    "  encoder TEXT NOT NULL,"
    "  vector BLOB NOT NULL,"     /* fp16, little-endian */
    "  PRIMARY KEY (encoder, image_id)) WITHOUT ROWID;"
    "CREATE TABLE labels ("
    "  image_id INTEGER PRIMARY KEY REFERENCES images(id),"
    "  label INTEGER NOT NULL CHECK (label IN (0, 1)),"
    "  source TEXT NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE models ("
    "  id INTEGER PRIMARY KEY,"
    "  encoder TEXT NOT NULL, label_version INTEGER NOT NULL, created_at INTEGER NOT NULL,"
    "  model TEXT NOT NULL);"
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT INTO meta VALUES ('label_version', 0);";

/* v2: the append-only log of file moves (apply, undo). A file's state in a batch is its last
   event; nothing is ever updated or deleted, so an interrupted run can be reconciled. */
static const char *SCHEMA_V2 =
    "CREATE TABLE action_log ("
    "  id INTEGER PRIMARY KEY,"
    "  batch INTEGER NOT NULL,"
    "  image_id INTEGER NOT NULL REFERENCES images(id),"
    "  path BLOB NOT NULL,"
    "  trash_path BLOB NOT NULL, info_path BLOB NOT NULL,"
    "  bytes INTEGER NOT NULL,"
    "  event TEXT NOT NULL,"
    "  detail TEXT NOT NULL DEFAULT '',"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX action_log_batch ON action_log(batch, path);";

/* v3: the library's own choices, as text (e.g. which encoder its commands use). */
static const char *SCHEMA_V3 = "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/* v4: the append-only log of XMP writes (export, undo), like action_log: the "planned" row holds
   what is needed to take the write back: a sidecar's bytes before (or that there was none); for
   a packet written into an image, the image's content hash before and where the image before
   waits in the Trash. */
static const char *SCHEMA_V4 =
    "CREATE TABLE xmp_log ("
    "  id INTEGER PRIMARY KEY,"
    "  batch INTEGER NOT NULL,"
    "  path BLOB NOT NULL,"
    "  embedded INTEGER NOT NULL,"
    "  existed INTEGER NOT NULL,"
    "  before BLOB,"
    "  before_sha256 BLOB,"
    "  after_sha256 BLOB,"
    "  trash_path BLOB NOT NULL DEFAULT '', info_path BLOB NOT NULL DEFAULT '',"
    "  event TEXT NOT NULL,"
    "  detail TEXT NOT NULL DEFAULT '',"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX xmp_log_batch ON xmp_log(batch, path);";

/* v5: sentences that say what the user keeps and deletes (`cull prompt`), label 0 keep, 1 delete. */
static const char *SCHEMA_V5 =
    "CREATE TABLE prompts (id INTEGER PRIMARY KEY AUTOINCREMENT, label INTEGER NOT NULL, text TEXT NOT NULL,"
    "  added_at INTEGER NOT NULL);";

/* v6: embeddings in a rowid table. In v1's WITHOUT ROWID table a row holds at most about 1,000
   bytes on a 4 KB page, so every vector (512-d fp16: 1,024 bytes; 1792-d: 3,584) spilled into an
   overflow page of its own: 4.9 KB per CLIP embedding. A rowid table keeps rows up to about 4 KB
   in place; the unique index keeps (encoder, image_id) unique and ordered. */
static const char *SCHEMA_V6 =
    "CREATE TABLE embeddings_v6 ("
    "  id INTEGER PRIMARY KEY,"
    "  image_id INTEGER NOT NULL REFERENCES images(id),"
    "  encoder TEXT NOT NULL,"
    "  vector BLOB NOT NULL);"     /* fp16, little-endian */
    "INSERT INTO embeddings_v6 (image_id, encoder, vector) SELECT image_id, encoder, vector FROM embeddings"
    "  ORDER BY encoder, image_id;"
    "DROP TABLE embeddings;"
    "ALTER TABLE embeddings_v6 RENAME TO embeddings;"
    "CREATE UNIQUE INDEX embeddings_key ON embeddings(encoder, image_id);";

file_stamp file_stamp_of(const struct stat *st)
{
    return (file_stamp){st->st_size, fs_mtime_ns(st), (int64_t)st->st_ino, (int64_t)st->st_dev};
}

int file_stamp_equal(const file_stamp *a, const file_stamp *b)
{
    return a->size == b->size && a->mtime_ns == b->mtime_ns && a->inode == b->inode && a->dev == b->dev;
}

/* The words for a write refused because the file was opened read-only. */
static int refused_read_only(library *lib, const char *what)
{
    if (!lib->read_only || (sqlite3_errcode(lib->db) & 0xff) != SQLITE_READONLY) return 0;
    snprintf(lib->err, sizeof lib->err, "%s: the library file is read-only for this user (its mode or owner), and this "
             "needs to write it", what);
    return 1;
}

int library_fail(library *lib, const char *what)
{
    if (!refused_read_only(lib, what)) snprintf(lib->err, sizeof lib->err, "%s: %s", what, sqlite3_errmsg(lib->db));
    return -1;
}

const char *library_error(library *lib) { return lib->err; }

int library_exec(library *lib, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(lib->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (!refused_read_only(lib, "write")) snprintf(lib->err, sizeof lib->err, "%s", msg ? msg : sqlite3_errmsg(lib->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

sqlite3_stmt *library_prepare(library *lib, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(lib->db, sql, -1, &st, NULL) != SQLITE_OK) {
        library_fail(lib, "prepare");
        return NULL;
    }
    return st;
}

/* Runs a statement that returns no rows, then finalizes it. */
int library_step_done(library *lib, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    int ok = rc == SQLITE_DONE || rc == SQLITE_ROW;
    if (!ok) library_fail(lib, what);
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

int64_t library_now(void) { return (int64_t)time(NULL); }

int64_t library_query_int64(library *lib, const char *sql)
{
    sqlite3_stmt *st = library_prepare(lib, sql);
    if (!st) return -1;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : library_fail(lib, "query");
    sqlite3_finalize(st);
    return v;
}

static int user_version(library *lib)
{
    sqlite3_stmt *st = library_prepare(lib, "PRAGMA user_version");
    int v = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Brings an older schema up to SCHEMA_VERSION inside one transaction; refuses a newer one. */
static int migrate(library *lib)
{
    int v = user_version(lib);
    if (v < 0) return library_fail(lib, "read the schema version");
    if (v > SCHEMA_VERSION) {
        snprintf(lib->err, sizeof lib->err,
                 "library schema version %d is newer than this cull understands (%d)", v, SCHEMA_VERSION);
        return -1;
    }
    if (v == SCHEMA_VERSION) return 0;
    if (lib->read_only) {
        snprintf(lib->err, sizeof lib->err, "the library's schema (version %d) needs an upgrade to version %d, and the "
                 "file is read-only for this user; run a cull command as a user who can write it", v, SCHEMA_VERSION);
        return -1;
    }
    if (library_begin(lib)) return -1;
    v = user_version(lib); /* another process may have upgraded it meanwhile */
    char set_version[64];
    snprintf(set_version, sizeof set_version, "PRAGMA user_version = %d", SCHEMA_VERSION);
    if ((v < 1 && library_exec(lib, SCHEMA_V1)) || (v < 2 && library_exec(lib, SCHEMA_V2)) ||
        (v < 3 && library_exec(lib, SCHEMA_V3)) || (v < 4 && library_exec(lib, SCHEMA_V4)) ||
        (v < 5 && library_exec(lib, SCHEMA_V5)) || (v < 6 && library_exec(lib, SCHEMA_V6)) ||
        (v < SCHEMA_VERSION && library_exec(lib, set_version))) {
        library_rollback(lib);
        return -1;
    }
    return library_commit(lib);
}

/* "file:PATH?immutable=1" with PATH percent-encoded as a URI path. */
static void immutable_uri(const char *path, char *out, size_t cap)
{
    size_t o = (size_t)snprintf(out, cap, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p && o + 4 < cap; p++) {
        if (*p == '/' || *p == '-' || *p == '.' || *p == '_' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
            (*p >= 'A' && *p <= 'Z'))
            out[o++] = (char)*p;
        else
            o += (size_t)snprintf(out + o, cap - o, "%%%02X", *p);
    }
    snprintf(out + o, cap - o, "?immutable=1");
}

/* Opens lib->db read-only. A WAL library needs its -shm file to be read; where this user can
   neither find nor create it (another user's folder), the file is opened as immutable: read as it
   is now, which is right for a library nobody else is writing at the same moment. */
static int open_read_only(library *lib)
{
    if (sqlite3_open_v2(lib->path, &lib->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK &&
        sqlite3_exec(lib->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    sqlite3_close(lib->db);
    lib->db = NULL;
    char uri[3 * sizeof lib->path + 32];
    immutable_uri(lib->path, uri, sizeof uri);
    return sqlite3_open_v2(uri, &lib->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK
               ? 0
               : -1;
}

library *library_open(const char *path, library_mode mode, char *err, size_t errlen)
{
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (!exists && mode == LIBRARY_EXISTING) {
        snprintf(err, errlen, "no library at %s (cull index or cull label creates one; --db or $CULL_DB names "
                 "another)", path);
        return NULL;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a library file (it is a %s)", path, S_ISDIR(st.st_mode) ? "folder" : "special file");
        return NULL;
    }
    if (!exists && fs_make_parent_dirs(path) != 0) {
        snprintf(err, errlen, "%s: cannot create its folder: %s", path, strerror(errno));
        return NULL;
    }
    library *lib = calloc(1, sizeof *lib);
    if (lib) lib->changes_lock = -1;
    if (!lib) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (snprintf(lib->path, sizeof lib->path, "%s", path) >= (int)sizeof lib->path) {
        snprintf(err, errlen, "%s: path too long", path);
        library_close(lib);
        return NULL;
    }
    lib->read_only = exists && access(path, W_OK) != 0;
    int opened = lib->read_only ? open_read_only(lib)
                                : sqlite3_open_v2(path, &lib->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                                  NULL) == SQLITE_OK ? 0 : -1;
    if (opened != 0) {
        snprintf(err, errlen, "%s: %s", path, lib->db ? sqlite3_errmsg(lib->db) : "cannot open");
        library_close(lib);
        return NULL;
    }
    sqlite3_busy_timeout(lib->db, BUSY_TIMEOUT_MS);
    const char *setup = lib->read_only ? "PRAGMA foreign_keys=ON;"
                                       : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
    if (library_exec(lib, setup) || migrate(lib)) {
        snprintf(err, errlen, "%s: %s", path, lib->err);
        library_close(lib);
        return NULL;
    }
    return lib;
}

int library_read_only(const library *lib) { return lib->read_only; }

int library_lock_changes(library *lib)
{
    if (lib->changes_lock >= 0) return 0;
    char path[sizeof lib->path + 16];
    snprintf(path, sizeof path, "%s.changes-lock", lib->path);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);   /* another user's lock file: flock works read-only */
    if (fd < 0 && lib->read_only) return 0;   /* nothing of this library changes from this process */
    if (fd < 0) {
        snprintf(lib->err, sizeof lib->err, "%.400s: cannot open the library's lock: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        close(fd);
        if (!busy) return 0;
        snprintf(lib->err, sizeof lib->err, "another cull apply, export, undo or review is moving or writing "
                 "files of this library now; run this when it is done");
        return 1;
    }
    lib->changes_lock = fd;
    return 0;
}

void library_close(library *lib)
{
    if (!lib) return;
    if (lib->changes_lock >= 0) close(lib->changes_lock);   /* releases the flock */
    sqlite3_close(lib->db);
    free(lib);
}

int library_get_setting(library *lib, const char *key, char *value, size_t cap)
{
    sqlite3_stmt *st = library_prepare(lib, "SELECT value FROM settings WHERE key = ?1");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), found = rc == SQLITE_ROW;
    if (found) snprintf(value, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return found ? 1 : rc == SQLITE_DONE ? 0 : library_fail(lib, "read setting");
}

int library_set_setting(library *lib, const char *key, const char *value)
{
    sqlite3_stmt *st = library_prepare(lib, "INSERT OR REPLACE INTO settings VALUES (?1, ?2)");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    return library_step_done(lib, st, "write setting");
}

int library_begin(library *lib) { return library_exec(lib, "BEGIN IMMEDIATE"); }
int library_commit(library *lib) { return library_exec(lib, "COMMIT"); }
void library_rollback(library *lib) { sqlite3_exec(lib->db, "ROLLBACK", NULL, NULL, NULL); }

/* --- images and paths ------------------------------------------------------------------ */

int library_put_image(library *lib, const uint8_t sha256[32], const image_meta *m, int64_t *id)
{
    sqlite3_stmt *st = library_prepare(lib,
        "INSERT INTO images (sha256, bytes, width, height, format, make, model, datetime, first_seen)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        " ON CONFLICT (sha256) DO UPDATE SET bytes = ?2, width = ?3, height = ?4, format = ?5,"
        "  make = ?6, model = ?7, datetime = ?8"
        " RETURNING id");
    if (!st) return -1;
    sqlite3_bind_blob(st, 1, sha256, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, m->bytes);
    sqlite3_bind_int(st, 3, m->width);
    sqlite3_bind_int(st, 4, m->height);
    sqlite3_bind_text(st, 5, m->format, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, m->make, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, m->model, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, m->datetime, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, library_now());
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        library_fail(lib, "store image");
        sqlite3_finalize(st);
        return -1;
    }
    *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return 0;
}

int library_put_path(library *lib, const char *path, int64_t image_id, const file_stamp *s)
{
    sqlite3_stmt *st = library_prepare(lib,
        "INSERT OR REPLACE INTO paths (path, image_id, size, mtime_ns, inode, dev, present, seen_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7)");
    if (!st) return -1;
    sqlite3_bind_blob(st, 1, path, (int)strlen(path), SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, image_id);
    sqlite3_bind_int64(st, 3, s->size);
    sqlite3_bind_int64(st, 4, s->mtime_ns);
    sqlite3_bind_int64(st, 5, s->inode);
    sqlite3_bind_int64(st, 6, s->dev);
    sqlite3_bind_int64(st, 7, library_now());
    return library_step_done(lib, st, "store path");
}

int library_content_rewritten(library *lib, const char *path, const uint8_t from_sha256[32],
                              const uint8_t to_sha256[32], int64_t to_bytes, const file_stamp *s)
{
    static const char *const STEPS[] = {
        "INSERT OR IGNORE INTO images (sha256, bytes, width, height, format, make, model, datetime, first_seen)"
        " SELECT ?2, ?3, width, height, format, make, model, datetime, first_seen FROM images WHERE sha256 = ?1",
        "INSERT OR IGNORE INTO embeddings (image_id, encoder, vector)"
        " SELECT (SELECT id FROM images WHERE sha256 = ?2), encoder, vector FROM embeddings"
        " WHERE image_id = (SELECT id FROM images WHERE sha256 = ?1)",
        "INSERT OR IGNORE INTO labels (image_id, label, source, updated_at)"
        " SELECT (SELECT id FROM images WHERE sha256 = ?2), label, source, updated_at FROM labels"
        " WHERE image_id = (SELECT id FROM images WHERE sha256 = ?1)",
        "DELETE FROM labels WHERE image_id = (SELECT id FROM images WHERE sha256 = ?1)"
        " AND EXISTS (SELECT 1 FROM labels WHERE image_id = (SELECT id FROM images WHERE sha256 = ?2))"
        " AND NOT EXISTS (SELECT 1 FROM paths WHERE image_id = (SELECT id FROM images WHERE sha256 = ?1)"
        "  AND present = 1 AND path != ?4)",
        "UPDATE paths SET image_id = (SELECT id FROM images WHERE sha256 = ?2), size = ?5, mtime_ns = ?6,"
        " inode = ?7, dev = ?8, present = 1, seen_at = ?9 WHERE path = ?4"
        " AND EXISTS (SELECT 1 FROM images WHERE sha256 = ?2)",
    };
    if (library_begin(lib)) return -1;
    for (size_t i = 0; i < sizeof STEPS / sizeof *STEPS; i++) {
        sqlite3_stmt *st = library_prepare(lib, STEPS[i]);
        if (!st) {
            library_rollback(lib);
            return -1;
        }
        sqlite3_bind_blob(st, 1, from_sha256, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, to_sha256, 32, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, to_bytes);
        sqlite3_bind_blob(st, 4, path, (int)strlen(path), SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, s->size);
        sqlite3_bind_int64(st, 6, s->mtime_ns);
        sqlite3_bind_int64(st, 7, s->inode);
        sqlite3_bind_int64(st, 8, s->dev);
        sqlite3_bind_int64(st, 9, library_now());
        if (library_step_done(lib, st, "record the rewritten file")) {
            library_rollback(lib);
            return -1;
        }
    }
    return library_commit(lib);
}

int64_t library_image_at(library *lib, const char *path)
{
    sqlite3_stmt *st = library_prepare(lib, "SELECT image_id FROM paths WHERE path = ?1");
    if (!st) return -1;
    sqlite3_bind_blob(st, 1, path, (int)strlen(path), SQLITE_STATIC);
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return id;
}

const char *library_column_path(sqlite3_stmt *st, int col, char *buf, size_t cap)
{
    int n = sqlite3_column_bytes(st, col);
    const void *p = sqlite3_column_blob(st, col);
    if (!p || (size_t)n >= cap) return NULL;
    memcpy(buf, p, (size_t)n);
    buf[n] = 0;
    return buf;
}

int library_each_path(library *lib, const char *encoder_id, library_path_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib,
        "SELECT p.path, p.size, p.mtime_ns, p.inode, p.dev, p.image_id,"
        "  EXISTS (SELECT 1 FROM embeddings e WHERE e.encoder = ?1 AND e.image_id = p.image_id)"
        " FROM paths p WHERE p.present = 1");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, encoder_id, -1, SQLITE_STATIC);
    char path[FS_PATH_MAX];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *p = library_column_path(st, 0, path, sizeof path);
        if (!p) continue;
        file_stamp s = {sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
                        sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4)};
        fn(p, &s, sqlite3_column_int64(st, 5), sqlite3_column_int(st, 6), ctx);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : library_fail(lib, "read paths");
}

int library_each_embedded_hash(library *lib, const char *encoder_id, library_hash_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib,
        "SELECT i.sha256, i.id FROM images i JOIN embeddings e ON e.image_id = i.id"
        " WHERE e.encoder = ?1");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, encoder_id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (sqlite3_column_bytes(st, 0) == 32)
            fn(sqlite3_column_blob(st, 0), sqlite3_column_int64(st, 1), ctx);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : library_fail(lib, "read hashes");
}

/* --- embeddings -------------------------------------------------------------------------- */

int library_put_embedding(library *lib, int64_t image_id, const char *encoder_id, const float *v, int dim)
{
    uint16_t *half = malloc((size_t)dim * sizeof *half);
    if (!half) return -1;
    for (int i = 0; i < dim; i++) half[i] = fp16_from_float(v[i]);
    sqlite3_stmt *st = library_prepare(lib,
        "INSERT OR REPLACE INTO embeddings (image_id, encoder, vector) VALUES (?1, ?2, ?3)");
    if (!st) {
        free(half);
        return -1;
    }
    sqlite3_bind_int64(st, 1, image_id);
    sqlite3_bind_text(st, 2, encoder_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, half, dim * (int)sizeof *half, SQLITE_STATIC);
    int rc = library_step_done(lib, st, "store embedding");
    free(half);
    return rc;
}

/* --- labels ------------------------------------------------------------------------------ */

int library_bump_label_version(library *lib)
{
    return library_exec(lib, "UPDATE meta SET value = value + 1 WHERE key = 'label_version'");
}

int library_set_label(library *lib, int64_t image_id, int label, const char *source)
{
    sqlite3_stmt *st;
    if (label == LABEL_NONE) {
        st = library_prepare(lib, "DELETE FROM labels WHERE image_id = ?1");
        if (!st) return -1;
        sqlite3_bind_int64(st, 1, image_id);
    } else {
        st = library_prepare(lib,
            "INSERT INTO labels (image_id, label, source, updated_at) VALUES (?1, ?2, ?3, ?4)"
            " ON CONFLICT (image_id) DO UPDATE SET label = ?2, source = ?3, updated_at = ?4"
            " WHERE label != ?2");
        if (!st) return -1;
        sqlite3_bind_int64(st, 1, image_id);
        sqlite3_bind_int(st, 2, label);
        sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, library_now());
    }
    if (library_step_done(lib, st, "store label")) return -1;
    return sqlite3_changes(lib->db) > 0 ? library_bump_label_version(lib) : 0;
}

int library_each_label_source(library *lib, library_source_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib, "SELECT source, SUM(label = 0), SUM(label = 1) FROM labels"
                                            " GROUP BY source ORDER BY source");
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn((const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), ctx);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : library_fail(lib, "read label sources");
}

int library_each_label(library *lib, library_label_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib, "SELECT image_id, label FROM labels ORDER BY image_id");
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) fn(sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1), ctx);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : library_fail(lib, "read labels");
}

int64_t library_label_version(library *lib)
{
    return library_query_int64(lib, "SELECT value FROM meta WHERE key = 'label_version'");
}

/* --- rows ---------------------------------------------------------------------------------- */

static void copy_text(char *dst, size_t cap, const unsigned char *src)
{
    snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

/* One row per image, its lowest present path for the name (training; explaining one image). */
#define ROW_PER_IMAGE_SQL                                                                            \
    "SELECT i.id, i.sha256, COALESCE(l.label, -1), i.bytes, i.width, i.height, i.format, i.make,"    \
    "  i.model, i.datetime,"                                                                         \
    "  (SELECT MIN(p.path) FROM paths p WHERE p.image_id = i.id AND p.present = 1), e.vector"        \
    " FROM embeddings e JOIN images i ON i.id = e.image_id"                                          \
    " LEFT JOIN labels l ON l.image_id = i.id"                                                       \
    " WHERE e.encoder = ?1"

/* Calls fn for each row st yields (columns as ROW_PER_IMAGE_SQL's) and finalises st. Returns the
   number of rows seen, or -1 on error. */
/* Column col (fp16, little-endian) as floats in *vec (grown as needed; *cap floats). The length,
   or -1 when out of memory. */
static int column_vector(sqlite3_stmt *st, int col, float **vec, int *cap)
{
    int dim = sqlite3_column_bytes(st, col) / 2;
    if (dim > *cap) {
        float *grown = realloc(*vec, (size_t)dim * sizeof *grown);
        if (!grown) return -1;
        *vec = grown;
        *cap = dim;
    }
    const uint8_t *half = sqlite3_column_blob(st, col);
    for (int i = 0; i < dim; i++) (*vec)[i] = fp16_to_float((uint16_t)(half[2 * i] | half[2 * i + 1] << 8));
    return dim;
}

int library_each_embedding(library *lib, const char *encoder_id, library_embedding_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib, "SELECT image_id, vector FROM embeddings WHERE encoder = ?1 ORDER BY image_id");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, encoder_id, -1, SQLITE_STATIC);
    float *vec = NULL;
    int cap = 0, rc, dim = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && (dim = column_vector(st, 1, &vec, &cap)) >= 0)
        if (fn(sqlite3_column_int64(st, 0), vec, dim, ctx)) break;
    free(vec);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE || (rc == SQLITE_ROW && dim >= 0)) return 0;
    snprintf(lib->err, sizeof lib->err, "read embeddings: %s", dim < 0 ? "out of memory" : sqlite3_errmsg(lib->db));
    return -1;
}

int library_each_present_path(library *lib, library_present_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib, "SELECT p.image_id, p.path, COALESCE(l.label, -1) FROM paths p"
                                            " LEFT JOIN labels l ON l.image_id = p.image_id WHERE p.present = 1");
    if (!st) return -1;
    char path[FS_PATH_MAX];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *p = library_column_path(st, 1, path, sizeof path);
        if (p) fn(sqlite3_column_int64(st, 0), p, sqlite3_column_int(st, 2), ctx);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : library_fail(lib, "read paths");
}

static int64_t each_row_of(library *lib, sqlite3_stmt *st, library_row_fn fn, void *ctx)
{
    float *vec = NULL;
    int cap = 0, rc, stopped = 0;
    int64_t seen = 0;
    char path[FS_PATH_MAX];
    while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        library_row r = {0};
        r.image_id = sqlite3_column_int64(st, 0);
        if (sqlite3_column_bytes(st, 1) == 32) memcpy(r.sha256, sqlite3_column_blob(st, 1), 32);
        r.label = sqlite3_column_int(st, 2);
        r.meta.bytes = sqlite3_column_int64(st, 3);
        r.meta.width = sqlite3_column_int(st, 4);
        r.meta.height = sqlite3_column_int(st, 5);
        copy_text(r.meta.format, sizeof r.meta.format, sqlite3_column_text(st, 6));
        copy_text(r.meta.make, sizeof r.meta.make, sqlite3_column_text(st, 7));
        copy_text(r.meta.model, sizeof r.meta.model, sqlite3_column_text(st, 8));
        copy_text(r.meta.datetime, sizeof r.meta.datetime, sqlite3_column_text(st, 9));
        r.path = library_column_path(st, 10, path, sizeof path);
        int dim = column_vector(st, 11, &vec, &cap);
        if (dim < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        r.embedding = vec;
        r.dim = dim;
        seen++;
        stopped = fn(&r, ctx);
    }
    free(vec);
    sqlite3_finalize(st);
    if (stopped || rc == SQLITE_DONE) return seen;
    snprintf(lib->err, sizeof lib->err, "read rows: %s", rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(lib->db));
    return -1;
}

int library_each_row(library *lib, const char *encoder_id, int present_paths, library_row_fn fn, void *ctx)
{
    /* Training wants one row per image; ranking wants every present path, since the user acts on
       files. */
    const char *sql = present_paths
        ? "SELECT i.id, i.sha256, COALESCE(l.label, -1), i.bytes, i.width, i.height, i.format, i.make,"
          "  i.model, i.datetime, p.path, e.vector"
          " FROM embeddings e JOIN images i ON i.id = e.image_id"
          " JOIN paths p ON p.image_id = i.id AND p.present = 1"
          " LEFT JOIN labels l ON l.image_id = i.id"
          " WHERE e.encoder = ?1 ORDER BY p.path"
        : ROW_PER_IMAGE_SQL " ORDER BY i.id";
    sqlite3_stmt *st = library_prepare(lib, sql);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, encoder_id, -1, SQLITE_STATIC);
    return each_row_of(lib, st, fn, ctx) < 0 ? -1 : 0;
}

int library_row_of(library *lib, const char *encoder_id, int64_t image_id, library_row_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib, ROW_PER_IMAGE_SQL " AND i.id = ?2");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, encoder_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, image_id);
    int64_t seen = each_row_of(lib, st, fn, ctx);
    return seen < 0 ? -1 : seen > 0;
}

/* --- models ------------------------------------------------------------------------------ */

int library_put_model(library *lib, const char *encoder_id, int64_t label_version, const char *json)
{
    sqlite3_stmt *st = library_prepare(lib,
        "INSERT INTO models (encoder, label_version, created_at, model) VALUES (?1, ?2, ?3, ?4)");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, encoder_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, label_version);
    sqlite3_bind_int64(st, 3, library_now());
    sqlite3_bind_text(st, 4, json, -1, SQLITE_STATIC);
    if (library_step_done(lib, st, "store model")) return -1;
    /* Older models of this encoder are history nobody reads; keep the library small. */
    st = library_prepare(lib, "DELETE FROM models WHERE encoder = ?1 AND id < last_insert_rowid()");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, encoder_id, -1, SQLITE_STATIC);
    return library_step_done(lib, st, "prune models");
}

int library_latest_model(library *lib, const char *encoder_id, library_model *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = library_prepare(lib,
        "SELECT id, encoder, label_version, created_at, model FROM models"
        " WHERE encoder = ?1 ORDER BY id DESC LIMIT 1");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, encoder_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        copy_text(out->encoder_id, sizeof out->encoder_id, sqlite3_column_text(st, 1));
        out->label_version = sqlite3_column_int64(st, 2);
        out->created_at = sqlite3_column_int64(st, 3);
        out->json = strdup((const char *)sqlite3_column_text(st, 4));
        found = out->json ? 1 : -1;
    } else if (rc != SQLITE_DONE) {
        found = library_fail(lib, "read model");
    }
    sqlite3_finalize(st);
    return found;
}

void library_model_free(library_model *m)
{
    free(m->json);
    m->json = NULL;
}

/* --- status ------------------------------------------------------------------------------ */

static int64_t count(library *lib, const char *sql)
{
    sqlite3_stmt *st = library_prepare(lib, sql);
    if (!st) return -1;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

int library_counts_get(library *lib, library_counts *c)
{
    c->images = count(lib, "SELECT COUNT(*) FROM images");
    c->paths_present = count(lib, "SELECT COUNT(*) FROM paths WHERE present = 1");
    c->paths_missing = count(lib, "SELECT COUNT(*) FROM paths WHERE present = 0");
    c->keep = count(lib, "SELECT COUNT(*) FROM labels WHERE label = 0");
    c->del = count(lib, "SELECT COUNT(*) FROM labels WHERE label = 1");
    c->unlabeled_present = count(lib,
        "SELECT COUNT(DISTINCT p.image_id) FROM paths p LEFT JOIN labels l ON l.image_id = p.image_id"
        " WHERE p.present = 1 AND l.image_id IS NULL");
    return c->images < 0 || c->paths_present < 0 || c->keep < 0 || c->del < 0 ? -1 : 0;
}

int library_each_encoder(library *lib, library_encoder_fn fn, void *ctx)
{
    sqlite3_stmt *st = library_prepare(lib, "SELECT encoder, COUNT(*) FROM embeddings GROUP BY encoder ORDER BY encoder");
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn((const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), ctx);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : library_fail(lib, "read encoders");
}
