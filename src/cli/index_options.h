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

/* Parses the shared options from argv (cli/options.h); leaves optind at the first operand.
   CLI_PARSED, or the exit status to return at once (EXIT_OK after --help, EXIT_USAGE). */
int index_cli_parse(const cli_command *cmd, int argc, char **argv, index_cli *out);

/* Opens the encoder (--encoder, else the library's: cli_encoder_name), runs the index, prints the
   summary; installs SIGINT/SIGTERM handlers for the run's duration. Returns EXIT_OK,
   EXIT_SOME_FAILED, 130 when interrupted, or -1 on library or encoder failure. out (may be
   NULL) gets the summary. */
int index_cli_run(library *lib, index_cli *ic, char *const *roots, int n_roots, index_summary *out);

/* What rank PATH and review PATH do first: each path must exist (else an error naming it), and
   what is new under them is indexed (progress bar on a terminal, failures named); when there is
   no image under them at all, stderr says so. 0, or -1 with the error printed. */
int index_cli_new_under(library *lib, const char *encoder_name, char *const *paths, int n);

/* Embeds with enc what it lacks (index_missing, all as there), with a progress bar on a terminal,
   every core, and Ctrl-C stopping cleanly; prints the summary when anything was read. Same
   returns as index_cli_run. */
int index_cli_missing(library *lib, encoder *enc, int all, index_summary *sum);

#endif
