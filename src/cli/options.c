/*
 * options.c — the one option parser; see options.h.
 */
#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t table_size(const cli_option *t)
{
    size_t n = 0;
    while (t[n].name || t[n].short_name) n++;
    return n;
}

/* "--name" or "-n", as the user would type it. */
static const char *shown(const cli_option *o, char *buf, size_t cap)
{
    if (o->name) snprintf(buf, cap, "--%s", o->name);
    else snprintf(buf, cap, "-%c", o->short_name);
    return buf;
}

/* "tsv, json or paths" from "tsv|json|paths". */
static void choice_list(const char *choices, char *out, size_t cap)
{
    size_t n = 0, words = 1;
    for (const char *p = choices; *p; p++) words += *p == '|';
    out[0] = 0;
    for (const char *p = choices; *p && n + 8 < cap;) {
        size_t len = strcspn(p, "|");
        words--;
        n += (size_t)snprintf(out + n, cap - n, "%.*s%s", (int)len, p, words > 1 ? ", " : words == 1 ? " or " : "");
        p += len + (p[len] == '|');
    }
}

static int is_choice(const char *choices, const char *arg)
{
    size_t len = strlen(arg);
    for (const char *p = choices; *p;) {
        size_t w = strcspn(p, "|");
        if (w == len && strncmp(p, arg, len) == 0) return 1;
        p += w + (p[w] == '|');
    }
    return 0;
}

static int parse_real(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

/* Stores arg for o. EXIT_OK, or EXIT_USAGE after printing why. */
static int take(const cli_command *cmd, const cli_option *o, const char *arg)
{
    char name[64], list[256];
    int64_t i;
    double r;
    shown(o, name, sizeof name);
    switch (o->kind) {
    case OPT_FLAG: *(int *)o->value = 1; return EXIT_OK;
    case OPT_STRING: *(const char **)o->value = arg; return EXIT_OK;
    case OPT_CHOICE:
        if (is_choice(o->choices, arg)) {
            *(const char **)o->value = arg;
            return EXIT_OK;
        }
        choice_list(o->choices, list, sizeof list);
        return cli_usage_error(cmd, "%s is %s, not '%s'", name, list, arg);
    case OPT_INT:
        if (cli_parse_int(arg, o->min, o->max, &i) == 0) {
            *(int64_t *)o->value = i;
            return EXIT_OK;
        }
        if (o->wants) return cli_usage_error(cmd, "%s wants %s, not '%s'", name, o->wants, arg);
        if (o->max == INT64_MAX)
            return cli_usage_error(cmd, "%s wants a whole number from %lld up, not '%s'", name, (long long)o->min, arg);
        return cli_usage_error(cmd, "%s wants a whole number from %lld to %lld, not '%s'", name, (long long)o->min,
                               (long long)o->max, arg);
    case OPT_REAL:
        if (parse_real(arg, &r) == 0 && (o->lo_open ? r > o->lo : r >= o->lo) && r <= o->hi) {
            *(double *)o->value = r;
            return EXIT_OK;
        }
        if (o->wants) return cli_usage_error(cmd, "%s wants %s, not '%s'", name, o->wants, arg);
        return cli_usage_error(cmd, "%s wants a number in %c%g, %g], not '%s'", name, o->lo_open ? '(' : '[', o->lo,
                               o->hi, arg);
    case OPT_CALL:
        if (o->call(o->value, arg) == 0) return EXIT_OK;
        return cli_usage_error(cmd, "%s wants %s, not '%s'", name, o->wants ? o->wants : "another value", arg);
    }
    return EXIT_USAGE;
}

int cli_parse_options(const cli_command *cmd, const cli_option *table, int argc, char **argv, int *first)
{
    size_t n = table_size(table);
    int own_help = 0;
    for (size_t i = 0; i < n; i++) own_help |= table[i].name && strcmp(table[i].name, "help") == 0;
    /* getopt_long's tables, made from ours: a long option returns 256 + its row. */
    struct option *longs = calloc(n + 2, sizeof *longs);
    char *shorts = malloc(2 * n + 4);
    if (!longs || !shorts) {
        free(longs), free(shorts);
        cli_error("out of memory");
        return EXIT_SOME_FAILED;
    }
    size_t nl = 0, ns = 0;
    for (size_t i = 0; i < n; i++) {
        int has_arg = table[i].kind == OPT_FLAG ? no_argument : required_argument;
        if (table[i].name) longs[nl++] = (struct option){table[i].name, has_arg, NULL, 256 + (int)i};
        if (table[i].short_name) {
            shorts[ns++] = table[i].short_name;
            if (has_arg == required_argument) shorts[ns++] = ':';
        }
    }
    if (!own_help) {
        longs[nl++] = (struct option){"help", no_argument, NULL, 'h'};
        shorts[ns++] = 'h';
    }
    shorts[ns] = 0;
    optind = 0;   /* glibc: 0 restarts the scan afresh (a command may be run twice in one process) */
    int c, rc = CLI_PARSED;
    while (rc == CLI_PARSED && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        const cli_option *o = NULL;
        if (c >= 256) o = &table[c - 256];
        for (size_t i = 0; !o && c > 0 && c < 256 && i < n; i++)
            if (table[i].short_name == c) o = &table[i];
        if (o) rc = take(cmd, o, optarg) == EXIT_OK ? CLI_PARSED : EXIT_USAGE;
        else if (c == 'h' && !own_help) rc = cli_help(cmd);
        else rc = cli_usage_error(cmd, "unknown option");   /* getopt has said which, and why */
    }
    free(longs), free(shorts);
    *first = optind;
    return rc;
}
