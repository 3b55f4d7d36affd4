/*
 * cmd_explain.c — `cull explain`: why an image scores as it does.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/index_options.h"
#include "pipeline/explainer.h"
#include "util/fsutil.h"
#include "util/quote.h"

static int run_explain(int argc, char **argv, const cli_globals *g);

#define EXPLAIN_TEXT_TERMS 8   /* terms listed in text; the rest summed on one line */

const cli_command cmd_explain = {
    "explain",
    "why images score as they do: similar labelled images, the features that moved the score",
    "usage: cull explain [OPTIONS] FILE...\n"
    "\n"
    "For each FILE (indexed first when it is new), its P(delete) under the stored model (retrained\n"
    "first when the labels or prompts changed) and why, in the model's own terms:\n"
    "  - the labelled images it looks most like: cosine similarity of the encoder's embeddings,\n"
    "    their labels and paths (a path is missing when no copy is left);\n"
    "  - what moved the score, in log-odds (+ towards delete, − towards keep): the embedding as\n"
    "    one term (what the picture looks like), each metadata feature (file size, pixels, aspect\n"
    "    ratio, format, camera EXIF present, EXIF date present, camera make and model), each\n"
    "    prompt the model was trained with (how much the picture looks like its words: cull\n"
    "    prompt) and each token of the file name.\n"
    "For a logistic regression the terms are exact: with the intercept they add up to the\n"
    "log-odds. For an MLP they are by occlusion: how much the log-odds falls when the term is taken\n"
    "away (its features set to their training average; a token removed from the name); they need\n"
    "not add up, because a network's features interact.\n"
    "\n"
    "options:\n"
    "  --format text|json   text (default), or one JSON array with an object per FILE:\n"
    "                       {\"path\", \"image_id\", \"label\", \"p_delete\", \"log_odds\", \"model\",\n"
    "                       \"method\": \"exact\"|\"occlusion\", \"neighbours\": [{\"image_id\", \"label\",\n"
    "                       \"similarity\", \"path\"}], \"contributions\": [{\"kind\": \"intercept\"|\n"
    "                       \"embedding\"|\"metadata\"|\"prompt\"|\"token\", \"feature\" (metadata),\n"
    "                       \"prompt\", \"side\", \"text\" (prompt), \"token\", \"count\" (token), \"value\"}]}\n"
    "  -k N                 labelled neighbours to show (default 5)\n"
    "  --encoder NAME       whose model to use (default: the library's, see cull status)\n"
    "  --no-index           index and embed nothing: fail, saying what is missing, instead\n"
    "\n"
    CLI_HELP_EXIT
    "\n"
    "examples:\n"
    "  cull explain ~/Pictures/incoming/Screenshot_2024-03-01.png\n"
    "  cull explain --format json -k 10 photo.jpg | jq '.[0].neighbours'\n",
    run_explain,
    CLI_NEEDS_MEDIA,
};

/* One FILE: the image it holds and what the explainer needs of it. */
typedef struct {
    const char *arg;
    char path[FS_PATH_MAX];
    int64_t image_id;
    int label;
    image_meta meta;
    float *embedding;
} query;

static void print_text(const explainer *ex, const query *q, const explanation *e, const neighbour *nb, int k)
{
    const cull_model *m = ex->model;
    cli_put_path(stdout, q->path);
    printf("\n  P(delete) %.6f   log-odds %+.3f, %s", e->p_delete, e->log_odds, cull_model_kind_name(m->kind));
    if (q->label != LABEL_NONE) printf("; labelled %s", explainer_label_name(q->label));
    printf("\n  looks like these you labelled:\n");
    if (k == 0 || nb[0].row < 0) printf("    (no labelled image to compare with)\n");
    for (int r = 0; r < k && nb[r].row >= 0; r++) {
        const labelled_image *im = &ex->images[nb[r].row];
        printf("    %-6s  %.3f  ", explainer_label_name(im->label), nb[r].cos);
        if (im->path) cli_put_path(stdout, im->path);
        else printf("(no copy left; image %lld)", (long long)im->image_id);
        putchar('\n');
    }
    printf("  what moved the score (log-odds, + towards delete)%s:\n",
           e->exact ? "" : ", by occlusion: what is lost when each is taken away");
    double rest = 0;
    int shown = 0;
    for (int i = 0; i < e->n_terms; i++) {
        const explain_term *t = &e->terms[i];
        if (shown == EXPLAIN_TEXT_TERMS) {
            rest += t->value;
            continue;
        }
        shown++;
        printf("    %+8.3f  ", t->value);
        switch (t->kind) {
        case EXPLAIN_EMBEDDING: printf("the embedding (what the picture looks like)"); break;
        case EXPLAIN_META: printf("%s", t->name); break;
        case EXPLAIN_PROMPT:
            printf("likeness to prompt %lld (%s): ", (long long)t->prompt_id, explainer_label_name(t->prompt_label));
            quote_path(stdout, t->text);
            break;
        case EXPLAIN_TOKEN:
            /* learn/features.h: "#N" stands for a run of N digits, ".EXT" for the extension. */
            if (t->name[0] == '#') printf("a %s-digit number in the name", t->name + 1);
            else if (t->name[0] == '.') printf("extension %s", t->name);
            else printf("name word "), quote_path(stdout, t->name);
            if (t->count > 1) printf(" (%d times)", t->count);
            break;
        default: printf("%s", explain_kind_name(t->kind)); break;
        }
        putchar('\n');
    }
    if (e->n_terms > shown) printf("    %+8.3f  %d more terms\n", rest, e->n_terms - shown);
    if (e->exact) printf("    = %+.3f  log-odds\n", e->log_odds);
}

static json_t *query_json(const explainer *ex, const query *q, const explanation *e, const neighbour *nb, int k)
{
    json_t *o = explanation_json(e);
    json_object_set_new(o, "path", quote_json_path(q->path));
    json_object_set_new(o, "image_id", json_integer(q->image_id));
    json_object_set_new(o, "label", q->label == LABEL_NONE ? json_null() : json_string(explainer_label_name(q->label)));
    json_object_set_new(o, "model", json_string(cull_model_kind_name(ex->model->kind)));
    json_object_set_new(o, "neighbours", explainer_neighbours_json(ex, nb, k));
    return o;
}

/* Finds each FILE's image and its row; a FILE that is not there is named, and left out. */
static int find_queries(library *lib, const char *encoder_id, query *qs, int n, int *found)
{
    int failed = 0;
    *found = 0;
    for (int i = 0; i < n; i++) {
        query *q = &qs[i];
        int got = 0;
        if (fs_absolute(q->arg, q->path, sizeof q->path) == 0 && (q->image_id = library_image_at(lib, q->path)) != 0)
            got = q->image_id < 0 ? -1
                                  : explainer_read_image(lib, encoder_id, q->image_id, &q->label, &q->meta, &q->embedding);
        if (got < 0) {
            /* explainer_read_image leaves the library's error empty when it ran out of memory */
            cli_error("reading the library failed: %s", library_error(lib)[0] ? library_error(lib) : "out of memory");
            return -1;
        }
        if (got == 0) {
            cli_error("%s: not in the library with an embedding by %s (it could not be indexed: see above, or run "
                      "cull index on it)", q->arg, encoder_id);
            failed = 1;
            continue;
        }
        (*found)++;
    }
    return failed;
}

static int run_explain(int argc, char **argv, const cli_globals *g)
{
    const char *name = NULL, *format = "text";
    int64_t k = EXPLAIN_NEIGHBOURS;
    int no_index = 0, optind;
    const cli_option options[] = {
        OPTION_STRING("encoder", 'e', &name),
        OPTION_CHOICE("format", 'f', &format, "text|json"),
        OPTION_INT(NULL, 'k', &k, 0, 1000, NULL),
        OPTION_FLAG("no-index", 0, &no_index),
        OPTION_END,
    };
    int parsed = cli_parse_options(&cmd_explain, options, argc, argv, &optind);
    if (parsed != CLI_PARSED) return parsed;
    if (optind == argc) return cli_usage_error(&cmd_explain, "name the files to explain");
    int n = argc - optind;
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    char id[96], err[512];
    cull_model model;
    if ((!no_index && index_cli_new_under(lib, name, argv + optind, n)) ||
        cli_prepare_encoder(lib, name, 0, no_index, id, sizeof id) || cli_current_model(lib, name, id, 0, &model, NULL)) {
        library_close(lib);
        return EXIT_SOME_FAILED;
    }
    query *qs = calloc((size_t)n, sizeof *qs);
    explainer ex = {0};
    int found = 0, printed = 0, rc = EXIT_OK;
    if (!qs) {
        cli_error("out of memory");
        rc = EXIT_SOME_FAILED;
    } else {
        for (int i = 0; i < n; i++) qs[i].arg = argv[optind + i];
        int failed = find_queries(lib, id, qs, n, &found);
        if (failed) rc = EXIT_SOME_FAILED;
        if (failed < 0) found = 0;
        if (found && explainer_open(lib, &model, &ex, err, sizeof err)) {
            cli_error("%s", err);
            found = 0;
            rc = EXIT_SOME_FAILED;
        }
    }
    library_close(lib);
    neighbour *nb = calloc((size_t)k + 1, sizeof *nb);
    if (!nb && found) {
        cli_error("out of memory");
        rc = EXIT_SOME_FAILED;
    }
    json_t *all = json_array();
    for (int i = 0; i < n && found && nb; i++) {
        query *q = &qs[i];
        explanation e;
        if (!q->embedding) continue;
        if (explainer_neighbours(&ex, q->embedding, &q->image_id, 1, (int)k, nb) ||
            explain_score(&model, q->embedding, &q->meta, fs_basename(q->path), &e)) {
            cli_error("%s: out of memory", q->arg);
            rc = EXIT_SOME_FAILED;
            continue;
        }
        if (format[0] == 'j') {
            json_array_append_new(all, query_json(&ex, q, &e, nb, (int)k));
        } else {
            if (printed++) putchar('\n');
            print_text(&ex, q, &e, nb, (int)k);
        }
        explanation_free(&e);
    }
    if (format[0] == 'j') {
        json_dumpf(all, stdout, JSON_INDENT(1));
        putchar('\n');
    }
    json_decref(all);
    free(nb);
    for (int i = 0; qs && i < n; i++) free(qs[i].embedding);
    free(qs);
    explainer_close(&ex);
    cull_model_free(&model);
    return rc;
}
