/*
 * cmd_search.c — `cull search TEXT`: the library's images by how well they match a sentence, through
 * a CLIP encoder's text tower (encoders/text_encoder.h) and the image embeddings already stored.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/index_options.h"
#include "cli/options.h"
#include "cli/text_match.h"
#include "util/fsutil.h"

static int run_search(int argc, char **argv, const cli_globals *g);

const cli_command cmd_search = {
    "search",
    "find images by what they show, in words",
    "usage: cull search [OPTIONS] TEXT [PATH...]\n"
    "\n"
    "Prints the library's images most similar to TEXT first: the cosine between TEXT's CLIP text\n"
    "embedding and each image's stored embedding. Needs a CLIP encoder with its text tower\n"
    "(cull model fetch clip-vit-b32) in use by the library (cull model use clip-vit-b32). PATH\n"
    "limits the list to images at or under those paths, and what is new there is indexed first;\n"
    "images the encoder has not embedded yet are embedded first, as rank does.\n"
    "\n"
    "CLIP's cosines are small and close together: 0.30 is a strong match for ViT-B/32, 0.20 a weak\n"
    "one. Judge by the order, or look at the first results and pick a --above for your words.\n"
    "\n"
    "options:\n"
    "  --format tsv|json|paths   tsv (default): COSINE<TAB>ABSOLUTE_PATH per line, no header;\n"
    "                            json: one array of {\"cosine\", \"path\", \"label\"};\n"
    "                            paths: paths only\n"
    "  --limit N                 print the first N only\n"
    "  --above C                 print only images with a cosine of at least C (-1 to 1)\n"
    "  --unlabelled              only images without a label\n"
    "  -z, --null                records end in NUL, paths raw (tsv and paths formats)\n"
    "  --encoder NAME            the CLIP encoder (default: the library's, see cull status)\n"
    "  --no-index                index and embed nothing: fail, saying what is missing, instead\n"
    "\n"
    CLI_HELP_RECORDS
    "\n"
    CLI_HELP_EXIT
    "\n"
    "examples:\n"
    "  cull search 'a screenshot of a chat' --limit 20\n"
    "  cull search -z --format paths --limit 300 'a photo of a receipt' ~/Pictures | xargs -0 cull label delete\n",
    run_search,
    CLI_NEEDS_MEDIA,
};

static int by_cosine_desc(const void *a, const void *b)
{
    const text_match *x = a, *y = b;
    if (x->cosine != y->cosine) return x->cosine < y->cosine ? 1 : -1;
    return strcmp(x->path, y->path);
}

static void print_json(const text_match *m, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *label = m[i].label == LABEL_KEEP ? "keep" : m[i].label == LABEL_DELETE ? "delete" : NULL;
        json_array_append_new(a, json_pack("{s:f, s:o, s:s?}", "cosine", m[i].cosine, "path",
                                           quote_json_path(m[i].path), "label", label));
    }
    json_dumpf(a, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    putchar('\n');
    json_decref(a);
}

static int run_search(int argc, char **argv, const cli_globals *g)
{
    const char *name = NULL, *format = "tsv";
    int64_t limit = -1;
    double above = -2;
    int no_index = 0, nul = 0, unlabelled = 0, optind;
    const cli_option options[] = {
        OPTION_STRING("encoder", 'e', &name),
        OPTION_CHOICE("format", 'f', &format, "tsv|json|paths"),
        OPTION_INT("limit", 'n', &limit, 0, INT64_MAX, NULL),
        OPTION_REAL("above", 0, &above, -1, 0, 1, "a cosine from -1 to 1"),
        OPTION_FLAG("unlabelled", 0, &unlabelled),
        OPTION_FLAG("no-index", 0, &no_index),
        OPTION_FLAG("null", 'z', &nul),
        OPTION_END,
    };
    int rc = cli_parse_options(&cmd_search, options, argc, argv, &optind);
    if (rc != CLI_PARSED) return rc;
    if (optind >= argc) return cli_usage_error(&cmd_search, "give the TEXT to search for");
    if (nul && strcmp(format, "json") == 0) return cli_usage_error(&cmd_search, "-z goes with the tsv and paths formats");
    const char *text = argv[optind++];
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    text_query q = {0};
    text_match *m = NULL;
    size_t n = 0;
    rc = EXIT_SOME_FAILED;
    /* the cheap checks first: a library whose encoder has no text tower, a text that cannot be
       read, are said before anything is indexed */
    if (text_query_open(lib, name, &q) || text_query_add(&q, text) ||
        (!no_index && optind < argc && index_cli_new_under(lib, name, argv + optind, argc - optind)) ||
        text_query_embed_images(lib, &q, no_index) ||
        text_matches_read(lib, &q, argv + optind, argc - optind, unlabelled, &m, &n))
        goto out;
    if (n) qsort(m, n, sizeof *m, by_cosine_desc);
    size_t shown = 0;
    while (shown < n && (limit < 0 || shown < (size_t)limit) && m[shown].cosine >= above) shown++;
    if (strcmp(format, "json") == 0) {
        print_json(m, shown);
    } else {
        for (size_t i = 0; i < shown; i++) {
            if (format[0] == 't') printf("%.6f\t", m[i].cosine);
            cli_put_record_path(stdout, m[i].path, nul);
            cli_end_record(stdout, nul);
        }
    }
    rc = EXIT_OK;
out:
    text_matches_free(m, n);
    text_query_close(&q);
    library_close(lib);
    return rc;
}
