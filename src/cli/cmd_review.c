/*
 * cmd_review.c — `cull review`: a local web page to triage images one key at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/index_options.h"
#include "review/review.h"
#include "util/fsutil.h"

static int run_review(int argc, char **argv, const cli_globals *g);

const cli_command cmd_review = {
    "review",
    "a local web page: one key per image, likely deletes first, learns as you go",
    "usage: cull review [OPTIONS] [PATH...]\n"
    "\n"
    "Serves a page on 127.0.0.1 and prints its URL, which carries a random token for this run\n"
    "(every request needs it). The page shows the current image large, what comes next, and its\n"
    "P(delete), name, folder, size, dimensions, date and camera. Every decision is stored in the\n"
    "library at once; after every N decisions the model retrains in the background and the queue\n"
    "re-orders. The Apply button does what `cull apply` does. PATH limits the review (and Apply)\n"
    "to images at or under those paths; what is new there is indexed first, and images the encoder\n"
    "has not embedded yet are embedded first. Ctrl-C stops the server.\n"
    "\n"
    "keys: d or Left = delete, k or Right = keep, s = skip, u or z = undo, ? = help\n"
    "      (on a phone: swipe left = delete, right = keep, up = skip)\n"
    "queues: likely delete first (default), uncertain first (teaches the model most), suspects\n"
    "      (labels the model disagrees with), all by folder\n"
    "words (with a CLIP encoder): a search box whose results become a queue and whose words can\n"
    "      become a prompt; the prompts, each removable (see cull prompt)\n"
    "\n"
    "options:\n"
    "  --port N            port to listen on (default: any free port)\n"
    "  --open              open the page in the desktop browser (xdg-open of a page readable by\n"
    "                      you only that leads to the URL: the token is on no command line)\n"
    "  --listen ADDR       listen on this numeric address instead of 127.0.0.1 (e.g. 0.0.0.0 for a\n"
    "                      phone on your network); anyone who can reach it and has the URL can\n"
    "                      label and trash your images\n"
    "  --retrain-every N   decisions between background retrainings (default 20)\n"
    "  --encoder NAME      whose embeddings and model to use (default: the library's, see cull status)\n"
    "  --no-index          index and embed nothing: fail, saying what is missing, instead\n"
    "\n"
    "Thumbnails are cached in $XDG_CACHE_HOME/cull/thumbs (~/.cache/cull/thumbs).\n"
    "\n"
    CLI_HELP_EXIT
    "\n"
    "examples:\n"
    "  cull review --open\n"
    "  cull review ~/Pictures/incoming\n",
    run_review,
    CLI_NEEDS_MEDIA,
};

static int run_review(int argc, char **argv, const cli_globals *g)
{
    review_options o = {.db_path = g->db_path, .retrain_every = 20};
    const char *encoder_name = NULL;
    int64_t port = 0, retrain_every = 20;
    int no_index = 0, optind;
    const cli_option options[] = {
        OPTION_INT("port", 'p', &port, 0, 65535, NULL),
        OPTION_FLAG("open", 'o', &o.open_browser),
        OPTION_STRING("listen", 'l', &o.listen),
        OPTION_INT("retrain-every", 'r', &retrain_every, 1, 1000000, NULL),
        OPTION_STRING("encoder", 'e', &encoder_name),
        OPTION_FLAG("no-index", 0, &no_index),
        OPTION_END,
    };
    int parsed = cli_parse_options(&cmd_review, options, argc, argv, &optind);
    if (parsed != CLI_PARSED) return parsed;
    o.port = (int)port, o.retrain_every = (int)retrain_every;
    char id[96], name[256];
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    int ready = (no_index || optind == argc || index_cli_new_under(lib, encoder_name, argv + optind, argc - optind) == 0) &&
                cli_prepare_encoder(lib, encoder_name, 1, no_index, id, sizeof id) == 0 &&
                cli_encoder_name(lib, encoder_name, name, sizeof name, NULL) == 0;
    library_close(lib);
    if (!ready) return EXIT_SOME_FAILED;
    o.encoder_id = id;
    o.encoder_name = name;
    o.n_roots = argc - optind;
    o.roots = calloc((size_t)o.n_roots + 1, sizeof *o.roots);
    if (!o.roots) return EXIT_SOME_FAILED;
    for (int i = 0; i < o.n_roots; i++) {
        char abs[FS_PATH_MAX];
        if (fs_absolute(argv[optind + i], abs, sizeof abs) || !(o.roots[i] = strdup(abs))) {
            for (int k = 0; k < i; k++) free(o.roots[k]);
            free(o.roots);
            return cli_usage_error(&cmd_review, "path too long: %s", argv[optind + i]);
        }
    }
    return review_run(&o) ? EXIT_SOME_FAILED : EXIT_OK;
}
