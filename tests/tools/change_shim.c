/*
 * change_shim.c — an LD_PRELOAD library that changes files under cull while it reads them, so the
 * "file changed while being read" path is tested deterministically instead of by racing a writer.
 *
 * A file whose path contains $CHANGE_SHIM_MARKER followed by an action word is changed at a
 * precise moment (the marker keeps every other file, and every other program, untouched):
 *
 *   MARKERvanish     unlinked just before open(): the walk saw it, the open finds nothing
 *   MARKERunlink     unlinked at the first read() of the open file (the read goes on)
 *   MARKERtruncate   truncated to half its size at the first read()
 *   MARKERappend     4 KiB appended at the first read() (the bytes cull asked for are all there)
 *   MARKERscribble   100 bytes overwritten in place at the first read(), size kept, mtime moved
 *                    5 s ahead (only the mtime comparison can see this one)
 *   MARKERrewrite    rewritten at the first read() with the bytes of $CHANGE_SHIM_WITH (another
 *                    image, of another size), as a program saving over the file would
 *   MARKERreplace    replaced at the first read() by a new file renamed over it (an editor's
 *                    atomic save): the open file is the old one, whole and unchanged
 *
 * Each file is changed once per process (the action is armed by open and spent by the first
 * read), so a second cull run without the shim sees the file stable.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { NONE, VANISH, UNLINK, TRUNCATE, APPEND, SCRIBBLE, REWRITE, REPLACE };
static const char *const WORDS[] = {"", "vanish", "unlink", "truncate", "append", "scribble", "rewrite", "replace"};

/* Paths of marked files by fd, armed by open, taken (atomically: cull reads from several
   threads) by the first read or by close. */
#define MAX_FD 4096
static _Atomic(char *) armed[MAX_FD];

static int action_of(const char *path)
{
    const char *marker = getenv("CHANGE_SHIM_MARKER");
    const char *at = marker && *marker && path ? strstr(path, marker) : NULL;
    if (!at) return NONE;
    at += strlen(marker);
    for (int a = VANISH; a <= REPLACE; a++)
        if (strncmp(at, WORDS[a], strlen(WORDS[a])) == 0) return a;
    return NONE;
}

static void *next(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        fprintf(stderr, "change_shim: no next %s\n", name);
        abort();
    }
    return f;
}

/* Writes through the real open (ours would arm the fd); pwrite and close need no care. */
static void overwrite(const char *path, const void *data, size_t len, off_t at, int flags)
{
    int fd = ((int (*)(const char *, int, ...))next("open"))(path, O_WRONLY | flags, 0644);
    if (fd < 0 || pwrite(fd, data, len, at) != (ssize_t)len) perror("change_shim: write");
    if (fd >= 0) close(fd);
}

static void change(const char *path, int action)
{
    struct stat st;
    if (stat(path, &st) != 0) return;
    if (action == UNLINK) {
        unlink(path);
    } else if (action == TRUNCATE) {
        if (truncate(path, st.st_size / 2) != 0) perror("change_shim: truncate");
    } else if (action == SCRIBBLE) {
        char junk[100];
        memset(junk, 0xA5, sizeof junk);
        overwrite(path, junk, sizeof junk, st.st_size / 2, 0);
        /* Forward by 5 s: a timestamp coarser than the write's nanoseconds still differs. */
        struct timespec t[2] = {st.st_atim, st.st_mtim};
        t[1].tv_sec += 5;
        if (utimensat(AT_FDCWD, path, t, 0) != 0) perror("change_shim: utimensat");
    } else if (action == APPEND) {
        static const char tail[4096];
        overwrite(path, tail, sizeof tail, st.st_size, 0);
    } else if (action == REWRITE || action == REPLACE) {
        const char *with = getenv("CHANGE_SHIM_WITH");
        FILE *f = with ? fopen(with, "rb") : NULL;
        static char buf[1 << 22];
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f) fclose(f);
        if (!n) {
            fprintf(stderr, "change_shim: CHANGE_SHIM_WITH unreadable\n");
        } else if (action == REWRITE) {
            overwrite(path, buf, n, 0, O_TRUNC);
        } else {
            char tmp[4096];
            snprintf(tmp, sizeof tmp, "%s.shim-tmp", path);
            overwrite(tmp, buf, n, 0, O_CREAT | O_TRUNC);
            if (rename(tmp, path) != 0) perror("change_shim: rename");
        }
    }
}

static int arm(const char *path, int fd)
{
    if (fd >= 0 && fd < MAX_FD) {
        char *p = action_of(path) > VANISH ? strdup(path) : NULL;
        free(atomic_exchange(&armed[fd], p));
    }
    return fd;
}

static void before_open(int dir, const char *path)
{
    if (action_of(path) == VANISH) unlinkat(dir, path, 0);
}

static int mode_of(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = mode_of(flags, ap);
    va_end(ap);
    before_open(AT_FDCWD, path);
    return arm(path, ((int (*)(const char *, int, ...))next("open"))(path, flags, mode));
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = mode_of(flags, ap);
    va_end(ap);
    before_open(AT_FDCWD, path);
    return arm(path, ((int (*)(const char *, int, ...))next("open64"))(path, flags, mode));
}

int openat(int dir, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = mode_of(flags, ap);
    va_end(ap);
    before_open(dir, path);
    return arm(path, ((int (*)(int, const char *, int, ...))next("openat"))(dir, path, flags, mode));
}

ssize_t read(int fd, void *buf, size_t len)
{
    if (fd >= 0 && fd < MAX_FD && atomic_load(&armed[fd])) {
        char *path = atomic_exchange(&armed[fd], NULL);
        if (path) {
            int action = action_of(path);
            change(path, action);
            free(path);
        }
    }
    return ((ssize_t (*)(int, void *, size_t))next("read"))(fd, buf, len);
}

int close(int fd)
{
    if (fd >= 0 && fd < MAX_FD) free(atomic_exchange(&armed[fd], NULL));
    return ((int (*)(int))next("close"))(fd);
}
