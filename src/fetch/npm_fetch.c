/*
 * npm_fetch.c — a model from an npm package (npm_fetch.h).
 */
#include "fetch/npm_fetch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/file_hash.h"
#include "util/fsutil.h"

#include "nsfwjs_to_tfjs.h" /* generated from scripts/nsfwjs-to-tfjs.js: nsfwjs_to_tfjs_js[] */

/* An executable called name on $PATH, into out. 0 or -1. */
static int find_program(const char *name, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        int n = snprintf(out, cap, "%.*s/%s", (int)len, len ? path : ".", name);
        struct stat st;
        if (n > 0 && (size_t)n < cap && stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
            return 0;
        if (!end) break;
        path = end + 1;
    }
    return -1;
}

/* Runs argv in folder cwd, its stdout to /dev/null (its stderr stays the user's). Returns the
   exit status, or -1 when it could not start or died of a signal. */
static int run_program(const char *cwd, char *const argv[])
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, STDOUT_FILENO);
        if (chdir(cwd) != 0) _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int npm_check(const npm_source *src, const char *folder, char *why, size_t cap)
{
    size_t n_pinned = 0;
    for (const pinned_file *p = src->files; p->name; p++, n_pinned++) {
        char path[FS_PATH_MAX], hex[65], err[FS_PATH_MAX + 64];
        long long size;
        if (fs_join(path, sizeof path, folder, p->name)) {
            snprintf(why, cap, "%s: path too long", folder);
            return -1;
        }
        if (file_sha256_hex(path, hex, &size, err, sizeof err)) {
            snprintf(why, cap, "%s", err);
            return -1;
        }
        if (size != p->size) {
            snprintf(why, cap, "%s holds %lld bytes, not %lld", p->name, size, p->size);
            return -1;
        }
        if (strcmp(hex, p->sha256) != 0) {
            snprintf(why, cap, "%s has sha256 %s, not %s", p->name, hex, p->sha256);
            return -1;
        }
    }
    DIR *d = opendir(folder);
    if (!d) {
        snprintf(why, cap, "%s: %s", folder, strerror(errno));
        return -1;
    }
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    if (n != n_pinned) {
        snprintf(why, cap, "the folder holds %zu entries, not %zu", n, n_pinned);
        return -1;
    }
    return 0;
}

/* The steps in scratch folder work; the converted files go to staged. */
static int pack_and_convert(const char *name, const npm_source *src, const char *work, const char *staged,
                            char *err, size_t errlen)
{
    char npm[FS_PATH_MAX], node[FS_PATH_MAX], tar[FS_PATH_MAX];
    if (find_program("npm", npm, sizeof npm)) {
        snprintf(err, errlen, "fetching %s needs npm, which is not on PATH (Debian/Ubuntu: apt install npm)", name);
        return -1;
    }
    if (find_program("node", node, sizeof node) && find_program("nodejs", node, sizeof node)) {
        snprintf(err, errlen, "fetching %s needs Node.js, which is not on PATH (Debian/Ubuntu: apt install nodejs)",
                 name);
        return -1;
    }
    if (find_program("tar", tar, sizeof tar)) {
        snprintf(err, errlen, "fetching %s needs tar, which is not on PATH", name);
        return -1;
    }
    char tarball[FS_PATH_MAX], script[FS_PATH_MAX], pkg[FS_PATH_MAX], member[256], have[128];
    snprintf(member, sizeof member, "package/dist/models/%s", src->model_dir);
    if (fs_join(tarball, sizeof tarball, work, src->tarball) ||
        fs_join(script, sizeof script, work, "nsfwjs-to-tfjs.js") || fs_join(pkg, sizeof pkg, work, "package")) {
        snprintf(err, errlen, "%s: path too long", work);
        return -1;
    }

    fprintf(stderr, "fetching %s from the npm registry (npm pack, about 25 MB)...\n", src->package);
    /* Retries shortened from npm's 10 s..60 s backoff, so an offline machine hears so in seconds. */
    char *npm_argv[] = {npm, "pack", (char *)src->package, "--ignore-scripts", "--loglevel=error",
                        "--fetch-retries=2", "--fetch-retry-mintimeout=2000", "--fetch-retry-maxtimeout=8000", NULL};
    int st = run_program(work, npm_argv);
    if (st != 0) {
        if (st < 0) snprintf(err, errlen, "`npm pack %s` could not run or was killed", src->package);
        else snprintf(err, errlen, "`npm pack %s` failed (exit %d): is the npm registry reachable? (npm's own message is above)",
                      src->package, st);
        return -1;
    }
    if (file_sha512_integrity(tarball, have, sizeof have, err, errlen)) return -1;
    if (strcmp(have, src->integrity) != 0) {
        snprintf(err, errlen, "%s does not match the pinned checksum: got %s, want %s", src->tarball, have,
                 src->integrity);
        return -1;
    }
    char *tar_argv[] = {tar, "-xzf", (char *)src->tarball, member, NULL};
    if (run_program(work, tar_argv) != 0) {
        snprintf(err, errlen, "cannot unpack %s (tar failed)", src->tarball);
        return -1;
    }
    if (fs_write_file(script, nsfwjs_to_tfjs_js, sizeof nsfwjs_to_tfjs_js) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", script, strerror(errno));
        return -1;
    }
    fprintf(stderr, "converting %s to the TensorFlow.js layout...\n", src->model_dir);
    char *node_argv[] = {node, script, pkg, (char *)staged, (char *)src->model_dir, NULL};
    st = run_program(work, node_argv);
    if (st != 0) {
        if (st < 0) snprintf(err, errlen, "converting the model failed: %s could not run or was killed", node);
        else snprintf(err, errlen, "converting the model failed (node exit %d)", st);
        return -1;
    }
    return 0;
}

int npm_fetch(const char *name, const npm_source *src, const char *staged, char *err, size_t errlen)
{
    /* The package and its unpacked files stay out of staged, which must end up holding the model
       files and nothing else; the scratch folder sits beside it, on the same file system. */
    char work[FS_PATH_MAX];
    if (snprintf(work, sizeof work, "%s.npm-XXXXXX", staged) >= (int)sizeof work || !mkdtemp(work)) {
        snprintf(err, errlen, "cannot create a scratch folder beside %s: %s", staged, strerror(errno));
        return -1;
    }
    int rc = pack_and_convert(name, src, work, staged, err, errlen);
    fs_remove_tree(work);
    return rc;
}
