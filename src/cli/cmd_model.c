/*
 * cmd_model.c — `cull model`: fetch, list and describe the model files encoders load.
 *
 * fetch mobilenet: `npm pack nsfwjs@4.4.0` in a temp folder under the models folder, check the
 * tarball against the sha512 the npm registry published for that version (pinned below), unpack
 * the one model folder, convert its JavaScript bundles to the standard TensorFlow.js layout with
 * scripts/nsfwjs-to-tfjs.js (built into this binary: an installed cull needs no checkout), check
 * every produced file against pinned sha256 sums, then rename the folder into place. Only that
 * one step needs Node, npm and the network; the encoder afterwards reads plain files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <jansson.h>

#include "cli/cli.h"
#include "fetch/hf_fetch.h"
#include "encoders/encoder.h"
#include "util/fsutil.h"

#include "nsfwjs_to_tfjs.h" /* generated from scripts/nsfwjs-to-tfjs.js: nsfwjs_to_tfjs_js[] */

static int run_model(int argc, char **argv, const cli_globals *g);

const cli_command cmd_model = {
    "model",
    "fetch, list and describe encoder model files",
    "usage: cull model fetch [--force] NAME\n"
    "       cull model use NAME|FOLDER\n"
    "       cull model list\n"
    "       cull model info NAME|FOLDER\n"
    "\n"
    "Model files live in the models folder: $CULL_MODELS, else $XDG_DATA_HOME/cull/models, else\n"
    "~/.local/share/cull/models; one sub-folder per model.\n"
    "\n"
    "  fetch NAME    download and install a model. Known: mobilenet (MobileNetV2-1.4 ImageNet\n"
    "                features + a 5-class head, from the npm package nsfwjs@4.4.0; 4.3 MB).\n"
    "                Needs node, npm and the npm registry once: runs `npm pack`, checks the\n"
    "                package's sha512, converts it to the TensorFlow.js layout (model.json +\n"
    "                .bin shards), checks each file's sha256 and installs the folder atomically.\n"
    "                Does nothing when the model is installed and intact; --force fetches anew.\n"
    "                Also: clip-vit-b32, clip-vit-b16, laion-vit-b32 (CLIP vision towers from the\n"
    "                Hugging Face hub, about 350 MB each: downloaded with resume and retries,\n"
    "                size and sha256 verified, only the vision tensors of joint checkpoints).\n"
    "  use NAME      make NAME the encoder this library's commands use when none is named, and\n"
    "                embed every labelled image it lacks: from disk, and from the Trash for files\n"
    "                cull apply moved (read in place), so deleted images keep teaching. Resumable:\n"
    "                run it again after an interruption. Installing a model never changes what an\n"
    "                existing library uses; this does.\n"
    "  list          installed models: name, size, sha256 of model.json, and whether the files\n"
    "                match the pinned checksums; then the library's encoder and what each covers\n"
    "  info NAME     files, sizes and sha256 sums, input and output shapes, ops and weights of\n"
    "                an installed model, or of a TensorFlow.js graph-model FOLDER\n"
    "\n"
    "exit status: 0 done, 1 failed (fetch: no npm or network, a checksum mismatch; info: a\n"
    "damaged model), 2 usage error\n"
    "\n"
    "examples:\n"
    "  cull model fetch mobilenet\n"
    "  cull model info mobilenet\n",
    run_model,
};

/* ---- what `fetch` knows how to get ---- */

typedef struct {
    const char *name;
    long long size;
    const char *sha256;
} pinned_file;

typedef struct {
    const char *name;        /* folder under the models folder, and what the user types */
    const char *package;     /* npm spec */
    const char *tarball;     /* the file `npm pack` writes */
    const char *integrity;   /* dist.integrity from `npm view nsfwjs@4.4.0 dist.integrity` */
    const char *model_dir;   /* under dist/models/ in the package */
    const char *about;
    pinned_file files[4];    /* what the converter must produce, byte for byte */
} fetchable;

static const fetchable FETCHABLE[] = {
    {
        "mobilenet",
        "nsfwjs@4.4.0",
        "nsfwjs-4.4.0.tgz",
        "sha512-krC1fgeTLXtZwgdpKJ0jm7hqv0gTSRQQRL+FhOaxaJ9Wj92t42BO3csO2odwgTAgZgf2RvkwPtp0R8Aa7dc+MA==",
        "mobilenet_v2_mid",
        "nsfwjs@4.4.0 mobilenet_v2_mid: MobileNetV2-1.4 ImageNet features (1792) + 5-class head",
        {
            {"model.json", 135282, "c798c274c18d97c3de7af554009e53761a0600214cf54c5fb4b92f6324a117b8"},
            {"group1-shard1of2.bin", 4194304, "70e4519134a0a12417ad80b6c299d8a2b90e52ce389d03d9d56b08df6b7f5b09"},
            {"group1-shard2of2.bin", 106471, "70f6216b39b52b6f1e31e13683c71987a587dc1a85644adffa17cb48c2e9bee7"},
            {NULL, 0, NULL},
        },
    },
};
#define N_FETCHABLE (sizeof FETCHABLE / sizeof *FETCHABLE)

static const fetchable *find_fetchable(const char *name)
{
    for (size_t i = 0; i < N_FETCHABLE; i++)
        if (strcmp(FETCHABLE[i].name, name) == 0) return &FETCHABLE[i];
    return NULL;
}

/* ---- small helpers ---- */

static int path_join(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s/%s", a, b);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* The sha256 (hex) of a file's bytes, and its size. 0, or -1 with errno. */
static int file_digest(const char *path, GChecksumType type, char *hex, size_t cap, long long *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    GChecksum *c = g_checksum_new(type);
    unsigned char buf[1 << 16];
    long long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        g_checksum_update(c, buf, n);
        total += n;
    }
    int saved = errno;
    close(fd);
    if (n < 0) {
        g_checksum_free(c);
        errno = saved;
        return -1;
    }
    snprintf(hex, cap, "%s", g_checksum_get_string(c));
    g_checksum_free(c);
    if (size) *size = total;
    return 0;
}

/* "sha512-BASE64" of a file, as npm writes integrity. */
static int file_integrity(const char *path, char *out, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA512);
    unsigned char buf[1 << 16];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) g_checksum_update(c, buf, n);
    int saved = errno;
    close(fd);
    if (n < 0) {
        g_checksum_free(c);
        errno = saved;
        return -1;
    }
    guint8 digest[64];
    gsize len = sizeof digest;
    g_checksum_get_digest(c, digest, &len);
    g_checksum_free(c);
    gchar *b64 = g_base64_encode(digest, len);
    snprintf(out, cap, "sha512-%s", b64);
    g_free(b64);
    return 0;
}

static void human_size(long long bytes, char *out, size_t cap)
{
    if (bytes < 1024) snprintf(out, cap, "%lld B", bytes);
    else if (bytes < 1024 * 1024) snprintf(out, cap, "%.1f KiB", bytes / 1024.0);
    else if (bytes < 1024LL * 1024 * 1024) snprintf(out, cap, "%.1f MiB", bytes / (1024.0 * 1024));
    else snprintf(out, cap, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
}

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

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

/* rm -rf of a folder cull made itself. */
static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int write_file(const char *path, const unsigned char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        done += (size_t)n;
    }
    return close(fd);
}

static void sync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Checks folder against the pinned files: exactly those files, sizes and sha256 sums. 0 when it
   matches; -1 with the first difference in why. */
static int verify_files(const char *folder, const fetchable *f, char *why, size_t cap)
{
    size_t n_pinned = 0;
    for (const pinned_file *p = f->files; p->name; p++, n_pinned++) {
        char path[FS_PATH_MAX], hex[65];
        long long size;
        if (path_join(path, sizeof path, folder, p->name) || file_digest(path, G_CHECKSUM_SHA256, hex, sizeof hex, &size)) {
            snprintf(why, cap, "%s: %s", p->name, strerror(errno));
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

/* ---- fetch ---- */

/* Moves staged into place at dest, replacing what was there. 0, or -1 with a message printed. */
static int install_folder(const char *staged, const char *dest, const char *dir)
{
    char old[FS_PATH_MAX];
    int have_old = 0;
    if (rename(staged, dest) != 0) {
        if (errno != EEXIST && errno != ENOTEMPTY) {
            cli_error("cannot move %s to %s: %s", staged, dest, strerror(errno));
            return -1;
        }
        snprintf(old, sizeof old, "%s/.old-%ld-%ld", dir, (long)getpid(), (long)time(NULL));
        if (rename(dest, old) != 0) {
            cli_error("cannot move the old %s aside: %s", dest, strerror(errno));
            return -1;
        }
        have_old = 1;
        if (rename(staged, dest) != 0) {
            cli_error("cannot move %s to %s: %s", staged, dest, strerror(errno));
            if (rename(old, dest) != 0) cli_error("the old model is left in %s", old);
            return -1;
        }
    }
    sync_path(dir);
    if (have_old) remove_tree(old);
    return 0;
}

static int fetch(const fetchable *f, int force)
{
    char dirbuf[FS_PATH_MAX], dest[FS_PATH_MAX], why[512];
    const char *dir = encoder_models_dir(dirbuf, sizeof dirbuf);
    if (path_join(dest, sizeof dest, dir, f->name)) {
        cli_error("models folder path too long");
        return EXIT_SOME_FAILED;
    }
    struct stat st;
    if (!force && stat(dest, &st) == 0) {
        if (verify_files(dest, f, why, sizeof why) == 0) {
            fprintf(stderr, "%s is installed and intact in %s\n", f->name, dest);
            return EXIT_OK;
        }
        fprintf(stderr, "cull: %s in %s is damaged (%s): fetching it again\n", f->name, dest, why);
    }

    char npm[FS_PATH_MAX], node[FS_PATH_MAX], tar[FS_PATH_MAX];
    if (find_program("npm", npm, sizeof npm)) {
        cli_error("fetching %s needs npm, which is not on PATH (Debian/Ubuntu: apt install npm)", f->name);
        return EXIT_SOME_FAILED;
    }
    if (find_program("node", node, sizeof node) && find_program("nodejs", node, sizeof node)) {
        cli_error("fetching %s needs Node.js, which is not on PATH (Debian/Ubuntu: apt install nodejs)", f->name);
        return EXIT_SOME_FAILED;
    }
    if (find_program("tar", tar, sizeof tar)) {
        cli_error("fetching %s needs tar, which is not on PATH", f->name);
        return EXIT_SOME_FAILED;
    }
    if (fs_make_dirs(dir) != 0) {
        cli_error("cannot create the models folder %s: %s", dir, strerror(errno));
        return EXIT_SOME_FAILED;
    }
    /* Everything happens in one temp folder beside the destination, so the final step is a
       rename on one file system, and a failure leaves nothing half-installed. */
    char work[FS_PATH_MAX];
    if (snprintf(work, sizeof work, "%s/.tmp-XXXXXX", dir) >= (int)sizeof work || !mkdtemp(work)) {
        cli_error("cannot create a temp folder in %s: %s", dir, strerror(errno));
        return EXIT_SOME_FAILED;
    }
    int rc = EXIT_SOME_FAILED;
    char path[FS_PATH_MAX], out[FS_PATH_MAX], script[FS_PATH_MAX], pkg[FS_PATH_MAX], member[256], have[128];
    snprintf(member, sizeof member, "package/dist/models/%s", f->model_dir);
    if (path_join(path, sizeof path, work, f->tarball) || path_join(out, sizeof out, work, "out") ||
        path_join(script, sizeof script, work, "nsfwjs-to-tfjs.js") || path_join(pkg, sizeof pkg, work, "package")) {
        cli_error("models folder path too long");
        goto done;
    }

    fprintf(stderr, "fetching %s from the npm registry (npm pack, about 25 MB)...\n", f->package);
    /* Retries shortened from npm's 10 s..60 s backoff, so an offline machine hears so in seconds. */
    char *npm_argv[] = {npm, "pack", (char *)f->package, "--ignore-scripts", "--loglevel=error",
                        "--fetch-retries=2", "--fetch-retry-mintimeout=2000", "--fetch-retry-maxtimeout=8000", NULL};
    int st_npm = run_program(work, npm_argv);
    if (st_npm != 0) {
        if (st_npm < 0) cli_error("`npm pack %s` could not run or was killed", f->package);
        else cli_error("`npm pack %s` failed (exit %d): is the npm registry reachable? (npm's own message is above)",
                       f->package, st_npm);
        goto done;
    }
    if (file_integrity(path, have, sizeof have) != 0) {
        cli_error("npm pack did not write %s: %s", f->tarball, strerror(errno));
        goto done;
    }
    if (strcmp(have, f->integrity) != 0) {
        cli_error("%s does not match the pinned checksum: got %s, want %s", f->tarball, have, f->integrity);
        goto done;
    }
    char *tar_argv[] = {tar, "-xzf", (char *)f->tarball, member, NULL};
    if (run_program(work, tar_argv) != 0) {
        cli_error("cannot unpack %s (tar failed)", f->tarball);
        goto done;
    }
    if (write_file(script, nsfwjs_to_tfjs_js, sizeof nsfwjs_to_tfjs_js) != 0) {
        cli_error("cannot write %s: %s", script, strerror(errno));
        goto done;
    }
    fprintf(stderr, "converting %s to the TensorFlow.js layout...\n", f->model_dir);
    char *node_argv[] = {node, script, pkg, out, (char *)f->model_dir, NULL};
    int st_node = run_program(work, node_argv);
    if (st_node != 0) {
        if (st_node < 0) cli_error("converting the model failed: %s could not run or was killed", node);
        else cli_error("converting the model failed (node exit %d)", st_node);
        goto done;
    }
    if (verify_files(out, f, why, sizeof why) != 0) {
        cli_error("the converted model does not match the pinned checksums: %s", why);
        goto done;
    }
    for (const pinned_file *p = f->files; p->name; p++)
        if (path_join(path, sizeof path, out, p->name) == 0) sync_path(path);
    sync_path(out);
    if (install_folder(out, dest, dir) != 0) goto done;
    fprintf(stderr, "installed %s in %s\n", f->name, dest);
    rc = EXIT_OK;
done:
    remove_tree(work);
    return rc;
}

/* ---- list and info ---- */

typedef struct {
    long long bytes;
    int n_files;
} folder_total;

static void total_of(const char *folder, folder_total *t)
{
    *t = (folder_total){0};
    DIR *d = opendir(folder);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[FS_PATH_MAX];
        struct stat st;
        if (path_join(path, sizeof path, folder, e->d_name) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            t->bytes += st.st_size;
            t->n_files++;
        }
    }
    closedir(d);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sub-folder names of dir (not starting with '.'), sorted; NULL when dir cannot be read. */
static char **folder_names(const char *dir, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return NULL;
    size_t cap = 8;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while (names && (e = readdir(d))) {
        char path[FS_PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.' || path_join(path, sizeof path, dir, e->d_name) || stat(path, &st) || !S_ISDIR(st.st_mode))
            continue;
        if (*n == cap) {
            char **grown = realloc(names, (cap *= 2) * sizeof *names);
            if (!grown) break;
            names = grown;
        }
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (names) qsort(names, *n, sizeof *names, by_name);
    return names;
}

static int list_models(const cli_globals *g)
{
    char dirbuf[FS_PATH_MAX];
    const char *dir = encoder_models_dir(dirbuf, sizeof dirbuf);
    size_t n;
    char **names = folder_names(dir, &n);
    int shown = 0;
    for (size_t i = 0; i < n; i++) {
        char folder[FS_PATH_MAX], mj[FS_PATH_MAX], hex[65] = "-", size[32], why[512];
        if (!names[i] || path_join(folder, sizeof folder, dir, names[i]) || path_join(mj, sizeof mj, folder, "model.json"))
            continue;
        struct stat st;
        if (stat(mj, &st) != 0) {
            if (!vit_folder_looks_like(folder)) continue; /* not a model folder */
            /* A CLIP-family ViT (config.json + model.safetensors). */
            folder_total t;
            total_of(folder, &t);
            human_size(t.bytes, size, sizeof size);
            int ok = !hf_known_model(names[i]) || hf_model_check(names[i], why, sizeof why) == 0;
            printf("%-12s %10s  %-64s  %s\n", names[i], size, "(safetensors)",
                   ok ? (hf_known_model(names[i]) ? "verified" : "") : "DAMAGED (cull model fetch NAME gets it again)");
            shown++;
            continue;
        }
        if (file_digest(mj, G_CHECKSUM_SHA256, hex, sizeof hex, NULL) != 0) snprintf(hex, sizeof hex, "unreadable");
        folder_total t;
        total_of(folder, &t);
        human_size(t.bytes, size, sizeof size);
        const fetchable *f = find_fetchable(names[i]);
        const char *state = "";
        if (f) state = verify_files(folder, f, why, sizeof why) == 0 ? "verified" : "DAMAGED (cull model fetch NAME gets it again)";
        printf("%-12s %10s  %s  %s\n", names[i], size, hex, state);
        shown++;
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    if (!shown) fprintf(stderr, "no models installed in %s (try: cull model fetch mobilenet)\n", dir);
    /* The library's side, when there is one (listing models never creates a library). */
    if (access(g->db_path, F_OK) != 0) return EXIT_OK;
    library *lib = cli_open_library(g);
    int rc = lib && cli_print_encoders(lib, stdout) == 0 ? EXIT_OK : EXIT_SOME_FAILED;
    library_close(lib);
    return rc;
}

static void shape_text(json_t *dims, char *out, size_t cap)
{
    size_t used = 0, i;
    json_t *d;
    used += (size_t)snprintf(out, cap, "[");
    json_array_foreach(dims, i, d) {
        json_t *s = json_is_object(d) ? json_object_get(d, "size") : d;
        const char *txt = json_is_string(s) ? json_string_value(s) : NULL;
        char num[32];
        if (!txt) {
            snprintf(num, sizeof num, "%lld", json_is_integer(s) ? (long long)json_integer_value(s) : -1LL);
            txt = num;
        }
        if (used < cap) used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "," : "", txt);
    }
    if (used < cap) snprintf(out + used, cap - used, "]");
}

typedef struct {
    const char *op;
    int n;
} op_count;

static int by_count_desc(const void *a, const void *b)
{
    const op_count *x = a, *y = b;
    return x->n != y->n ? y->n - x->n : strcmp(x->op, y->op);
}

/* Bytes one element takes in the shards. 0: unknown dtype. */
static int stored_bytes(json_t *w)
{
    json_t *q = json_object_get(w, "quantization");
    const char *dt = json_string_value(json_object_get(q && json_object_get(q, "dtype") ? q : w, "dtype"));
    if (!dt) return 0;
    if (!strcmp(dt, "uint8") || !strcmp(dt, "int8") || !strcmp(dt, "bool")) return 1;
    if (!strcmp(dt, "uint16") || !strcmp(dt, "int16") || !strcmp(dt, "float16")) return 2;
    if (!strcmp(dt, "float32") || !strcmp(dt, "int32")) return 4;
    return 0;
}

static int info_model(const char *arg)
{
    char dirbuf[FS_PATH_MAX], folder[FS_PATH_MAX], mj[FS_PATH_MAX], why[512];
    const char *name = arg;
    if (strchr(arg, '/') || strcmp(arg, ".") == 0 || strcmp(arg, "..") == 0) {
        snprintf(folder, sizeof folder, "%s", arg);
        name = fs_basename(arg);
    } else if (path_join(folder, sizeof folder, encoder_models_dir(dirbuf, sizeof dirbuf), arg)) {
        cli_error("path too long");
        return EXIT_SOME_FAILED;
    }
    struct stat st;
    if (stat(folder, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_error("%s: no model folder %s%s", arg, folder,
                  find_fetchable(arg) ? " (cull model fetch to install it)" : "");
        return EXIT_SOME_FAILED;
    }
    if (path_join(mj, sizeof mj, folder, "model.json") || stat(mj, &st) != 0) {
        cli_error("%s: no model.json in %s", arg, folder);
        return EXIT_SOME_FAILED;
    }
    if (st.st_size > (256 << 20)) {
        cli_error("%s: model.json is %lld bytes, too big to be a model description", mj, (long long)st.st_size);
        return EXIT_SOME_FAILED;
    }
    json_error_t jerr;
    json_t *root = json_load_file(mj, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        cli_error("%s: not valid JSON (line %d: %s)", mj, jerr.line, jerr.text);
        return EXIT_SOME_FAILED;
    }
    int rc = EXIT_OK;
    const fetchable *f = find_fetchable(name);
    printf("model    %s\n", name);
    printf("folder   %s\n", folder);
    if (f && strcmp(folder, arg) != 0) {
        int ok = verify_files(folder, f, why, sizeof why) == 0;
        printf("source   %s\n", f->about);
        printf("state    %s%s\n", ok ? "verified: every file matches its pinned sha256" : "DAMAGED: ", ok ? "" : why);
        if (!ok) rc = EXIT_SOME_FAILED;
    }
    const char *format = json_string_value(json_object_get(root, "format"));
    const char *conv = json_string_value(json_object_get(root, "convertedBy"));
    printf("format   %s%s%s%s\n", format ? format : "(none given)", conv ? " (" : "", conv ? conv : "", conv ? ")" : "");

    /* Files: model.json plus each shard the manifest names, in manifest order. */
    printf("files\n");
    long long mj_size;
    char hex[65];
    if (file_digest(mj, G_CHECKSUM_SHA256, hex, sizeof hex, &mj_size) == 0)
        printf("  %-28s %10lld  %s\n", "model.json", mj_size, hex);
    json_t *manifest = json_object_get(root, "weightsManifest");
    long long shard_bytes = 0, want_bytes = 0, n_params = 0;
    size_t n_weights = 0, n_quant = 0, gi, i;
    json_t *group, *p, *w;
    json_array_foreach(manifest, gi, group) {
        json_array_foreach(json_object_get(group, "paths"), i, p) {
            const char *pn = json_string_value(p);
            char sp[FS_PATH_MAX];
            long long size;
            if (!pn || strchr(pn, '/') || path_join(sp, sizeof sp, folder, pn)) {
                printf("  %-28s a bad shard name\n", pn ? pn : "?");
                rc = EXIT_SOME_FAILED;
            } else if (file_digest(sp, G_CHECKSUM_SHA256, hex, sizeof hex, &size) != 0) {
                printf("  %-28s MISSING: %s\n", pn, strerror(errno));
                rc = EXIT_SOME_FAILED;
            } else {
                printf("  %-28s %10lld  %s\n", pn, size, hex);
                shard_bytes += size;
            }
        }
        json_array_foreach(json_object_get(group, "weights"), i, w) {
            long long count = 1;
            size_t k;
            json_t *d;
            json_array_foreach(json_object_get(w, "shape"), k, d) {
                long long v = json_is_integer(d) ? json_integer_value(d) : -1;
                count = v >= 0 && count <= (1LL << 40) / (v ? v : 1) ? count * v : -1;
                if (count < 0) break;
            }
            int b = stored_bytes(w);
            if (count < 0 || !b) {
                printf("  weight %s has a bad shape or dtype\n", json_string_value(json_object_get(w, "name")));
                rc = EXIT_SOME_FAILED;
                continue;
            }
            n_weights++;
            n_params += count;
            want_bytes += count * b;
            if (json_object_get(w, "quantization")) n_quant++;
        }
    }
    printf("weights  %zu tensors, %lld values (%.2f M), %zu quantized; manifest: %lld bytes, shards: %lld bytes%s\n",
           n_weights, n_params, n_params / 1e6, n_quant, want_bytes, shard_bytes,
           want_bytes == shard_bytes ? "" : "  MISMATCH");
    if (want_bytes != shard_bytes) rc = EXIT_SOME_FAILED;

    /* Graph: inputs (Placeholders), outputs (the signature's, else nodes nobody reads), ops. */
    json_t *nodes = json_object_get(json_object_get(root, "modelTopology"), "node");
    size_t n_nodes = json_array_size(nodes);
    op_count *ops = calloc(n_nodes + 1, sizeof *ops);
    size_t n_ops = 0;
    json_t *node;
    json_array_foreach(nodes, i, node) {
        const char *op = json_string_value(json_object_get(node, "op"));
        const char *nn = json_string_value(json_object_get(node, "name"));
        if (!op) continue;
        if (!strcmp(op, "Placeholder")) {
            json_t *attr = json_object_get(node, "attr");
            char shape[128];
            shape_text(json_object_get(json_object_get(json_object_get(attr, "shape"), "shape"), "dim"), shape, sizeof shape);
            const char *dt = json_string_value(json_object_get(json_object_get(attr, "dtype"), "type"));
            printf("input    %s %s %s\n", nn ? nn : "?", dt ? dt : "?", shape);
        }
        static const char FEATURES[] = "feature_vector/SpatialSqueeze";
        if (nn && strlen(nn) >= sizeof FEATURES - 1 && !strcmp(nn + strlen(nn) - (sizeof FEATURES - 1), FEATURES))
            printf("features %s\n", nn);
        size_t k;
        for (k = 0; k < n_ops && strcmp(ops[k].op, op); k++) {}
        if (k == n_ops && ops) ops[n_ops++] = (op_count){op, 0};
        if (ops) ops[k].n++;
    }
    const char *key;
    json_t *sig_out;
    json_object_foreach(json_object_get(json_object_get(json_object_get(root, "userDefinedMetadata"), "signature"), "outputs"),
                        key, sig_out) {
        char shape[128];
        shape_text(json_object_get(json_object_get(sig_out, "tensorShape"), "dim"), shape, sizeof shape);
        printf("output   %s %s\n", key, shape);
    }
    if (ops) {
        qsort(ops, n_ops, sizeof *ops, by_count_desc);
        printf("nodes    %zu\n", n_nodes);
        printf("ops     ");
        for (size_t k = 0; k < n_ops; k++) printf(" %s %d%s", ops[k].op, ops[k].n, k + 1 < n_ops ? "," : "\n");
        if (!n_ops) printf(" none\n");
    }
    if (!n_nodes) {
        printf("graph    MISSING: no modelTopology.node\n");
        rc = EXIT_SOME_FAILED;
    }
    free(ops);
    json_decref(root);
    return rc;
}

/* ---- dispatch ---- */

static int run_model(int argc, char **argv, const cli_globals *g)
{
    static const struct option LONG[] = {{"force", no_argument, 0, 'f'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int force = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", LONG, NULL)) != -1) {
        switch (c) {
        case 'f': force = 1; break;
        case 'h': return cli_help(&cmd_model);
        default: return cli_usage_error(&cmd_model, "unknown option");
        }
    }
    if (optind >= argc) return cli_usage_error(&cmd_model, "say fetch, use, list or info");
    const char *sub = argv[optind++];
    /* Options may also follow the subcommand: cull model fetch --force mobilenet. */
    int first = optind;
    char *args[8];
    int n_args = 0;
    for (int i = first; i < argc; i++) {
        if (!strcmp(argv[i], "--force")) force = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return cli_help(&cmd_model);
        else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error(&cmd_model, "unknown option '%s'", argv[i]);
        else if (n_args < 8) args[n_args++] = argv[i];
        else return cli_usage_error(&cmd_model, "too many arguments");
    }
    if (!strcmp(sub, "list")) {
        if (n_args || force) return cli_usage_error(&cmd_model, "list takes no arguments");
        return list_models(g);
    }
    if (!strcmp(sub, "use")) {
        if (n_args != 1 || force) return cli_usage_error(&cmd_model, "use takes one model name or folder");
        return cli_model_use(g, args[0]);
    }
    if (!strcmp(sub, "info")) {
        if (n_args != 1 || force) return cli_usage_error(&cmd_model, "info takes one model name or folder");
        return info_model(args[0]);
    }
    if (!strcmp(sub, "fetch")) {
        if (n_args != 1) return cli_usage_error(&cmd_model, "fetch takes one model name");
        if (hf_known_model(args[0])) {
            char err[1024];
            if (hf_fetch_model_ex(args[0], force, err, sizeof err) == 0) return EXIT_OK;
            cli_error("%s", err);
            return EXIT_SOME_FAILED;
        }
        const fetchable *f = find_fetchable(args[0]);
        if (!f) {
            char known[256] = "";
            for (size_t i = 0; i < N_FETCHABLE; i++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "", FETCHABLE[i].name);
            return cli_usage_error(&cmd_model, "unknown model '%s' (known: %s, %s)", args[0], known, hf_model_names());
        }
        return fetch(f, force);
    }
    return cli_usage_error(&cmd_model, "unknown subcommand '%s' (fetch, use, list or info)", sub);
}
