/*
 * index_options.h — the options `index` and `label` share (--encoder, --jobs, --max-pixels),
 * parsed in one place so both commands accept exactly the same spellings.
 */
#ifndef CULL_CLI_INDEX_OPTIONS_H
#define CULL_CLI_INDEX_OPTIONS_H

#include <getopt.h>
#include "cli/cli.h"
#include "pipeline/indexer.h"

#define INDEX_OPTIONS_HELP \
    "  --encoder NAME     encoder to embed with (default: the best one installed; see cull status)\n" \
    "  --jobs N           worker threads (default: the number of cores)\n" \
    "  --max-pixels N     refuse images declaring more pixels than N (default 300000000)\n" \
    "  --quiet            no progress bar and no summary\n"

typedef struct {
    const char *encoder;
    index_options index;
    int quiet;
} index_cli;

/* Parses the shared options from argv (getopt_long, permuting); leaves optind at the first
   operand. Returns 0, 1 when --help was asked (usage printed), or EXIT_USAGE. */
int index_cli_parse(const cli_command *cmd, int argc, char **argv, index_cli *out);

/* Opens the encoder, runs the index, prints the summary; installs SIGINT/SIGTERM handlers for the
   run's duration. Returns EXIT_OK, EXIT_SOME_FAILED, or -1 on library or encoder failure. */
int index_cli_run(library *lib, index_cli *ic, char *const *roots, int n_roots);

#endif
