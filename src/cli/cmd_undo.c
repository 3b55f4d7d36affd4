/*
 * cmd_undo.c — `cull undo`: put back what the last `cull apply` moved to the Trash.
 */
#include <getopt.h>

#include "cli/cli.h"
#include "safety/apply.h"

static int run_undo(int argc, char **argv, const cli_globals *g);

const cli_command cmd_undo = {
    "undo",
    "put back the files the last apply moved to the Trash",
    "usage: cull undo\n"
    "\n"
    "Moves every file of the newest `cull apply` that is still in the Trash back to its original\n"
    "path, after checking that its content is the image that was moved. A file whose original\n"
    "path is taken by something else stays in the Trash and is named on stderr. Run it again to\n"
    "undo the apply before that.\n",
    run_undo,
};

static int run_undo(int argc, char **argv, const cli_globals *g)
{
    static const struct option LONG[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", LONG, NULL)) != -1) {
        if (c == 'h') return cli_help(&cmd_undo);
        return cli_usage_error(&cmd_undo, "unknown option");
    }
    if (optind < argc) return cli_usage_error(&cmd_undo, "unexpected argument '%s'", argv[optind]);
    library *lib = cli_open_library(g);
    if (!lib) return EXIT_SOME_FAILED;
    apply_summary s;
    int rc = apply_undo(lib, &s);
    if (rc) cli_error("library: %s", library_error(lib));
    library_close(lib);
    if (rc) return EXIT_SOME_FAILED;
    if (s.batch == 0) fprintf(stderr, "nothing to undo: no apply has files in the Trash\n");
    else
        fprintf(stderr, "put back %lld %s (%.1f MB)%s\n", (long long)s.files, s.files == 1 ? "file" : "files",
                s.bytes / 1e6, s.failed ? "; some could not be put back (listed above)" : "");
    return s.failed ? EXIT_SOME_FAILED : EXIT_OK;
}
