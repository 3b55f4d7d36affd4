/*
 * xmp_write.c — logged, atomic XMP writes into sidecars and images, and their undo; see
 * xmp_write.h.
 */
#include "safety/xmp_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <glib.h>

#include "library/xmp_log.h"
#include "media/xmp.h"
#include "safety/trash.h"
#include "util/fsutil.h"

static void report(const char *path, const char *reason)
{
    fputs("cull: ", stderr);
    fwrite(path, 1, strlen(path), stderr);
    fprintf(stderr, ": %s\n", reason);
}

/* Copies the regular file src (never through a symbolic link) to dst, which must not exist, with
   src's permissions, fsynced; sha (may be NULL) gets the SHA-256 of what was copied and *size its
   length. dst NULL: only hashes src. 0, or −1 with errno (dst removed). */
static int copy_hashing(const char *src, const char *dst, uint8_t sha[32], int64_t *size)
{
    int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1;
    struct stat st;
    if (in < 0 || fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (in >= 0) close(in), errno = EINVAL;
        return -1;
    }
    if (dst && (out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
        close(in);
        return -1;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    char *buf = malloc(1 << 20);
    int bad = !md || !buf || !EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    int64_t total = 0;
    ssize_t n = 0;
    while (!bad && (n = read(in, buf, 1 << 20)) > 0) {
        bad = !EVP_DigestUpdate(md, buf, (size_t)n) || (out >= 0 && fs_write_all(out, buf, (size_t)n));
        total += n;
    }
    unsigned int len = 0;
    uint8_t digest[EVP_MAX_MD_SIZE];
    bad = bad || n < 0 || !EVP_DigestFinal_ex(md, digest, &len) ||
          (out >= 0 && (fchmod(out, st.st_mode & 07777) != 0 || fsync(out) != 0));
    int saved = errno;
    if (out >= 0) bad |= close(out) != 0;
    close(in);
    EVP_MD_CTX_free(md);
    free(buf);
    if (bad) {
        if (dst) unlink(dst);
        errno = saved ? saved : EIO;
        return -1;
    }
    if (sha) memcpy(sha, digest, 32);
    if (size) *size = total;
    return 0;
}

/* 1 when path is a regular file whose SHA-256 is sha; 0 otherwise (absent, changed, a link). */
static int has_sha(const char *path, const uint8_t sha[32])
{
    uint8_t got[32];
    return copy_hashing(path, NULL, got, NULL) == 0 && memcmp(got, sha, 32) == 0;
}

/* The temporary file a write goes through (suffix "new"), and where undo parks cull's version of
   an image while the one before comes back ("old"): one name per file, so a killed run's
   leftover is found, and two runs never write one file at once. */
static int temp_name(const char *path, const char *suffix, char *out, size_t cap)
{
    return snprintf(out, cap, "%s.cull-%s", path, suffix) >= (int)cap ? -1 : 0;
}

/* Removes a leftover temporary file of path, or the folder a write into an image works in (only
   a regular file or a folder: cull made it). */
static void remove_temp(const char *path, const char *suffix)
{
    char tmp[FS_PATH_MAX + 16];
    struct stat st;
    if (temp_name(path, suffix, tmp, sizeof tmp) || lstat(tmp, &st) != 0) return;
    if (S_ISREG(st.st_mode)) unlink(tmp);
    else if (S_ISDIR(st.st_mode)) fs_remove_tree(tmp);
}

/* Removes a sidecar write's leftover temporary file only when it holds bytes cull wrote or read
   (the new ones, or the ones before): after a kill between the two exchanges of swap_in it may
   hold what another program wrote, which is kept and named. */
static void remove_sidecar_temp(const library_xmp_write *w)
{
    char tmp[FS_PATH_MAX + 16], *data = NULL, err[16];
    size_t len = 0;
    if (temp_name(w->path, "new", tmp, sizeof tmp) || !trash_exists(tmp)) return;
    int before = w->existed && xmp_read_sidecar(tmp, &data, &len, err, sizeof err) == 1 && len == w->before_len &&
                 (len == 0 || memcmp(data, w->before, len) == 0);
    g_free(data);
    if (before || has_sha(tmp, w->after_sha256)) unlink(tmp);
    else report(tmp, "holds a file cull did not write (another program wrote the sidecar while cull did): kept");
}

/* A write into an image works on a copy in a folder of its own beside it (NAME.cull-new/NAME:
   exempi writes its own temporary files beside the file it updates, and they stay in there). */
static int work_copy_name(const char *path, char *dir, char *file, size_t cap)
{
    return temp_name(path, "new", dir, cap) || fs_join(file, cap, dir, fs_basename(path)) ? -1 : 0;
}

static void sync_folder_of(const char *path)
{
    char dir[FS_PATH_MAX];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash && slash > path ? (int)(slash - path) : 1, slash ? path : "/");
    fs_sync(dir);
}

/* ---- sidecars -------------------------------------------------------------------------------- */

/* Puts the file tmp in place of path only if path is the file whose SHA-256 is expect, checked
   after the swap where the filesystem can exchange two names atomically (so a write by another
   program just before is swapped back, never lost), else just before a rename. 0 done (tmp gone);
   1 path had changed (tmp holds the new bytes still); 2 path had changed and could not be swapped
   back (tmp holds what was at path: keep it); −1 with errno. */
static int swap_in(const char *tmp, const char *path, const uint8_t *expect)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
        if (has_sha(tmp, expect)) return unlink(tmp), 0;
        return renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0 ? 1 : 2;   /* theirs back */
    }
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) return -1;
    if (!has_sha(path, expect)) return 1;
    return rename(tmp, path) == 0 ? 0 : -1;
}

/* Removes the file cull created at path, only if it still is what cull wrote (SHA-256 expect):
   moved aside first and checked there, so a write by another program is never removed. 0; 1 it
   had changed (left in place); 2 it had changed and could not be put back (it is at
   NAME.cull-old); −1 with errno. */
static int remove_ours(const char *path, const uint8_t *expect)
{
    char old[FS_PATH_MAX + 16];
    if (temp_name(path, "old", old, sizeof old) || fs_rename_noreplace(path, old) != 0) return -1;
    if (has_sha(old, expect)) return unlink(old) == 0 ? 0 : -1;
    return fs_rename_noreplace(old, path) == 0 ? 1 : 2;   /* 2: theirs stays at NAME.cull-old */
}

/* Puts data at path atomically, only if path still is the file whose SHA-256 is expect (NULL:
   only if there is no file at path). 0, or −1 (err). */
static int replace_file(const char *path, const uint8_t *expect, const void *data, size_t len, char *err,
                        size_t errlen)
{
    int existed = expect != NULL;
    char tmp[FS_PATH_MAX + 16];
    if (temp_name(path, "new", tmp, sizeof tmp)) {
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
    int swapped = !why && existed ? swap_in(tmp, path, expect) : 0;
    if (swapped == 2) {
        snprintf(err, errlen, "%s: changed while cull wrote it, and could not be put back: what was there is "
                 "kept at %s", path, tmp);
        return -1;
    }
    if (swapped == 1) why = "changed since cull read it (another program wrote it): not written";
    else if (swapped < 0) why = strerror(errno);
    if (!why && !existed && fs_rename_noreplace(tmp, path) != 0)
        why = errno == EEXIST ? "appeared since cull looked: not written" : strerror(errno);
    if (why) {
        snprintf(err, errlen, "%s: %s", path, why);
        unlink(tmp);
        return -1;
    }
    sync_folder_of(path);
    return 0;
}

static void sha256_of(const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

int xmp_write_sidecar(library *lib, int64_t batch, const char *path, int existed, const void *before, size_t before_len,
                      const void *data, size_t len, char *err, size_t errlen)
{
    library_xmp_write w = {.batch = batch, .path = path, .existed = existed, .before = before, .before_len = before_len};
    uint8_t before_sha[32];
    sha256_of(before ? before : (const void *)"", before_len, before_sha);
    sha256_of(data, len, w.after_sha256);
    if (library_log_xmp_write(lib, &w, "planned", NULL)) {
        snprintf(err, errlen, "library: %s", library_error(lib));
        return -1;
    }
    if (replace_file(path, existed ? before_sha : NULL, data, len, err, errlen)) {
        library_log_xmp_write(lib, &w, "failed", err);
        return -1;
    }
    if (library_log_xmp_write(lib, &w, "written", NULL)) {
        snprintf(err, errlen, "%s: written, but the library could not log it (%s); the next export or undo "
                 "settles it", path, library_error(lib));
        return -1;
    }
    return 0;
}

/* ---- images ---------------------------------------------------------------------------------- */

static trash_slot slot_of(const library_xmp_write *w)
{
    trash_slot t;
    snprintf(t.files, sizeof t.files, "%s", w->trash_path);
    snprintf(t.info, sizeof t.info, "%s", w->info_path);
    t.top[0] = 0;
    return t;
}

/* Tells the library that path holds to (same picture as from) now. */
static int follow_content(library *lib, const char *path, const uint8_t from[32], const uint8_t to[32])
{
    struct stat st;
    if (lstat(path, &st) != 0) return -1;
    file_stamp stamp = file_stamp_of(&st);
    return library_content_rewritten(lib, path, from, to, (int64_t)st.st_size, &stamp);
}

/* Logs w "planned" with a Trash slot for the image claimed, as apply claims one: picked, logged,
   then claimed (never a claim the log does not know). 0; 1 (err) when no slot; −1 library. */
static int claim_slot(library *lib, library_xmp_write *w, trash_slot *slot, char *err, size_t errlen)
{
    for (int tries = 0; tries < 16; tries++) {
        if (trash_pick(w->path, slot, err, errlen)) return 1;
        w->trash_path = slot->files, w->info_path = slot->info;
        if (library_log_xmp_write(lib, w, "planned", NULL)) return -1;
        int taken = trash_claim(w->path, slot, err, errlen);
        if (taken == 0) return 0;
        if (library_log_xmp_write(lib, w, "aborted", taken > 0 ? "the Trash name was taken meanwhile" : err)) return -1;
        if (taken < 0) return 1;
    }
    snprintf(err, errlen, "the Trash names for this file kept being taken by another process");
    return 1;
}

int xmp_write_embedded(library *lib, int64_t batch, const char *path, const uint8_t before_sha256[32],
                       const char *packet, size_t len, char *err, size_t errlen)
{
    library_xmp_write w = {.batch = batch, .path = path, .embedded = 1, .existed = 1, .trash_path = "", .info_path = ""};
    memcpy(w.before_sha256, before_sha256, 32);
    char dir[FS_PATH_MAX + 16], tmp[FS_PATH_MAX + 16], why[FS_PATH_MAX + 256] = "";
    uint8_t copied[32];
    if (work_copy_name(path, dir, tmp, sizeof tmp)) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    if (library_log_xmp_write(lib, &w, "preparing", NULL)) {
        snprintf(err, errlen, "library: %s", library_error(lib));
        return -1;
    }
    int ours = mkdir(dir, 0700) == 0;   /* not ours: another export's, or a folder of the user's */
    if (!ours)
        snprintf(why, sizeof why, "cannot make a folder beside it: %s%s", strerror(errno),
                 errno == EEXIST ? " (another cull export writing it?)" : "");
    else if (copy_hashing(path, tmp, copied, NULL) != 0)
        snprintf(why, sizeof why, "cannot copy it beside itself: %s", strerror(errno));
    else if (memcmp(copied, before_sha256, 32) != 0)
        snprintf(why, sizeof why, "changed since it was indexed: not written (cull index reads it again)");
    else if (xmp_embed_packet(tmp, packet, len, why, sizeof why) == 0) {
        fs_sync(tmp);
        if (copy_hashing(tmp, NULL, w.after_sha256, NULL) != 0) snprintf(why, sizeof why, "%s", strerror(errno));
    }
    trash_slot slot;
    int claimed = why[0] ? 1 : claim_slot(lib, &w, &slot, why, sizeof why);
    if (claimed < 0) {
        remove_temp(path, "new");
        snprintf(err, errlen, "library: %s", library_error(lib));
        return -1;
    }
    if (claimed == 0 && trash_move(path, &slot, before_sha256, why, sizeof why) == 0 &&
        fs_rename_noreplace(tmp, path) != 0) {
        snprintf(why, sizeof why, "cannot put the new version in place: %s", strerror(errno));
        char back[512];
        if (trash_restore(path, &slot, before_sha256, back, sizeof back) != 0)
            snprintf(why + strlen(why), sizeof why - strlen(why), "; the image as it was is in the Trash (%s)", back);
    }
    if (why[0]) {
        if (ours) remove_temp(path, "new");
        snprintf(err, errlen, "%s: %s", path, why);
        library_log_xmp_write(lib, &w, "failed", why);
        return -1;
    }
    remove_temp(path, "new");   /* the work folder, with anything exempi left in it */
    sync_folder_of(path);
    if (follow_content(lib, path, before_sha256, w.after_sha256) || library_log_xmp_write(lib, &w, "written", NULL)) {
        snprintf(err, errlen, "%s: written, but the library could not record it (%s); the next export or undo "
                 "settles it", path, library_error(lib));
        return -1;
    }
    return 0;
}

/* ---- the log's last events, copied out first: handling them writes to the log ---------------- */

typedef struct {
    library_xmp_write *items;
    size_t n, cap;
} write_list;

static int copy_write(const library_xmp_write *w, void *ctx)
{
    write_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        library_xmp_write *grown = realloc(l->items, l->cap * sizeof *grown);
        if (!grown) return 1;
        l->items = grown;
    }
    library_xmp_write *c = &l->items[l->n++];
    *c = *w;
    c->path = strdup(w->path);
    c->event = strdup(w->event);
    c->trash_path = strdup(w->trash_path);
    c->info_path = strdup(w->info_path);
    c->before = malloc(w->before_len + 1);
    if (c->before && w->before_len) memcpy((void *)c->before, w->before, w->before_len);
    return !c->path || !c->event || !c->trash_path || !c->info_path || !c->before;
}

static void free_writes(write_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        library_xmp_write *w = &l->items[i];
        free((void *)w->path), free((void *)w->event), free((void *)w->trash_path), free((void *)w->info_path);
        free((void *)w->before);
    }
    free(l->items);
}

static int load(library *lib, int64_t batch, write_list *l)
{
    memset(l, 0, sizeof *l);
    if (library_each_last_xmp_write(lib, batch, copy_write, l) == 0) return 0;
    free_writes(l);
    return -1;
}

/* ---- reconcile ------------------------------------------------------------------------------- */

/* An image write killed after "planned": completed when the new version reached its name (or
   waits beside it with the old one in the Trash), else rolled back. The event to log. */
static const char *settle_image(library *lib, const library_xmp_write *w)
{
    trash_slot slot = slot_of(w);
    char dir[FS_PATH_MAX + 16], tmp[FS_PATH_MAX + 16], err[512];
    if (work_copy_name(w->path, dir, tmp, sizeof tmp)) return "aborted";
    int moved = trash_exists(slot.files) && trash_owns(&slot, w->path);   /* never a file someone else trashed */
    if (!trash_exists(w->path) && moved && has_sha(tmp, w->after_sha256))
        fs_rename_noreplace(tmp, w->path);
    if (has_sha(w->path, w->after_sha256)) {
        remove_temp(w->path, "new");
        sync_folder_of(w->path);
        return follow_content(lib, w->path, w->before_sha256, w->after_sha256) ? NULL : "written";
    }
    remove_temp(w->path, "new");
    if (moved && !trash_exists(w->path)) trash_restore(w->path, &slot, w->before_sha256, err, sizeof err);
    else if (!trash_exists(slot.files)) trash_release(&slot, w->path);   /* a claim whose move never happened */
    return "aborted";
}

/* 1 when the sidecar at path is as it was before w (its bytes, or absent when w created it). */
static int sidecar_as_before(const library_xmp_write *w)
{
    if (!w->existed) return !trash_exists(w->path);
    char *now, err[16];
    size_t n = 0;
    int same = xmp_read_sidecar(w->path, &now, &n, err, sizeof err) == 1 && n == w->before_len &&
               (n == 0 || memcmp(now, w->before, n) == 0);
    g_free(now);
    return same;
}

/* A write whose undo was killed ("restoring" its last event): "restored" when the file before is
   back (what undo had left to do done), "written" when it is still as cull wrote it (cull's
   version of an image put back in place if undo had parked it aside), NULL when the library
   failed. */
static const char *undo_settled(library *lib, const library_xmp_write *w, char *old, size_t cap)
{
    if (temp_name(w->path, "old", old, cap)) return "written";
    if (!w->embedded) {
        remove_sidecar_temp(w);
        if (has_sha(old, w->after_sha256)) unlink(old);   /* a removal moved it aside: cull's bytes only */
        else if (trash_exists(old) && !trash_exists(w->path)) fs_rename_noreplace(old, w->path);   /* theirs back */
        return sidecar_as_before(w) && !has_sha(w->path, w->after_sha256) ? "restored" : "written";
    }
    if (has_sha(w->path, w->after_sha256) && has_sha(old, w->after_sha256)) unlink(old);   /* a link() fallback cut short */
    if (has_sha(w->path, w->before_sha256)) {
        if (has_sha(old, w->after_sha256)) unlink(old);
        return follow_content(lib, w->path, w->after_sha256, w->before_sha256) ? NULL : "restored";
    }
    if (!trash_exists(w->path) && has_sha(old, w->after_sha256)) fs_rename_noreplace(old, w->path);
    return "written";
}

int xmp_write_reconcile(library *lib)
{
    write_list l;
    if (load(lib, -1, &l)) return -1;
    int settled = 0, failed = 0;
    for (size_t i = 0; i < l.n && !failed; i++) {
        library_xmp_write *w = &l.items[i];
        char old[FS_PATH_MAX + 16];
        if (strcmp(w->event, "restoring") == 0) {
            /* An undo killed halfway: finished when the file before is back, else as cull wrote it. */
            const char *event = undo_settled(lib, w, old, sizeof old);
            failed = !event || library_log_xmp_write(lib, w, event, "settled after an interrupted undo");
            settled++;
            continue;
        }
        const char *event = NULL;
        if (strcmp(w->event, "preparing") == 0) {
            remove_temp(w->path, "new");
            event = "aborted";
        } else if (strcmp(w->event, "planned") == 0 && w->embedded) {
            if (!(event = settle_image(lib, w))) failed = 1;
        } else if (strcmp(w->event, "planned") == 0) {
            remove_sidecar_temp(w);
            event = has_sha(w->path, w->after_sha256) ? "written" : "aborted";
        }
        if (event) {
            failed = library_log_xmp_write(lib, w, event, "settled after an interrupted export");
            settled++;
        }
    }
    free_writes(&l);
    return failed ? -1 : settled;
}

/* ---- undo ------------------------------------------------------------------------------------ */

/* Puts the image before back: cull's version parked aside, the one before restored from the
   Trash (verified), then cull's removed. 0, or −1 with err (cull's version back in place). */
static int restore_image(const library_xmp_write *w, char *err, size_t errlen)
{
    trash_slot slot = slot_of(w);
    char old[FS_PATH_MAX + 16], why[512];
    if (temp_name(w->path, "old", old, sizeof old) ||
        fs_rename_noreplace(w->path, old) != 0) {
        snprintf(err, errlen, "%s: cannot move it aside: %s", w->path, strerror(errno));
        return -1;
    }
    if (trash_restore(w->path, &slot, w->before_sha256, why, sizeof why) != 0) {
        fs_rename_noreplace(old, w->path);
        snprintf(err, errlen, "%s: the image before cull export cannot come back from the Trash: %s", w->path, why);
        return -1;
    }
    if (has_sha(old, w->after_sha256)) unlink(old);   /* cull's version, nothing else: never an unchecked file */
    else fprintf(stderr, "cull: %s.cull-old: changed while undo ran: kept\n", w->path);
    sync_folder_of(w->path);
    return 0;
}

int xmp_write_undo(library *lib, int dry_run, apply_item_fn each, void *ctx, apply_summary *s)
{
    memset(s, 0, sizeof *s);
    if (!dry_run && xmp_write_reconcile(lib) < 0) return -1;
    s->batch = library_last_exported_batch(lib);
    if (s->batch <= 0) return s->batch < 0 ? -1 : 0;
    write_list l;
    if (load(lib, s->batch, &l)) return -1;
    int db_failed = 0;
    for (size_t i = 0; i < l.n && !db_failed; i++) {
        library_xmp_write *w = &l.items[i];
        if (strcmp(w->event, "written")) continue;
        struct stat st;
        int64_t bytes = !w->embedded ? (int64_t)w->before_len : lstat(w->trash_path, &st) == 0 ? st.st_size : 0;
        if (!has_sha(w->path, w->after_sha256)) {
            const char *left = "changed or removed since cull export wrote it: left as it is";
            report(w->path, left);
            s->failed++;
            db_failed = !dry_run && library_log_xmp_write(lib, w, "kept", left);
            continue;
        }
        trash_slot slot = slot_of(w);
        if (w->embedded && (!trash_exists(slot.files) || !trash_owns(&slot, w->path))) {
            /* The Trash was emptied since (its name may even hold another file now): the image
               before is gone for good, cull's version stays. Logged as final, so the next undo
               goes on to older runs. */
            const char *gone = "the image before cull export is no longer in the Trash (emptied?): left as it is";
            report(w->path, gone);
            s->failed++;
            db_failed = !dry_run && library_log_xmp_write(lib, w, "kept", gone);
            continue;
        }
        if (dry_run) {
            if (each) each(ctx, w->path, bytes);
            s->files++, s->bytes += bytes;
            continue;
        }
        char err[FS_PATH_MAX + 600] = "";
        int undone;
        if (library_log_xmp_write(lib, w, "restoring", NULL)) {
            db_failed = 1;
            break;
        }
        if (w->embedded) {
            undone = restore_image(w, err, sizeof err) == 0;
            db_failed = undone && follow_content(lib, w->path, w->after_sha256, w->before_sha256);
        } else if (w->existed) {
            undone = replace_file(w->path, w->after_sha256, w->before, w->before_len, err, sizeof err) == 0;
        } else {
            int rc = remove_ours(w->path, w->after_sha256);   /* cull created it: it held only what cull wrote */
            undone = rc == 0;
            if (undone) sync_folder_of(w->path);
            else snprintf(err, sizeof err, "%s: %s%s", w->path,
                          rc == 2 ? "changed while undo ran, and another file took its name: yours is at it"
                          : rc == 1 ? "changed while undo ran: left as it is" : strerror(errno),
                          rc == 2 ? ".cull-old" : "");
        }
        if (undone) s->files++, s->bytes += bytes;
        else fprintf(stderr, "cull: %s\n", err), s->failed++;
        /* A failed restore is "written" again: the next undo tries this export again. */
        db_failed = db_failed || library_log_xmp_write(lib, w, undone ? "restored" : "written", undone ? NULL : err);
    }
    free_writes(&l);
    return db_failed ? -1 : 0;
}
