/*
 * options.h — a command's options declared as data, and the one parser every command uses (the
 * way git's parse-options tables work).
 *
 * A command lists its options in a table of cli_option rows, each naming where its value goes
 * and what it accepts, and calls cli_parse_options. Options and operands may come in any order
 * (GNU getopt_long, permuting); "--" ends the options, so an operand may start with "-". The
 * parser checks each value (a choice among words, a whole number or a real number in a range)
 * and prints the usage error itself, in one wording for every command:
 *     cull rank: --format is tsv, json or paths, not 'csv'
 *     cull rank: --limit wants a whole number from 0 up, not 'ten'
 * --help and -h print the command's usage, unless the table has its own "help" row.
 */
#ifndef CULL_CLI_OPTIONS_H
#define CULL_CLI_OPTIONS_H

#include <stdint.h>
#include "cli/cli.h"

typedef enum {
    OPT_FLAG,     /* no value: *(int *)value = 1 */
    OPT_STRING,   /* *(const char **)value = the value, any text */
    OPT_CHOICE,   /* *(const char **)value = the value, one of choices ("tsv|json|paths") */
    OPT_INT,      /* *(int64_t *)value = a whole number in [min, max] */
    OPT_REAL,     /* *(double *)value = a number in [lo, hi], or (lo, hi] with lo_open */
    OPT_CALL,     /* call(value, the value): 0, or −1 when it is wrong (usage error: "wants") */
} cli_option_kind;

typedef struct {
    const char *name;        /* long name without "--" ("dry-run"), or NULL for a short one only */
    char short_name;         /* one-letter form ('z'), or 0; a row with neither ends the table */
    cli_option_kind kind;
    void *value;
    const char *choices;     /* OPT_CHOICE */
    int64_t min, max;        /* OPT_INT */
    double lo, hi;           /* OPT_REAL */
    int lo_open;
    const char *wants;       /* OPT_INT, OPT_REAL, OPT_CALL: what the error says is wanted ("a share
                                of the deletes, above 0 and at most 1"); NULL: said from the range */
    int (*call)(void *value, const char *arg);
} cli_option;

/* Rows, by kind (l: long name or NULL, s: short letter or 0, v: where the value goes). */
#define OPTION_FLAG(l, s, v) {.name = (l), .short_name = (s), .kind = OPT_FLAG, .value = (v)}
#define OPTION_STRING(l, s, v) {.name = (l), .short_name = (s), .kind = OPT_STRING, .value = (v)}
#define OPTION_CHOICE(l, s, v, words) {.name = (l), .short_name = (s), .kind = OPT_CHOICE, .value = (v), .choices = (words)}
#define OPTION_INT(l, s, v, lowest, highest, w) \
    {.name = (l), .short_name = (s), .kind = OPT_INT, .value = (v), .min = (lowest), .max = (highest), .wants = (w)}
#define OPTION_REAL(l, s, v, lowest, open, highest, w)                                                          \
    {.name = (l), .short_name = (s), .kind = OPT_REAL, .value = (v), .lo = (lowest), .lo_open = (open), \
     .hi = (highest), .wants = (w)}
#define OPTION_CALL(l, s, v, fn, w) {.name = (l), .short_name = (s), .kind = OPT_CALL, .value = (v), .call = (fn), .wants = (w)}
#define OPTION_END {.name = NULL}

/* What cli_parse_options returns when the command should go on. */
#define CLI_PARSED (-1)

/* Parses argv[1..] by table. CLI_PARSED with *first the index of the first operand (the operands
   are argv[*first..argc-1]); else the exit status the command returns at once: EXIT_OK after
   printing its usage (--help), EXIT_USAGE after a usage error. */
int cli_parse_options(const cli_command *cmd, const cli_option *table, int argc, char **argv, int *first);

#endif
