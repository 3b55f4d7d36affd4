/*
 * fsutil.h — small file-system helpers shared by the library, the scanner and the CLI.
 */
#ifndef CULL_UTIL_FSUTIL_H
#define CULL_UTIL_FSUTIL_H

#include <stddef.h>
#include <sys/stat.h>

#define FS_PATH_MAX 4096

/* mkdir -p of the folder that will hold path. 0, or -1 with errno. */
int fs_make_parent_dirs(const char *path);
int fs_make_dirs(const char *dir);

/* Absolute, lexically normalised form of path (no "." or ".." components, no double slashes),
   without resolving symlinks, so the path the user sees is the path cull prints. 0 or -1. */
int fs_absolute(const char *path, char *out, size_t cap);

/* Modification time in nanoseconds. */
long long fs_mtime_ns(const struct stat *st);

/* dir + "/" + name into out. 0, or -1 when it does not fit in cap. */
int fs_join(char *out, size_t cap, const char *dir, const char *name);

/* The part after the last '/'. */
const char *fs_basename(const char *path);

/* 1 when path equals dir or lies under it (both absolute, normalised). */
int fs_is_under(const char *path, const char *dir);
/* Whether path is at or under one of roots[0..n) (always, when n is 0: no roots means everywhere). */
int fs_is_under_any(const char *path, char *const *roots, int n);

/* Writes all n bytes to fd, going on after EINTR and short writes. 0, or -1 with errno. */
int fs_write_all(int fd, const void *buf, size_t n);
/* Creates or truncates path (mode 0644), writes the bytes and fsyncs them. 0, or -1 with errno. */
int fs_write_file(const char *path, const void *data, size_t len);
/* fsync of a file or folder by name (a folder: so the names in it survive a crash); errors ignored. */
void fs_sync(const char *path);
/* rename that never replaces an existing file: RENAME_NOREPLACE where the filesystem has it (not
   NFS, not every FUSE one), else link + unlink (link refuses an existing name), else a rename
   checked first. 0, or -1 with errno (EEXIST when to exists). */
int fs_rename_noreplace(const char *from, const char *to);
/* rm -rf of a tree cull made itself: symlinks are removed, never followed. */
void fs_remove_tree(const char *path);

#endif
