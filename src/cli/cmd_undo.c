/*
 * cmd_undo.c — `cull undo`: put back what the last `cull apply` moved to the Trash.
 */
#include <getopt.h>
#include <string.h>
#include <jansson.h>

#include "cli/cli.h"
#include "safety/apply.h"
#include "util/plural.h"

static int run_undo(int argc, char **argv, const cli_globals *g);

const cli_command cmd_undo = {
    "undo",
    "put back the files the last apply moved to the Trash",
    "usage: cull undo [--dry-run [--format tsv|json] [-z]]\n"
    "\n"
    "Moves every file of the newest `cull apply` that is still in the Trash back to its original\n"
    "path, after checking that its content is the image that was moved. A file whose original\n"
    "path is taken by something else stays in the Trash and is named on stderr. Run it again to\n"
    "undo the apply before that.\n"
    "\n"
    "options:\n"
    "  --dry-run     list what would be put back (BYTES<TAB>ORIGINAL_PATH) and the total; move\n"
    "                nothing\n"
    "  --format F    with --dry-run: tsv (default) or json, one object {\"files\", \"bytes\",\n"
    "                \"gone\", \"items\": [{\"path\", \"bytes\"}]}\n"
    "  -z, --null    with --dry-run: records end in NUL, paths raw\n"
    "\n"
    CLI_HELP_RECORDS
    "\n"
    "exit status: 0 done (or nothing to undo), 1 some files could not be put back (named on\n"
    "stderr) or the library failed, 2 usage error\n",
    run_undo,
    0,   /* no image decoding */
};

static int run_undo(int argc, char **argv, const cli_globals *g)
{
    static const struct option LONG[] = {
        {"dry-run", no_argument, 0, 'n'}, {"format", required_argument, 0, 'f'}, {"null", no_argument, 0, 'z'},
        {"help", no_argument, 0, 'h'},    {0, 0, 0, 0},
    };
    int dry_run = 0, nul = 0;
    const char *format = NULL;
    cli_file_list list;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "nz", LONG, NULL)) != -1) {
        if (c == 'n') dry_run = 1;
        else if (c == 'f') format = optarg;
        else if (c == 'z') nul = 1;
        else if (c == 'h') return cli_help(&cmd_undo);
        else return cli_usage_error(&cmd_undo, "unknown option");
    }
    if (optind < argc) return cli_usage_error(&cmd_undo, "unexpected argument '%s'", argv[optind]);
    if (cli_file_list_options(&cmd_undo, dry_run, format, nul, &list)) return EXIT_USAGE;
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) {
        json_decref(list.json);
        return EXIT_SOME_FAILED;
    }
    apply_summary s;
    int rc = apply_undo(lib, dry_run, cli_file_list_item, &list, &s);
    if (rc) cli_error("library: %s", library_error(lib));
    library_close(lib);
    if (rc) {
        json_decref(list.json);
        return EXIT_SOME_FAILED;
    }
    cli_file_list_finish(&list, &s);
    const char *files = plural(s.files, "file", "files");
    if (s.batch == 0) fprintf(stderr, "nothing to undo: no apply has files in the Trash\n");
    else if (dry_run) fprintf(stderr, "would put back %lld %s (%.1f MB)\n", (long long)s.files, files, s.bytes / 1e6);
    else
        fprintf(stderr, "put back %lld %s (%.1f MB)%s\n", (long long)s.files, files, s.bytes / 1e6,
                s.failed ? "; some could not be put back (listed above)" : "");
    return s.failed ? EXIT_SOME_FAILED : EXIT_OK;
}
