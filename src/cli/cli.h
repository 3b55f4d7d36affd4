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

/* The encoder a command on lib uses: named (--encoder) when given, else the library's choice
   (`cull model use`), else the encoder of its newest model, else the one that embedded most of
   its images, else (a new library) the best one installed: installing a model never changes what
   an existing library uses. why (may be NULL) gets which of these it was. 0, or -1 printed. */
int cli_encoder_name(library *lib, const char *named, char *out, size_t cap, const char **why);

/* Opens the encoder cli_encoder_name picks, and first embeds what it lacks: every labelled image
   (and with all, every unlabelled one on disk: what rank, review and dupes show), read from disk
   or, for files `cull apply` moved, from the Trash, with a progress bar on a terminal. With
   no_index, a missing embedding is an error saying how many and the command that makes them.
   id gets the encoder's library id. 0, or -1 with the error printed. */
int cli_prepare_encoder(library *lib, const char *named, int all, int no_index, char *id, size_t cap);

/* For status and model list: the encoder in use and why, then for it and every installed encoder
   how many labelled images it has embedded and what `cull model use` would embed. 0 or -1. */
int cli_print_encoders(library *lib, FILE *out);
/* For status: the labelled images the encoder in use lacks and whose bytes are gone, named. */
int cli_print_gone(library *lib);
/* `cull model use NAME`: records NAME as the library's encoder, then embeds the labelled images
   it lacks (from disk and the Trash). An exit status. */
int cli_model_use(const cli_globals *g, const char *name);

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
