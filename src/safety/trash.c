/*
 * trash.c — moving files to the freedesktop.org Trash and back; see trash.h.
 */
#include "safety/trash.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "media/media.h"
#include "util/fsutil.h"

#define MAX_NAME_TRIES 10000
#define COPY_CHUNK (1 << 20)

/* ---- choosing the Trash --------------------------------------------------------------------- */

static int home_trash(char *out, size_t cap)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/') return snprintf(out, cap, "%s/Trash", xdg) < (int)cap ? 0 : -1;
    if (home && home[0] == '/') return snprintf(out, cap, "%s/.local/share/Trash", home) < (int)cap ? 0 : -1;
    return -1;
}

/* Device of path, or of its nearest existing ancestor (the Trash may not exist yet). */
static int device_of(const char *path, dev_t *dev)
{
    char buf[FS_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    struct stat st;
    while (stat(buf, &st) != 0) {
        char *slash = strrchr(buf, '/');
        if (!slash) return -1;
        if (slash == buf) slash[1] = 0;
        else *slash = 0;
    }
    *dev = st.st_dev;
    return 0;
}

/* The mount point holding path's folder: climb while the parent is on the same device. */
static int top_dir(const char *path, dev_t dev, char *out, size_t cap)
{
    snprintf(out, cap, "%s", path);
    char *slash = strrchr(out, '/');
    if (!slash) return -1;
    *slash = 0;
    if (!out[0]) strcpy(out, "/");
    struct stat st;
    for (;;) {
        if (strcmp(out, "/") == 0) return 0;
        char parent[FS_PATH_MAX];
        snprintf(parent, sizeof parent, "%s", out);
        char *s = strrchr(parent, '/');
        if (s == parent) s[1] = 0;
        else *s = 0;
        if (stat(parent, &st) != 0 || st.st_dev != dev) return 0;
        snprintf(out, cap, "%s", parent);
    }
}

static int ensure_dir(const char *dir, mode_t mode)
{
    if (mkdir(dir, mode) == 0) return 0;
    if (errno != EEXIST) return -1;
    struct stat st;
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* TRASH, TRASH/files and TRASH/info exist (created 0700 when missing). */
static int prepare_trash(const char *trash)
{
    char sub[FS_PATH_MAX];
    if (fs_make_dirs(trash) != 0) return -1;
    snprintf(sub, sizeof sub, "%s/files", trash);
    if (ensure_dir(sub, 0700)) return -1;
    snprintf(sub, sizeof sub, "%s/info", trash);
    return ensure_dir(sub, 0700);
}

/* $topdir/.Trash/$uid when .Trash is a real sticky folder (spec's admin-made trash), else
   $topdir/.Trash-$uid. */
static int topdir_trash(const char *top, char *out, size_t cap)
{
    char admin[FS_PATH_MAX];
    const char *sep = strcmp(top, "/") == 0 ? "" : "/";
    snprintf(admin, sizeof admin, "%s%s.Trash", top, sep);
    struct stat st;
    if (lstat(admin, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX)) {
        if (snprintf(out, cap, "%s/%u", admin, (unsigned)getuid()) < (int)cap && prepare_trash(out) == 0) return 0;
    }
    if (snprintf(out, cap, "%s%s.Trash-%u", top, sep, (unsigned)getuid()) >= (int)cap) return -1;
    if (lstat(out, &st) == 0 && (!S_ISDIR(st.st_mode) || st.st_uid != getuid())) return -1;
    return prepare_trash(out);
}

/* Writes the Trash folder for path into trash; *relative_to gets the top dir when .trashinfo
   should hold a path relative to it (topdir trashes), "" for the home Trash. */
static int choose_trash(const char *path, char *trash, size_t cap, char *relative_to, size_t rcap, char *err,
                        size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    char home[FS_PATH_MAX];
    dev_t home_dev;
    int have_home = home_trash(home, sizeof home) == 0 && device_of(home, &home_dev) == 0;
    relative_to[0] = 0;
    if (have_home && home_dev == st.st_dev && prepare_trash(home) == 0) {
        snprintf(trash, cap, "%s", home);
        return 0;
    }
    char top[FS_PATH_MAX];
    if (top_dir(path, st.st_dev, top, sizeof top) == 0 && topdir_trash(top, trash, cap) == 0) {
        snprintf(relative_to, rcap, "%s", top);
        return 0;
    }
    if (have_home && prepare_trash(home) == 0) { /* across devices: copy, verify, remove */
        snprintf(trash, cap, "%s", home);
        return 0;
    }
    snprintf(err, errlen, "no usable Trash for this file's filesystem (and none in the home folder)");
    return -1;
}

/* ---- .trashinfo ------------------------------------------------------------------------------- */

/* Percent-encodes everything but RFC 2396's unreserved characters and '/'. */
static void url_escape(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/-_.!~*'()", *p)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = 0;
}

/* Splits "name.ext" so collisions become "name.2.ext", as file managers show them. */
static void candidate_name(const char *base, int n, char *out, size_t cap)
{
    if (n == 1) {
        snprintf(out, cap, "%s", base);
        return;
    }
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base) dot = base + strlen(base);
    snprintf(out, cap, "%.*s.%d%s", (int)(dot - base), base, n, dot);
}

int trash_pick(const char *path, trash_slot *slot, char *err, size_t errlen)
{
    char trash[FS_PATH_MAX];
    if (choose_trash(path, trash, sizeof trash, slot->top, sizeof slot->top, err, errlen)) return -1;
    const char *base = fs_basename(path);
    for (int n = 1; n <= MAX_NAME_TRIES; n++) {
        char name[NAME_MAX + 1];
        candidate_name(base, n, name, sizeof name);
        if (strlen(name) + strlen(".trashinfo") > NAME_MAX) continue;
        if (snprintf(slot->info, sizeof slot->info, "%s/info/%s.trashinfo", trash, name) >= (int)sizeof slot->info ||
            snprintf(slot->files, sizeof slot->files, "%s/files/%s", trash, name) >= (int)sizeof slot->files) {
            snprintf(err, errlen, "Trash path too long");
            return -1;
        }
        if (!trash_exists(slot->info) && !trash_exists(slot->files)) return 0;
    }
    snprintf(err, errlen, "no free name in the Trash for %s", base);
    return -1;
}

/* The path a .trashinfo records for path: relative to the slot's top dir, or absolute. */
static const char *recorded_path(const char *path, const char *top)
{
    size_t tl = strlen(top);
    return tl && fs_is_under(path, top) ? path + tl + (strcmp(top, "/") != 0) : path;
}

/* Creates the file path with its whole content at once: written and fsynced unnamed (O_TMPFILE)
   in path's folder, then linked in, which fails if the name exists. A crash never leaves a
   half-written claim. 0; 1 when the name is taken; -1 when the filesystem cannot do this (the
   caller falls back to O_EXCL). */
static int link_new_file(const char *path, const char *body, size_t len)
{
    char dir[FS_PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash || (size_t)(slash - path) >= sizeof dir) return -1;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = 0;
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int rc = -1;
    if (fs_write_all(fd, body, len) == 0 && fsync(fd) == 0) {
        if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0) rc = 0;
        else if (errno == EEXIST) rc = 1;
    }
    close(fd);
    return rc;
}

int trash_claim(const char *path, const trash_slot *slot, char *err, size_t errlen)
{
    char escaped[FS_PATH_MAX * 3], date[32], body[FS_PATH_MAX * 3 + 128];
    url_escape(recorded_path(path, slot->top), escaped, sizeof escaped);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    int blen = snprintf(body, sizeof body, "[Trash Info]\nPath=%s\nDeletionDate=%s\n", escaped, date);
    int linked = link_new_file(slot->info, body, (size_t)blen);
    if (linked == 0 || linked == 1) {
        if (linked == 0 && trash_exists(slot->files)) { /* a file with no .trashinfo: leave it alone */
            unlink(slot->info);
            return 1;
        }
        return linked;
    }
    /* No O_TMPFILE here: create, then write. A crash in between leaves an empty .trashinfo, which
       trash_release also removes. */
    int fd = open(slot->info, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) return 1;
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", slot->info, strerror(errno));
        return -1;
    }
    if (trash_exists(slot->files)) { /* a file with no .trashinfo appeared: leave it alone */
        close(fd);
        unlink(slot->info);
        return 1;
    }
    int bad = fs_write_all(fd, body, (size_t)blen) || fsync(fd);
    bad |= close(fd);
    if (bad) {
        snprintf(err, errlen, "cannot write %s: %s", slot->info, strerror(errno));
        unlink(slot->info);
        return -1;
    }
    return 0;
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int trash_owns(const trash_slot *slot, const char *path)
{
    const char *info = slot->info;
    char text[FS_PATH_MAX * 3 + 128], got[FS_PATH_MAX];
    FILE *f = fopen(info, "re");
    if (!f) return 0;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    const char *p = strstr(text, "\nPath=");
    if (!p) return 0;
    size_t o = 0;
    for (p += 6; *p && *p != '\n' && o + 1 < sizeof got; p++) {
        int hi, lo;
        if (*p == '%' && (hi = hex_value(p[1])) >= 0 && (lo = hex_value(p[2])) >= 0) {
            got[o++] = (char)(hi * 16 + lo);
            p += 2;
        } else {
            got[o++] = *p;
        }
    }
    got[o] = 0;
    if (got[0] == '/') return strcmp(got, path) == 0;
    size_t lp = strlen(path), lg = strlen(got);
    return lg > 0 && lg < lp && path[lp - lg - 1] == '/' && strcmp(path + lp - lg, got) == 0;
}

void trash_release(const trash_slot *slot, const char *path)
{
    struct stat st;
    /* empty: a claim cut short between its create and its write (where O_TMPFILE is missing) */
    if (trash_owns(slot, path) || (lstat(slot->info, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0))
        unlink(slot->info);
}

int trash_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ---- moving --------------------------------------------------------------------------------- */

int trash_content_is(const char *path, const uint8_t sha[32], char *err, size_t errlen)
{
    file_buffer fb;
    char why[256];
    if (media_read_file(path, INT64_MAX, &fb, why, sizeof why)) {
        snprintf(err, errlen, "cannot verify content: %s", why);
        return 0;
    }
    uint8_t got[32];
    media_sha256(fb.data, fb.len, got);
    file_buffer_free(&fb);
    if (memcmp(got, sha, 32) != 0) {
        snprintf(err, errlen, "content differs from the labelled image (changed since it was indexed)");
        return 0;
    }
    return 1;
}

/* Copies src to a new file dst (which must not exist), with its mode and times, fsynced. */
static int copy_file(const char *src, const char *dst, char *err, size_t errlen)
{
    int in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
    struct stat st;
    char *buf = malloc(COPY_CHUNK);
    int rc = -1;
    if (in < 0 || fstat(in, &st) != 0 || !buf) goto done;
    out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
    if (out < 0) goto done;
    ssize_t n;
    while ((n = read(in, buf, COPY_CHUNK)) > 0)
        if (fs_write_all(out, buf, (size_t)n)) goto done;
    if (n < 0) goto done;
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    futimens(out, times);
    if (fsync(out) != 0) goto done;
    rc = 0;
done:
    if (rc) snprintf(err, errlen, "copy to %s failed: %s", dst, strerror(errno));
    if (out >= 0 && close(out) != 0 && rc == 0) {
        snprintf(err, errlen, "copy to %s failed: %s", dst, strerror(errno));
        rc = -1;
    }
    if (rc && out >= 0) unlink(dst);
    if (in >= 0) close(in);
    free(buf);
    return rc;
}

static void sync_folder_of(const char *path)
{
    char dir[FS_PATH_MAX];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1, slash ? path : ".");
    fs_sync(dir);
}

int trash_partial_path(const char *to, const uint8_t sha[32], char *out, size_t cap)
{
    const char *slash = strrchr(to, '/');
    int dir_len = slash ? (int)(slash - to) : 1;
    int n = snprintf(out, cap, "%.*s/.cull-partial-%02x%02x%02x%02x%02x%02x%02x%02x", dir_len, slash ? to : ".",
                     sha[0], sha[1], sha[2], sha[3], sha[4], sha[5], sha[6], sha[7]);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* rename, or across filesystems: copy to the partial name beside `to` (trash_partial_path),
   fsync, verify, rename into place (never over anything), then remove the source. A kill
   leaves a whole file at one of the two places, and at most a partial copy under the partial
   name, never at `to`. */
static int move_verified(const char *from, const char *to, const uint8_t sha[32], char *err, size_t errlen)
{
    if (fs_rename_noreplace(from, to) == 0) return 0;
    if (errno != EXDEV) {
        snprintf(err, errlen, "cannot move: %s", strerror(errno));
        return -1;
    }
    char partial[FS_PATH_MAX];
    if (trash_partial_path(to, sha, partial, sizeof partial)) {
        snprintf(err, errlen, "path too long");
        return -1;
    }
    unlink(partial);   /* a run killed while copying this very file */
    if (copy_file(from, partial, err, errlen)) return -1;
    if (!trash_content_is(partial, sha, err, errlen)) {
        unlink(partial);
        return -1;
    }
    if (fs_rename_noreplace(partial, to) != 0) {
        snprintf(err, errlen, "cannot move the verified copy into place: %s", strerror(errno));
        unlink(partial);
        return -1;
    }
    sync_folder_of(to);   /* the new name is on disk before the only other copy goes */
    if (unlink(from) != 0) {
        snprintf(err, errlen, "copied, but cannot remove the original: %s", strerror(errno));
        unlink(to);
        return -1;
    }
    return 0;
}

int trash_move(const char *path, const trash_slot *slot, const uint8_t sha[32], char *err, size_t errlen)
{
    if (!trash_content_is(path, sha, err, errlen) || move_verified(path, slot->files, sha, err, errlen)) {
        trash_release(slot, path);
        return -1;
    }
    return 0;
}

int trash_restore(const char *path, const trash_slot *slot, const uint8_t sha[32], char *err, size_t errlen)
{
    if (trash_exists(path)) {
        snprintf(err, errlen, "something else is at the original path now; the file stays in the Trash (%s)",
                 slot->files);
        return -1;
    }
    if (!trash_content_is(slot->files, sha, err, errlen)) return -1;
    if (fs_make_parent_dirs(path) != 0) {
        snprintf(err, errlen, "cannot recreate its folder: %s", strerror(errno));
        return -1;
    }
    if (move_verified(slot->files, path, sha, err, errlen)) return -1;
    unlink(slot->info);
    return 0;
}
