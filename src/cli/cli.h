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
#include "safety/apply.h"
#include "util/quote.h"

enum { EXIT_OK = 0, EXIT_SOME_FAILED = 1, EXIT_USAGE = 2 };

typedef struct {
    const char *db_path;     /* resolved: --db, $CULL_DB or $XDG_DATA_HOME/cull/library.db */
} cli_globals;

/* What main() sets up before a command runs (git's RUN_SETUP flags): only what it needs, so
   `cull status`, `model`, `apply` and `undo` start no image decoder. */
enum { CLI_NEEDS_MEDIA = 1 };   /* libvips: the command decodes images, or may index new ones */
/* Starts libvips for a command that needs it only in some of its paths (model use embeds; model
   list does not). 0, or -1 with the error printed. */
int cli_start_media(void);

typedef struct {
    const char *name;
    const char *summary;     /* one line for `cull --help`; NULL: not listed */
    const char *usage;       /* full text for `cull COMMAND --help` */
    int (*run)(int argc, char **argv, const cli_globals *g);
    unsigned needs;          /* CLI_NEEDS_* */
} cli_command;

extern const cli_command cmd_index, cmd_label, cmd_train, cmd_rank, cmd_embed, cmd_status;
extern const cli_command cmd_model;
extern const cli_command cmd_apply, cmd_undo;
extern const cli_command cmd_review;
extern const cli_command cmd_dupes, cmd_suspects;
extern const cli_command cmd_report, cmd_explain, cmd_import, cmd_export, cmd_search, cmd_prompt;
extern const cli_command cmd_complete;

/* The command table (main.c): row i, NULL past the end; the row called name, or NULL. A row with
   no summary is hidden from `cull --help` (__complete). */
const cli_command *cli_command_at(size_t i);
const cli_command *cli_find_command(const char *name);

/* The help paragraph of every command that prints records holding paths (util/quote.h). */
#define CLI_HELP_RECORDS                                                                                 \
    "Paths in tsv and paths output: a path holding a tab, a newline, a double quote, a backslash\n"       \
    "or bytes that are not UTF-8 is written C-quoted in double quotes, as git writes it (\\t \\n\n"     \
    "\\\" \\\\ and \\ooo octal for other control bytes and non-UTF-8 bytes); any other path as it is.\n" \
    "-z ends each record with a NUL instead of a newline and writes paths raw (for xargs -0).\n"        \
    "In json, bytes of a path that are not UTF-8 become U+FFFD: use -z for the exact bytes.\n"

/* The exit-status line of the commands whose failures are all "1, the reason on stderr". */
#define CLI_HELP_EXIT "exit status: 0 done, 1 failed (the reason on stderr: no library, too few labels, ...), 2 usage error\n"

/* Prints "cull: " + message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the usage error and a pointer to --help; returns EXIT_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints cmd->usage to stdout; returns EXIT_OK. */
int cli_help(const cli_command *cmd);

/* Opens the library or prints why not (NULL). mode: LIBRARY_CREATE for the commands that add to a
   library (index, label, model use); every other command needs an existing one, so a mistyped --db
   never leaves an empty library behind. */
library *cli_open_library(const cli_globals *g, library_mode mode);

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
/* What cli_print_encoders prints, as data: first the encoder in use with why (nothing counted),
   then for it and every installed encoder how many labelled images it has embedded and what a
   switch would embed (to_embed, about minutes); why is NULL on those. 0, or -1 printed. */
typedef struct {
    const char *name, *why;
    int in_use;
    int64_t embedded, labelled, to_embed;
    double minutes;
} cli_coverage;
int cli_each_coverage(library *lib, void (*fn)(const cli_coverage *c, void *ctx), void *ctx);
/* The same as JSON: {"encoder_in_use": {"name", "why"}, "coverage": [{"encoder", "in_use",
   "labelled_embedded", "labelled", "to_embed", "minutes"}]}; NULL printed on failure. */
struct json_t *cli_encoders_json(library *lib);
/* For status: the labelled images the encoder in use lacks and whose bytes are gone, named. */
int cli_print_gone(library *lib);
/* The same as data: fn gets each one's last known path (NULL: none). 0; 1 when the encoder in use
   cannot be opened here (why in err); -1 printed. */
int cli_each_gone(library *lib, void (*fn)(const char *last_path, void *ctx), void *ctx, char *err, size_t errlen);
/* `cull model use NAME`: records NAME as the library's encoder, then embeds the labelled images
   it lacks (from disk and the Trash). An exit status. */
int cli_model_use(const cli_globals *g, const char *name);

/* The model rank, suspects and report score with: the stored one for encoder_id, retrained first
   when the labels or prompts changed since (or, with need_out_of_fold, when it predates stored
   out-of-fold scores), saying so on stderr, and naming prompts the retrained model had to leave
   out; *retrained (may be NULL) tells whether it was. named: the --encoder given (NULL: the
   library's), whose text tower encodes prompts the stored model has not met. 0, or -1 with the
   error printed. */
int cli_current_model(library *lib, const char *named, const char *encoder_id, int need_out_of_fold, cull_model *out,
                      int *retrained);

/* The same for rank and review (prompts 1): while there are too few labels to train, the zero-shot
   model of the library's prompts (cli/text_match.h) through the text tower of the encoder named
   (NULL: the library's) stands in, and says so; with no prompts the error also says how to add
   one. */
int cli_model_or_prompts(library *lib, const char *named, const char *encoder_id, int need_out_of_fold, int prompts,
                         cull_model *out, int *retrained);

/* ", in memory only: ..." after a message about a model just trained, when lib is read-only (it
   was not stored); else "". */
const char *cli_not_saved(const library *lib);

/* PATH operands that limit a listing to what is at or under them: made absolute (n of them; a
   NULL-terminated array to free with cli_roots_free; fs_is_under_any tests a path), or NULL
   printed. */
char **cli_roots_new(char *const *paths, int n);
void cli_roots_free(char **roots, int n);

/* Parses a whole decimal integer in [min, max]; 0 or -1. */
int cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

/* Default worker count: the cores this process may use. */
int cli_default_jobs(void);

/* A path for a reader of lines: as it is, or quoted as util/quote.h says when it holds a tab, a
   newline, a quote, a backslash or bytes that are not UTF-8. */
void cli_put_path(FILE *f, const char *path);
/* One record's path: its raw bytes when records end in NUL (-z: nothing needs quoting there), else
   as cli_put_path. */
void cli_put_record_path(FILE *f, const char *path, int nul);
/* Ends a record: a NUL with -z, else a newline. */
void cli_end_record(FILE *f, int nul);

/* What `apply --dry-run` and `undo --dry-run` print: BYTES<TAB>PATH records (NUL-ended with nul),
   or with json (set it to json_array()) one object {"files", "bytes", "gone", "items": [{"path",
   "bytes"}]} printed by cli_file_list_finish, which frees it. */
typedef struct {
    int nul;
    struct json_t *json;
} cli_file_list;
/* Checks a dry run's --format (NULL: tsv) and -z for cmd and sets up l: 0, or EXIT_USAGE printed. */
int cli_file_list_options(const cli_command *cmd, int dry_run, const char *format, int nul, cli_file_list *l);
/* An apply_item_fn (safety/apply.h); ctx is a cli_file_list. */
void cli_file_list_item(void *ctx, const char *path, int64_t bytes);
void cli_file_list_finish(cli_file_list *l, const apply_summary *s);

/* What `cull apply` and `cull dupes --trash-copies` (copies) share: plan, ask on the terminal (or
   refuse, exit 2, when there is none and no yes), move to the Trash through safety/apply.h, list
   (dry_run) into list, and report. paths limit it to files under them. The move happens only
   while the plan is the one confirmed on the terminal, or plan (a dry run's id) when given; a
   changed plan moves nothing and exits 1. An exit status. */
int cli_move_to_trash(const cli_globals *g, int copies, int dry_run, int yes, const char *plan, cli_file_list *list,
                      char *const *paths, int n_paths);

#endif
