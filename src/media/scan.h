/*
 * scan.h — the recursive walk that finds candidate files.
 *
 * Roots may be files or folders. Folders are walked recursively; symlinks to folders are followed,
 * but every folder is entered at most once (by device and inode), so symlink loops end. Only
 * regular files are reported (never FIFOs or devices, which would block a reader). Paths are
 * absolute and normalised. Hidden entries are walked like any other.
 */
#ifndef CULL_MEDIA_SCAN_H
#define CULL_MEDIA_SCAN_H

#include <signal.h>
#include <sys/stat.h>

typedef struct {
    /* A regular file; explicit is 1 when the user named it as a root. */
    void (*file)(const char *path, const struct stat *st, int explicit, void *ctx);
    /* Something that could not be walked (unreadable folder, dangling link, loop). */
    void (*problem)(const char *path, const char *reason, void *ctx);
    void *ctx;
    volatile sig_atomic_t *stop;  /* walk ends early when *stop becomes non-zero (may be NULL) */
} scan_callbacks;

/* Walks one root. Returns 0, or -1 when the root itself cannot be used (reported via problem). */
int scan_root(const char *root, const scan_callbacks *cb);

#endif
