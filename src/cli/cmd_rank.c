/*
 * cmd_rank.c — `cull rank`: images most likely to be deleted first.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/index_options.h"
#include "cli/options.h"
#include "cli/scored_images.h"
#include "learn/features.h"
#include "pipeline/explainer.h"
#include "pipeline/trainer.h"
#include "util/fsutil.h"

static int run_rank(int argc, char **argv, const cli_globals *g);

const cli_command cmd_rank = {
    "rank",
    "list images, most likely delete first",
    "usage: cull rank [OPTIONS] [PATH...]\n"
    "\n"
    "Scores images with the stored model (retraining first, and saying so, when labels or prompts\n"
    "changed since it was trained) and prints them most likely delete first. While there are too\n"
    "few labels to train, the prompts stand in (cull prompt: zero-shot through a CLIP encoder's text\n"
    "tower), and rank says so. By default only unlabelled images;\n"
    "PATH limits the list to images at or under those paths, and what is new there is indexed\n"
    "first. Images the encoder has not embedded yet (after a switch of encoder, say) are embedded\n"
    "first too, labelled ones from disk or from the Trash where cull apply moved them.\n"
    "\n"
    "Last, on stderr, what cross-validation predicts reviewing the list finds: \"of these 1,000,\n"
    "reviewing the first 120 should find about half the deletes, the first 310 about 80%, ...\" (or,\n"
    "with --limit or --until, what the first N should find). The prediction reads the out-of-fold\n"
    "scores of your labelled deletes: reading down to a score finds the share of them scoring\n"
    "that high or higher.\n"
    "\n"
    "options:\n"
    "  --format tsv|json|paths   tsv (default): P_DELETE<TAB>ABSOLUTE_PATH per line, no header;\n"
    "                            json: one array of {\"p_delete\", \"path\", \"label\"};\n"
    "                            paths: paths only, for image viewers (nsxiv -i, feh -f)\n"
    "  --limit N                 print the first N only\n"
    "  --until SHARE             print the first images only, as many as cross-validation predicts\n"
    "                            hold SHARE (0-1, e.g. 0.9) of the list's deletes\n"
    "  --explain                 json: each image also gets \"neighbours\", the labelled images it\n"
    "                            looks most like [{\"image_id\", \"label\", \"similarity\", \"path\"}]\n"
    "                            (see cull explain)\n"
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

static int by_p_desc(const void *a, const void *b)
{
    const scored_image *x = a, *y = b;
    if (x->p != y->p) return x->p < y->p ? 1 : -1;
    return strcmp(x->path, y->path);
}

/* With ex, each item also gets the labelled images it looks most like: the embeddings of the n
   printed images are read again (only they: a ranking may hold hundreds of thousands), then one
   batched search. */
static int print_json(const scored_image *items, size_t n, const explainer *ex, library *lib)
{
    neighbour *nb = NULL;
    if (ex) {
        float *Q = malloc(sizeof(float) * n * ex->dim + 1);
        int64_t *ids = malloc(sizeof(int64_t) * n + 1);
        nb = malloc(sizeof *nb * n * EXPLAIN_NEIGHBOURS + 1);
        int failed = !Q || !ids || !nb;
        for (size_t i = 0; !failed && i < n; i++) {
            int label;
            image_meta meta;
            float *e;
            failed = explainer_read_image(lib, ex->model->encoder_id, items[i].image_id, &label, &meta, &e) != 1;
            if (!failed) memcpy(Q + i * ex->dim, e, sizeof(float) * ex->dim);
            free(e);
            ids[i] = items[i].image_id;
        }
        failed = failed || explainer_neighbours(ex, Q, ids, (int)n, EXPLAIN_NEIGHBOURS, nb);
        free(Q), free(ids);
        if (failed) {
            free(nb);
            return -1;
        }
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *label = items[i].label == LABEL_KEEP ? "keep" : items[i].label == LABEL_DELETE ? "delete" : NULL;
        json_t *o = json_pack("{s:f, s:o, s:s?}", "p_delete", items[i].p, "path", quote_json_path(items[i].path),
                              "label", label);
        if (nb) json_object_set_new(o, "neighbours", explainer_neighbours_json(ex, nb + i * EXPLAIN_NEIGHBOURS,
                                                                              EXPLAIN_NEIGHBOURS));
        json_array_append_new(a, o);
    }
    json_dumpf(a, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    putchar('\n');
    json_decref(a);
    free(nb);
    return 0;
}

/* DIR gets 000001-NAME → PATH links. It must be new or empty, so cull never mixes its links with
   the user's files or removes anything. */
static int make_links(const char *dir, const scored_image *items, size_t n)
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
    const char *name = NULL, *format = "tsv", *links = NULL;
    int64_t limit = -1;
    int no_index = 0, nul = 0, all = 0, explain = 0, optind;
    double until = 0;
    const cli_option options[] = {
        OPTION_STRING("encoder", 'e', &name),
        OPTION_CHOICE("format", 'f', &format, "tsv|json|paths"),
        OPTION_INT("limit", 'n', &limit, 0, INT64_MAX, NULL),
        OPTION_REAL("until", 0, &until, 0, 1, 1, "a share of the deletes, above 0 and at most 1 (0.9 = 90%)"),
        OPTION_FLAG("all", 'a', &all),
        OPTION_FLAG("explain", 0, &explain),
        OPTION_STRING("links", 0, &links),
        OPTION_FLAG("no-index", 0, &no_index),
        OPTION_FLAG("null", 'z', &nul),
        OPTION_END,
    };
    int rc = cli_parse_options(&cmd_rank, options, argc, argv, &optind);
    if (rc != CLI_PARSED) return rc;
    if (nul && strcmp(format, "json") == 0) return cli_usage_error(&cmd_rank, "-z goes with the tsv and paths formats");
    if (explain && strcmp(format, "json")) return cli_usage_error(&cmd_rank, "--explain goes with --format json");
    if (links && !folder_is_empty_or_missing(links))
        return cli_usage_error(&cmd_rank, "--links folder %s is not empty", links);
    char id[96];
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    cull_model model;
    if ((!no_index && optind < argc && index_cli_new_under(lib, name, argv + optind, argc - optind)) ||
        cli_prepare_encoder(lib, name, 1, no_index, id, sizeof id) ||
        cli_model_or_prompts(lib, name, id, until > 0, 1, &model, NULL)) {
        library_close(lib);
        return EXIT_SOME_FAILED;
    }
    scored_image *items;
    size_t n_items;
    rc = scored_images_read(lib, id, &model, argv + optind, argc - optind, all, &items, &n_items) ? EXIT_SOME_FAILED
                                                                                                     : EXIT_OK;
    review_cost cost = {0};
    explainer ex = {0};
    char err[512];
    if (rc == EXIT_OK && explain && model.kind == MODEL_PROMPTS) {
        cli_error("--explain needs a model trained on labels; this ranking comes from your prompts");
        rc = EXIT_SOME_FAILED;
    }
    if (rc == EXIT_OK && (trainer_review_cost(lib, &model, &cost, err, sizeof err) ||
                          (explain && explainer_open(lib, &model, &ex, err, sizeof err)))) {
        cli_error("%s", err);
        rc = EXIT_SOME_FAILED;
    }
    double *scores = malloc(sizeof(double) * n_items + 1);
    if (rc == EXIT_OK && !scores) {
        cli_error("out of memory");
        rc = EXIT_SOME_FAILED;
    }
    if (rc == EXIT_OK) {
        if (n_items) qsort(items, n_items, sizeof *items, by_p_desc); /* nothing to rank: items is NULL */
        for (size_t i = 0; i < n_items; i++) scores[i] = items[i].p;
        size_t n = limit >= 0 && (size_t)limit < n_items ? (size_t)limit : n_items;
        if (until > 0 && cost.n_delete == 0) {
            cli_error("--until needs the out-of-fold scores of labelled deletes, and this model has none");
            rc = EXIT_SOME_FAILED;
            n = 0;
        } else if (until > 0) {
            size_t reach = review_cost_until(&cost, scores, n_items, until);
            if (reach < n) n = reach;
        }
        if (strcmp(format, "json") == 0) {
            if (rc == EXIT_OK && print_json(items, n, explain ? &ex : NULL, lib)) {
                cli_error("reading the embeddings to explain failed: %s",
                          library_error(lib)[0] ? library_error(lib) : "out of memory");
                rc = EXIT_SOME_FAILED;
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                if (format[0] == 't') printf("%.6f\t", items[i].p);
                cli_put_record_path(stdout, items[i].path, nul);
                cli_end_record(stdout, nul);
            }
        }
        if (links && make_links(links, items, n)) rc = EXIT_SOME_FAILED;
        char text[512];
        review_cost_text(&cost, scores, n_items, limit >= 0 || until > 0 ? n : 0, text, sizeof text);
        if (rc == EXIT_OK && text[0] && limit != 0) fprintf(stderr, "%s\n", text);   /* --limit 0 lists nothing */
    }
    free(scores);
    review_cost_free(&cost);
    explainer_close(&ex);
    library_close(lib);
    scored_images_free(items, n_items);
    cull_model_free(&model);
    return rc;
}
