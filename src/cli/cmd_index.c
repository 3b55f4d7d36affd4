/*
 * cmd_index.c — `cull index PATH...`: find images, embed the new ones, remember everything.
 */
#include "cli/index_options.h"
#include "cli/options.h"

static int run_index(int argc, char **argv, const cli_globals *g);

const cli_command cmd_index = {
    "index",
    "find images under folders and embed the new ones",
    "usage: cull index [OPTIONS] PATH...\n"
    "\n"
    "Walks each PATH (folders recursively, following symlinks but never looping), finds images by\n"
    "their content, reads each new or changed file once (SHA-256 and decode from the same bytes),\n"
    "and stores its metadata and embedding in the library. Unchanged files (same size, mtime and\n"
    "inode) are skipped without being read; a moved or renamed file is recognised by its content\n"
    "and keeps its embedding and label. Bad files are reported and the run goes on.\n"
    "\n"
    "options:\n" INDEX_OPTIONS_HELP
    "\n"
    "example:\n"
    "  cull index ~/Pictures ~/Downloads\n"
    "\n"
    "exit status: 0 all good, 1 some files failed (listed on stderr), 2 usage error\n",
    run_index,
    CLI_NEEDS_MEDIA,
};

static int run_index(int argc, char **argv, const cli_globals *g)
{
    index_cli ic;
    int rc = index_cli_parse(&cmd_index, argc, argv, &ic);
    if (rc != CLI_PARSED) return rc;
    if (optind >= argc) return cli_usage_error(&cmd_index, "name at least one folder or file");
    library *lib = cli_open_library(g, LIBRARY_CREATE);
    if (!lib) return EXIT_SOME_FAILED;
    rc = index_cli_run(lib, &ic, argv + optind, argc - optind, NULL);
    library_close(lib);
    return rc < 0 ? EXIT_SOME_FAILED : rc;
}
