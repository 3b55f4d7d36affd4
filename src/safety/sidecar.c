/*
 * sidecar.c — logged, atomic sidecar writes and their undo; see sidecar.h.
 */
#include "safety/sidecar.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/sha.h>

#include "library/sidecar_log.h"
#include "media/xmp.h"
#include "safety/trash.h"
#include "util/fsutil.h"

static void report(const char *path, const char *reason)
{
    fputs("cull: ", stderr);
    fwrite(path, 1, strlen(path), stderr);
    fprintf(stderr, ": %s\n", reason);
}

int sidecar_read(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
    *data = NULL;
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > XMP_MAX_BYTES) {
        snprintf(err, errlen, "%s: %s", path, S_ISLNK(st.st_mode)  ? "the sidecar is a symbolic link, not a file"
                                              : S_ISDIR(st.st_mode) ? "the sidecar is a folder, not a file"
                                              : S_ISREG(st.st_mode) ? "the sidecar is over XMP's size limit"
                                                                    : "the sidecar is not a regular file");
        return -1;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    *data = fd < 0 ? NULL : malloc((size_t)st.st_size + 1);
    ssize_t got = *data ? read(fd, *data, (size_t)st.st_size + 1) : -1;
    int saved = errno;
    if (fd >= 0) close(fd);
    if (got < 0 || got > st.st_size) {
        snprintf(err, errlen, "%s: %s", path, got < 0 ? strerror(saved) : "changed while it was read");
        free(*data);
        *data = NULL;
        return -1;
    }
    *len = (size_t)got;
    return 1;
}

/* 1 when the file at path is the one whose SHA-256 is sha; 0 otherwise (absent, changed). */
static int has_sha(const char *path, const uint8_t sha[32])
{
    char *now, err[16];
    size_t n = 0;
    uint8_t got[32];
    int same = sidecar_read(path, &now, &n, err, sizeof err) == 1 && SHA256((unsigned char *)now, n, got) &&
               memcmp(got, sha, 32) == 0;
    free(now);
    return same;
}

/* The temporary file a write goes through: one name per sidecar, so a killed run's leftover is
   found (and removed by sidecar_reconcile) and two runs never write one sidecar at once. */
static int temp_name(const char *path, char *out, size_t cap)
{
    return snprintf(out, cap, "%s.cull-new", path) >= (int)cap ? -1 : 0;
}

static void folder_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    snprintf(dir, cap, "%.*s", slash && slash > path ? (int)(slash - path) : 1, slash ? path : "/");
}

/* Puts data at path atomically, only if path still is the file whose SHA-256 is expect (NULL:
   only if there is no file at path). 0, or −1 (err). */
static int replace_file(const char *path, const uint8_t *expect, const void *data, size_t len, char *err,
                        size_t errlen)
{
    int existed = expect != NULL;
    char tmp[FS_PATH_MAX + 16], dir[FS_PATH_MAX];
    if (temp_name(path, tmp, sizeof tmp)) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    struct stat old;
    mode_t mode = existed && lstat(path, &old) == 0 ? old.st_mode & 07777 : 0;
    if (!existed) {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot write beside it: %s%s", path, strerror(errno),
                 errno == EEXIST ? " (another cull export writing it?)" : "");
        return -1;
    }
    int bad = fchmod(fd, mode) != 0 || fs_write_all(fd, data, len) != 0 || fsync(fd) != 0;
    int saved = errno;
    bad |= close(fd) != 0;
    const char *why = bad ? strerror(saved) : NULL;
    if (!why && (existed ? !has_sha(path, expect) : trash_exists(path)))
        why = existed ? "changed since cull read it (another program wrote it): not written"
                      : "appeared since cull looked: not written";
    if (!why && (existed ? rename(tmp, path) : renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE)) != 0)
        why = errno == EEXIST ? "appeared since cull looked: not written" : strerror(errno);
    if (why) {
        snprintf(err, errlen, "%s: %s", path, why);
        unlink(tmp);
        return -1;
    }
    folder_of(path, dir, sizeof dir);
    fs_sync(dir);
    return 0;
}

int sidecar_write(library *lib, int64_t batch, const char *path, int existed, const void *before, size_t before_len,
                  const void *data, size_t len, char *err, size_t errlen)
{
    library_sidecar s = {batch, path, existed, before, before_len, {0}, NULL};
    uint8_t before_sha[32];
    SHA256(before ? before : (const void *)"", before_len, before_sha);
    SHA256(data, len, s.after_sha256);
    if (library_log_sidecar(lib, &s, "planned", NULL)) {
        snprintf(err, errlen, "library: %s", library_error(lib));
        return -1;
    }
    if (replace_file(path, existed ? before_sha : NULL, data, len, err, errlen)) {
        library_log_sidecar(lib, &s, "failed", err);
        return -1;
    }
    if (library_log_sidecar(lib, &s, "written", NULL)) {
        snprintf(err, errlen, "%s: written, but the library could not log it (%s); the next export or undo "
                 "settles it", path, library_error(lib));
        return -1;
    }
    return 0;
}

/* ---- the log's last events, copied out first: handling them writes to the log ---------------- */

typedef struct {
    library_sidecar *items;
    size_t n, cap;
} sidecar_list;

static int copy_sidecar(const library_sidecar *s, void *ctx)
{
    sidecar_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        library_sidecar *grown = realloc(l->items, l->cap * sizeof *grown);
        if (!grown) return 1;
        l->items = grown;
    }
    library_sidecar *c = &l->items[l->n++];
    *c = *s;
    c->path = strdup(s->path);
    c->event = strdup(s->event);
    c->before = malloc(s->before_len + 1);
    if (c->before && s->before_len) memcpy((void *)c->before, s->before, s->before_len);
    return !c->path || !c->event || !c->before;
}

static void free_sidecars(sidecar_list *l)
{
    for (size_t i = 0; i < l->n; i++) free((void *)l->items[i].path), free((void *)l->items[i].event),
                                        free((void *)l->items[i].before);
    free(l->items);
}

static int load(library *lib, int64_t batch, sidecar_list *l)
{
    memset(l, 0, sizeof *l);
    if (library_each_last_sidecar(lib, batch, copy_sidecar, l) == 0 &&
        (l->n == 0 || (l->items[l->n - 1].path && l->items[l->n - 1].before)))
        return 0;
    free_sidecars(l);
    return -1;
}

int sidecar_reconcile(library *lib)
{
    sidecar_list l;
    if (load(lib, -1, &l)) return -1;
    int settled = 0, failed = 0;
    for (size_t i = 0; i < l.n && !failed; i++) {
        library_sidecar *s = &l.items[i];
        if (strcmp(s->event, "planned")) continue;
        char tmp[FS_PATH_MAX + 16];
        struct stat st;
        if (temp_name(s->path, tmp, sizeof tmp) == 0 && lstat(tmp, &st) == 0 && S_ISREG(st.st_mode)) unlink(tmp);
        int written = has_sha(s->path, s->after_sha256);
        failed = library_log_sidecar(lib, s, written ? "written" : "aborted", "settled after an interrupted export");
        settled++;
    }
    free_sidecars(&l);
    return failed ? -1 : settled;
}

int sidecar_undo(library *lib, int dry_run, apply_item_fn each, void *ctx, apply_summary *s)
{
    memset(s, 0, sizeof *s);
    if (!dry_run && sidecar_reconcile(lib) < 0) return -1;
    s->batch = library_last_exported_batch(lib);
    if (s->batch <= 0) return s->batch < 0 ? -1 : 0;
    sidecar_list l;
    if (load(lib, s->batch, &l)) return -1;
    int db_failed = 0;
    for (size_t i = 0; i < l.n && !db_failed; i++) {
        library_sidecar *w = &l.items[i];
        if (strcmp(w->event, "written")) continue;
        const char *left = !has_sha(w->path, w->after_sha256) ? "changed or removed since cull export wrote it: left as it is"
                                                               : NULL;
        char err[FS_PATH_MAX + 256] = "";
        if (!left && dry_run) {
            if (each) each(ctx, w->path, (int64_t)w->before_len);
            s->files++, s->bytes += (int64_t)w->before_len;
            continue;
        }
        if (left) {
            report(w->path, left);
            s->failed++;
            db_failed = !dry_run && library_log_sidecar(lib, w, "kept", left);
            continue;
        }
        char dir[FS_PATH_MAX];
        folder_of(w->path, dir, sizeof dir);
        int undone = w->existed ? replace_file(w->path, w->after_sha256, w->before, w->before_len, err, sizeof err) == 0
                                : unlink(w->path) == 0;
        if (!w->existed && undone) fs_sync(dir);
        if (!undone && !w->existed) snprintf(err, sizeof err, "%s: cannot remove: %s", w->path, strerror(errno));
        if (undone) s->files++, s->bytes += (int64_t)w->before_len;
        else fprintf(stderr, "cull: %s\n", err), s->failed++;
        /* A failed restore stays "written": the next undo tries this export again. */
        db_failed = undone && library_log_sidecar(lib, w, "restored", NULL);
    }
    free_sidecars(&l);
    return db_failed ? -1 : 0;
}
