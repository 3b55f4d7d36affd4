/*
 * cmd_rank.c — `cull rank`: images most likely to be deleted first.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/index_options.h"
#include "learn/features.h"
#include "pipeline/trainer.h"
#include "util/fsutil.h"

static int run_rank(int argc, char **argv, const cli_globals *g);

const cli_command cmd_rank = {
    "rank",
    "list images, most likely delete first",
    "usage: cull rank [OPTIONS] [PATH...]\n"
    "\n"
    "Scores images with the stored model (retraining first, and saying so, when labels changed since\n"
    "it was trained) and prints them most likely delete first. By default only unlabelled images;\n"
    "PATH limits the list to images at or under those paths, and what is new there is indexed\n"
    "first. Images the encoder has not embedded yet (after a switch of encoder, say) are embedded\n"
    "first too, labelled ones from disk or from the Trash where cull apply moved them.\n"
    "\n"
    "options:\n"
    "  --format tsv|json|paths   tsv (default): P_DELETE<TAB>ABSOLUTE_PATH per line, no header;\n"
    "                            json: one array of {\"p_delete\", \"path\", \"label\"};\n"
    "                            paths: paths only, for image viewers (nsxiv -i, feh -f)\n"
    "  --limit N                 print the first N only\n"
    "  --all                     include labelled images\n"
    "  -z, --null                records end in NUL, paths raw (tsv and paths formats)\n"
    "  --links DIR               also fill DIR (new or empty) with numbered symlinks in rank order,\n"
    "                            so any image viewer shows the likely deletes first\n"
    "  --encoder NAME            whose model to use (default: the library's, see cull status)\n"
    "  --no-index                index and embed nothing: fail, saying what is missing, instead\n"
    "\n"
    CLI_HELP_RECORDS
    "\n"
    CLI_HELP_EXIT
    "\n"
    "examples:\n"
    "  cull rank ~/Pictures/incoming | head\n"
    "  cull rank -z --format paths --limit 100 | xargs -0 ls -l\n"
    "  cull rank --format paths --limit 200 | nsxiv -i\n"
    "  cull rank --links /tmp/review && gthumb /tmp/review\n",
    run_rank,
    CLI_NEEDS_MEDIA,
};

typedef struct {
    double p;
    char *path;
    int label;
} ranked;

typedef struct {
    const cull_model *model;
    float *scratch;
    char **roots;
    int n_roots, all;
    ranked *items;
    size_t n, cap;
} rank_run;

static int wanted(const rank_run *r, const library_row *row)
{
    if (!row->path || (!r->all && row->label != LABEL_NONE)) return 0;
    if (r->n_roots == 0) return 1;
    for (int i = 0; i < r->n_roots; i++)
        if (fs_is_under(row->path, r->roots[i])) return 1;
    return 0;
}

static int add_row(const library_row *row, void *ctx)
{
    rank_run *r = ctx;
    if (!wanted(r, row) || row->dim != r->model->embed_dim) return 0;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        ranked *grown = realloc(r->items, r->cap * sizeof *grown);
        if (!grown) return 1;
        r->items = grown;
    }
    double p = cull_model_score(r->model, row->embedding, &row->meta, fs_basename(row->path), r->scratch);
    char *path = strdup(row->path);
    if (!path) return 1;
    r->items[r->n++] = (ranked){p, path, row->label};
    return 0;
}

static int by_p_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->p != y->p) return x->p < y->p ? 1 : -1;
    return strcmp(x->path, y->path);
}

static void print_json(const ranked *items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *label = items[i].label == LABEL_KEEP ? "keep" : items[i].label == LABEL_DELETE ? "delete" : NULL;
        json_array_append_new(a, json_pack("{s:f, s:o, s:s?}", "p_delete", items[i].p, "path",
                                           quote_json_path(items[i].path), "label", label));
    }
    json_dumpf(a, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    putchar('\n');
    json_decref(a);
}

/* DIR gets 000001-NAME → PATH links. It must be new or empty, so cull never mixes its links with
   the user's files or removes anything. */
static int make_links(const char *dir, const ranked *items, size_t n)
{
    if (fs_make_dirs(dir) != 0) {
        cli_error("%s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    char link[FS_PATH_MAX];
    for (size_t i = 0; i < n; i++) {
        snprintf(link, sizeof link, "%s/%06zu-%s", dir, i + 1, fs_basename(items[i].path));
        if (symlink(items[i].path, link) != 0) {
            cli_error("%s: cannot make link: %s%s", link, strerror(errno),
                      errno == EEXIST ? " (use a new or empty folder)" : "");
            return -1;
        }
    }
    fprintf(stderr, "%zu links in %s\n", n, dir);
    return 0;
}

static int folder_is_empty_or_missing(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
    closedir(d);
    return empty;
}

static int run_rank(int argc, char **argv, const cli_globals *g)
{
    static const struct option LONG[] = {
        {"encoder", required_argument, 0, 'e'}, {"format", required_argument, 0, 'f'},
        {"limit", required_argument, 0, 'n'},   {"all", no_argument, 0, 'a'},
        {"links", required_argument, 0, 'L'},   {"no-index", no_argument, 0, 'N'},
        {"null", no_argument, 0, 'z'},          {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *name = NULL, *format = "tsv", *links = NULL;
    int64_t limit = -1;
    int no_index = 0, nul = 0;
    rank_run r = {0};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "e:f:n:az", LONG, NULL)) != -1) {
        switch (c) {
        case 'e': name = optarg; break;
        case 'f': format = optarg; break;
        case 'n':
            if (cli_parse_int(optarg, 0, INT64_MAX, &limit)) return cli_usage_error(&cmd_rank, "--limit wants a number");
            break;
        case 'a': r.all = 1; break;
        case 'L': links = optarg; break;
        case 'N': no_index = 1; break;
        case 'z': nul = 1; break;
        case 'h': return cli_help(&cmd_rank);
        default: return cli_usage_error(&cmd_rank, "unknown option");
        }
    }
    if (strcmp(format, "tsv") && strcmp(format, "json") && strcmp(format, "paths"))
        return cli_usage_error(&cmd_rank, "--format is tsv, json or paths, not '%s'", format);
    if (nul && strcmp(format, "json") == 0) return cli_usage_error(&cmd_rank, "-z goes with the tsv and paths formats");
    if (links && !folder_is_empty_or_missing(links))
        return cli_usage_error(&cmd_rank, "--links folder %s is not empty", links);
    char id[96];
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    cull_model model;
    if ((!no_index && optind < argc && index_cli_new_under(lib, name, argv + optind, argc - optind)) ||
        cli_prepare_encoder(lib, name, 1, no_index, id, sizeof id) || cli_current_model(lib, id, 0, &model, NULL)) {
        library_close(lib);
        return EXIT_SOME_FAILED;
    }
    int rc;
    r.model = &model;
    r.n_roots = argc - optind;
    r.roots = calloc((size_t)r.n_roots + 1, sizeof *r.roots);
    r.scratch = malloc((size_t)features_dim(model.embed_dim) * sizeof *r.scratch);
    rc = EXIT_OK;
    for (int i = 0; i < r.n_roots && r.roots; i++) {
        char abs[FS_PATH_MAX];
        r.roots[i] = fs_absolute(argv[optind + i], abs, sizeof abs) == 0 ? strdup(abs) : NULL;
        if (!r.roots[i]) rc = cli_usage_error(&cmd_rank, "path too long");
    }
    if (rc == EXIT_OK && (!r.roots || !r.scratch || library_each_row(lib, id, 1, add_row, &r))) {
        cli_error("reading the library failed: %s", library_error(lib));
        rc = EXIT_SOME_FAILED;
    }
    library_close(lib);
    if (rc == EXIT_OK) {
        if (r.n) qsort(r.items, r.n, sizeof *r.items, by_p_desc); /* nothing to rank: items is NULL */
        size_t n = limit >= 0 && (size_t)limit < r.n ? (size_t)limit : r.n;
        if (strcmp(format, "json") == 0) {
            print_json(r.items, n);
        } else {
            for (size_t i = 0; i < n; i++) {
                if (format[0] == 't') printf("%.6f\t", r.items[i].p);
                cli_put_record_path(stdout, r.items[i].path, nul);
                cli_end_record(stdout, nul);
            }
        }
        if (links && make_links(links, r.items, n)) rc = EXIT_SOME_FAILED;
    }
    for (size_t i = 0; i < r.n; i++) free(r.items[i].path);
    for (int i = 0; i < r.n_roots && r.roots; i++) free(r.roots[i]);
    free(r.items);
    free(r.roots);
    free(r.scratch);
    cull_model_free(&model);
    return rc;
}
