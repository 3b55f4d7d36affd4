#include "media/scan.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fsutil.h"

typedef struct {
    dev_t dev;
    ino_t ino;
} dir_id;

/* Folders entered so far: how a symlink loop (or two links to one folder) is walked once. */
typedef struct {
    dir_id *ids;
    size_t n, cap;
} visited_set;

static int visited_add(visited_set *v, const struct stat *st)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->ids[i].dev == st->st_dev && v->ids[i].ino == st->st_ino) return 0;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        dir_id *grown = realloc(v->ids, cap * sizeof *grown);
        if (!grown) return 0;
        v->ids = grown;
        v->cap = cap;
    }
    v->ids[v->n++] = (dir_id){st->st_dev, st->st_ino};
    return 1;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *dir, visited_set *v, const scan_callbacks *cb);

static void visit(const char *path, visited_set *v, const scan_callbacks *cb, int explicit)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int err = errno;
        struct stat lst;
        const char *why = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)
            ? (err == ELOOP ? "symlink loop" : "dangling symlink") : strerror(err);
        cb->problem(path, why, cb->ctx);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        if (visited_add(v, &st)) walk(path, v, cb);
    } else if (S_ISREG(st.st_mode)) {
        cb->file(path, &st, explicit, cb->ctx);
    } else if (explicit) {
        cb->problem(path, "not a regular file", cb->ctx);
    }
}

/* Entries are visited in name order so runs and progress are reproducible. */
static void walk(const char *dir, visited_set *v, const scan_callbacks *cb)
{
    DIR *d = opendir(dir);
    if (!d) {
        cb->problem(dir, strerror(errno), cb->ctx);
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *grown);
            if (!grown) break;
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name))) break;
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names); /* an empty folder: names is NULL */
    char path[FS_PATH_MAX];
    size_t dlen = strlen(dir);
    for (size_t i = 0; i < n; i++) {
        if (!(cb->stop && *cb->stop)) {
            if ((size_t)snprintf(path, sizeof path, "%s%s%s", dir, dlen && dir[dlen - 1] == '/' ? "" : "/",
                                 names[i]) >= sizeof path)
                cb->problem(dir, "path too long", cb->ctx);
            else
                visit(path, v, cb, 0);
        }
        free(names[i]);
    }
    free(names);
}

int scan_root(const char *root, const scan_callbacks *cb)
{
    char abs[FS_PATH_MAX];
    if (fs_absolute(root, abs, sizeof abs) != 0) {
        cb->problem(root, "path too long", cb->ctx);
        return -1;
    }
    struct stat st;
    if (stat(abs, &st) != 0) {
        cb->problem(abs, strerror(errno), cb->ctx);
        return -1;
    }
    visited_set v = {0};
    visit(abs, &v, cb, 1);
    free(v.ids);
    return 0;
}
