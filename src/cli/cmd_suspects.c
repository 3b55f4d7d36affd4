/*
 * cmd_suspects.c — `cull suspects`: labelled images the model disagrees with, most strongly first.
 *
 * The score is the out-of-fold P(wrong label): each image's P(delete) from the cross-validation
 * model that did not see it (stored with the model by cull train), so an image cannot vouch for
 * its own label. A mislabelled image then looks like what its label is not, and rises to the top.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "pipeline/trainer.h"

static int run_suspects(int argc, char **argv, const cli_globals *g);

const cli_command cmd_suspects = {
    "suspects",
    "labels the model disagrees with, most doubtful first",
    "usage: cull suspects [--limit N] [--format tsv|json] [-z] [--encoder NAME] [--no-index]\n"
    "\n"
    "Ranks labelled images by how strongly the cross-validated model disagrees with their label,\n"
    "so that mistakes (a keeper labelled delete, a forgotten reject) come first. Each image is\n"
    "judged by the model of the cross-validation fold that did not train on it (stored by cull\n"
    "train; retrained first, and said so, when labels or prompts changed). Only images with a file\n"
    "on disk.\n"
    "\n"
    "tsv (default): SCORE<TAB>LABEL<TAB>ABSOLUTE_PATH per line, no header, highest score first;\n"
    "  SCORE is the out-of-fold P(wrong label): P(delete) for an image labelled keep, 1 - P(delete)\n"
    "  for one labelled delete. LABEL is keep or delete.\n"
    "json: an array of {\"score\", \"label\", \"p_delete\", \"path\"}.\n"
    "\n"
    "options:\n"
    "  --limit N          print the first N only\n"
    "  --format tsv|json  output format (default tsv)\n"
    "  -z, --null         records end in NUL, paths raw (tsv)\n"
    "  --encoder NAME     whose model to use (default: the library's, see cull status)\n"
    "  --no-index         embed nothing: fail, saying what is missing, instead\n"
    "\n"
    CLI_HELP_RECORDS
    "\n"
    CLI_HELP_EXIT
    "\n"
    "examples:\n"
    "  cull suspects --limit 20\n"
    "  cull suspects --limit 50 | awk -F'\\t' '$1 > 0.9' | cut -f3 | nsxiv -i\n"
    "  cull label keep PATH          # after checking: fix the label\n",
    run_suspects,
    CLI_NEEDS_MEDIA,
};

typedef struct {
    double score, p;
    int label;
    char *path;
} suspect;

typedef struct {
    const cull_model *model;
    suspect *items;
    size_t n, cap;
    int missing;         /* labelled images without an out-of-fold prediction */
} suspects_run;

static int add_row(const library_row *row, void *ctx)
{
    suspects_run *s = ctx;
    if (row->label == LABEL_NONE || !row->path) return 0;
    double p = cull_model_oof(s->model, row->image_id);
    if (p < 0) {
        s->missing++;
        return 0;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        suspect *grown = realloc(s->items, s->cap * sizeof *grown);
        if (!grown) return 1;
        s->items = grown;
    }
    char *path = strdup(row->path);
    if (!path) return 1;
    s->items[s->n++] = (suspect){row->label == LABEL_KEEP ? p : 1 - p, p, row->label, path};
    return 0;
}

static int by_score_desc(const void *a, const void *b)
{
    const suspect *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return strcmp(x->path, y->path);
}

static void print_json(const suspect *items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:f, s:s, s:f, s:o}", "score", items[i].score, "label",
                                           items[i].label == LABEL_KEEP ? "keep" : "delete", "p_delete", items[i].p,
                                           "path", quote_json_path(items[i].path)));
    json_dumpf(a, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    putchar('\n');
    json_decref(a);
}

static int run_suspects(int argc, char **argv, const cli_globals *g)
{
    const char *name = NULL, *format = "tsv";
    int64_t limit = -1;
    int no_index = 0, nul = 0, optind;
    const cli_option options[] = {
        OPTION_STRING("encoder", 'e', &name),
        OPTION_FLAG("no-index", 0, &no_index),
        OPTION_CHOICE("format", 'f', &format, "tsv|json"),
        OPTION_INT("limit", 'n', &limit, 0, INT64_MAX, NULL),
        OPTION_FLAG("null", 'z', &nul),
        OPTION_END,
    };
    int parsed = cli_parse_options(&cmd_suspects, options, argc, argv, &optind);
    if (parsed != CLI_PARSED) return parsed;
    if (optind < argc) return cli_usage_error(&cmd_suspects, "unexpected argument '%s'", argv[optind]);
    if (nul && strcmp(format, "json") == 0) return cli_usage_error(&cmd_suspects, "-z goes with the tsv format");
    char id[96];
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    cull_model model;
    if (cli_prepare_encoder(lib, name, 0, no_index, id, sizeof id) || cli_current_model(lib, name, id, 1, &model, NULL)) {
        library_close(lib);
        return EXIT_SOME_FAILED;
    }
    int rc;
    suspects_run s = {.model = &model};
    rc = EXIT_OK;
    if (library_each_row(lib, id, 0, add_row, &s)) {
        cli_error("reading the library failed: %s", library_error(lib));
        rc = EXIT_SOME_FAILED;
    }
    library_close(lib);
    if (rc == EXIT_OK) {
        if (s.n) qsort(s.items, s.n, sizeof *s.items, by_score_desc);
        size_t n = limit >= 0 && (size_t)limit < s.n ? (size_t)limit : s.n;
        if (strcmp(format, "json") == 0) {
            print_json(s.items, n);
        } else {
            for (size_t i = 0; i < n; i++) {
                printf("%.6f\t%s\t", s.items[i].score, s.items[i].label == LABEL_KEEP ? "keep" : "delete");
                cli_put_record_path(stdout, s.items[i].path, nul);
                cli_end_record(stdout, nul);
            }
        }
        size_t doubtful = 0;
        for (size_t i = 0; i < s.n; i++) doubtful += s.items[i].score > 0.5;
        fprintf(stderr, "%zu labelled images on disk; the cross-validated %s disagrees with %zu of their labels"
                        " (score > 0.5)\n",
                s.n, cull_model_kind_name(model.kind), doubtful);
    }
    for (size_t i = 0; i < s.n; i++) free(s.items[i].path);
    free(s.items);
    cull_model_free(&model);
    return rc;
}
