/*
 * cli.h — what every subcommand shares: the dispatch entry, the global options, and helpers for
 * opening the library, reporting errors and parsing numbers.
 *
 * Exit statuses: 0 success, 1 some files failed (after a summary), 2 usage error. Errors go to
 * stderr as "cull: WHAT: REASON"; results go to stdout.
 */
#ifndef CULL_CLI_CLI_H
#define CULL_CLI_CLI_H

#include <stdint.h>
#include <stdio.h>
#include "learn/model.h"
#include "library/library.h"

enum { EXIT_OK = 0, EXIT_SOME_FAILED = 1, EXIT_USAGE = 2 };

typedef struct {
    const char *db_path;     /* resolved: --db, $CULL_DB or $XDG_DATA_HOME/cull/library.db */
} cli_globals;

typedef struct {
    const char *name;
    const char *summary;     /* one line for `cull --help` */
    const char *usage;       /* full text for `cull COMMAND --help` */
    int (*run)(int argc, char **argv, const cli_globals *g);
} cli_command;

extern const cli_command cmd_index, cmd_label, cmd_train, cmd_rank, cmd_embed, cmd_status;
extern const cli_command cmd_model;
extern const cli_command cmd_apply, cmd_undo;
extern const cli_command cmd_review;
extern const cli_command cmd_dupes, cmd_suspects;
extern const cli_command cmd_report;

/* Prints "cull: " + message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the usage error and a pointer to --help; returns EXIT_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints cmd->usage to stdout; returns EXIT_OK. */
int cli_help(const cli_command *cmd);

/* Opens the library or prints why not (NULL). */
library *cli_open_library(const cli_globals *g);

/* The library id of the encoder called name (NULL: the default), or an error printed (-1). */
int cli_encoder_id(const char *name, char *id, size_t cap);

/* The model rank, suspects and report score with: the stored one for encoder_id, retrained first
   when the labels changed since (or, with need_out_of_fold, when it predates stored out-of-fold
   scores), saying so on stderr; *retrained (may be NULL) tells whether it was. 0, or -1 with the
   error printed. */
int cli_current_model(library *lib, const char *encoder_id, int need_out_of_fold, cull_model *out, int *retrained);

/* Parses a whole decimal integer in [min, max]; 0 or -1. */
int cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

/* Default worker count: the cores this process may use. */
int cli_default_jobs(void);

/* A path as a JSON string: bytes that are not UTF-8 become U+FFFD (JSON holds text only). */
struct json_t;
struct json_t *cli_json_path(const char *path);

/* Writes bytes as they are (paths are bytes, not text). */
void cli_put_path(FILE *f, const char *path);

#endif
