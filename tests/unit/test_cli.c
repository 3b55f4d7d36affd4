/*
 * test_cli.c — the one option parser (cli/options.c): every kind of row stores its value, values
 * are checked against choices and ranges with the usage error saying what was wanted, options and
 * operands mix in any order, "--" ends the options, --help prints the usage unless the table has
 * its own, and an unknown option is a usage error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/options.h"

static int run_nothing(int argc, char **argv, const cli_globals *g)
{
    (void)argc, (void)argv, (void)g;
    return 0;
}

static const cli_command CMD = {"demo", "a command for the test", "usage: cull demo [OPTIONS] PATH...\n", run_nothing, 0};

typedef struct {
    int flag, z;
    const char *text, *format;
    int64_t limit;
    double share;
    int calls;
    char last_call[32];
} values;

static int take_even(void *value, const char *arg)
{
    values *v = value;
    if (strlen(arg) % 2) return -1;
    v->calls++;
    snprintf(v->last_call, sizeof v->last_call, "%s", arg);
    return 0;
}

/* Parses args (NULL-terminated, after the command name) into v; stderr's text into err. */
static int parse(values *v, char *err, size_t errlen, int *first, const char *const *args)
{
    char *argv[32] = {"demo"};
    int argc = 1;
    while (args[argc - 1]) argv[argc] = (char *)args[argc - 1], argc++;
    memset(v, 0, sizeof *v);
    v->format = "tsv", v->limit = -1, v->share = NAN;
    const cli_option table[] = {
        OPTION_FLAG("flag", 0, &v->flag),
        OPTION_FLAG("null", 'z', &v->z),
        OPTION_STRING("text", 't', &v->text),
        OPTION_CHOICE("format", 0, &v->format, "tsv|json|paths"),
        OPTION_INT("limit", 'n', &v->limit, 0, 100, NULL),
        OPTION_REAL("share", 0, &v->share, 0, 1, 1, "a share above 0 and at most 1"),
        OPTION_CALL("even", 0, v, take_even, "a word of even length"),
        OPTION_END,
    };
    fflush(stderr);
    FILE *saved = stderr, *tmp = tmpfile();
    stderr = tmp;
    int rc = cli_parse_options(&CMD, table, argc, argv, first);
    stderr = saved;
    rewind(tmp);
    size_t n = fread(err, 1, errlen - 1, tmp);
    err[n] = 0;
    fclose(tmp);
    return rc;
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_values(void **state)
{
    (void)state;
    values v;
    char err[1024];
    int first;
    assert_int_equal(parse(&v, err, sizeof err, &first,
                           ARGS("a.jpg", "--flag", "-z", "--text", "hi", "--format=json", "-n", "7", "b.jpg",
                                "--share", "0.25", "--even", "ab", "--even", "wxyz")),
                     CLI_PARSED);
    assert_true(v.flag && v.z);
    assert_string_equal(v.text, "hi");
    assert_string_equal(v.format, "json");
    assert_int_equal(v.limit, 7);
    assert_true(v.share == 0.25);
    assert_int_equal(v.calls, 2);
    assert_string_equal(v.last_call, "wxyz");
    assert_string_equal(err, "");
    /* Operands after the options, in their order. */
    assert_int_equal(first, 14);
}

static void test_operands_and_double_dash(void **state)
{
    (void)state;
    values v;
    char err[1024];
    int first;
    assert_int_equal(parse(&v, err, sizeof err, &first, ARGS("--flag", "--", "-z", "x")), CLI_PARSED);
    assert_true(v.flag);
    assert_false(v.z);   /* after "--": an operand */
    assert_int_equal(first, 3);
    assert_int_equal(parse(&v, err, sizeof err, &first, ARGS("only")), CLI_PARSED);
    assert_int_equal(first, 1);
    assert_string_equal(v.format, "tsv");   /* defaults untouched */
    assert_int_equal(v.limit, -1);
}

static void test_bad_values(void **state)
{
    (void)state;
    values v;
    char err[1024];
    int first;
    assert_int_equal(parse(&v, err, sizeof err, &first, ARGS("--format", "csv")), EXIT_USAGE);
    assert_non_null(strstr(err, "cull demo: --format is tsv, json or paths, not 'csv'"));
    assert_non_null(strstr(err, "(see: cull demo --help)"));
    assert_int_equal(parse(&v, err, sizeof err, &first, ARGS("--limit", "101")), EXIT_USAGE);
    assert_non_null(strstr(err, "--limit wants a whole number from 0 to 100, not '101'"));
    assert_int_equal(parse(&v, err, sizeof err, &first, ARGS("-n", "x")), EXIT_USAGE);
    assert_non_null(strstr(err, "--limit wants a whole number"));
    assert_int_equal(parse(&v, err, sizeof err, &first, ARGS("--share", "0")), EXIT_USAGE);   /* above 0 */
    assert_non_null(strstr(err, "--share wants a share above 0 and at most 1, not '0'"));
    assert_int_equal(parse(&v, err, sizeof err, &first, ARGS("--share", "1")), CLI_PARSED);
    assert_int_equal(parse(&v, err, sizeof err, &first, ARGS("--share", "nan")), EXIT_USAGE);
    assert_int_equal(parse(&v, err, sizeof err, &first, ARGS("--even", "abc")), EXIT_USAGE);
    assert_non_null(strstr(err, "--even wants a word of even length, not 'abc'"));
    assert_int_equal(parse(&v, err, sizeof err, &first, ARGS("--bogus")), EXIT_USAGE);
    assert_non_null(strstr(err, "unknown option"));
    assert_int_equal(parse(&v, err, sizeof err, &first, ARGS("--text")), EXIT_USAGE);   /* its value missing */
}

static void test_help(void **state)
{
    (void)state;
    values v;
    char err[1024];
    int first;
    fflush(stdout);
    FILE *saved = stdout, *tmp = tmpfile();
    stdout = tmp;
    int rc = parse(&v, err, sizeof err, &first, ARGS("x", "--help"));
    stdout = saved;
    rewind(tmp);
    char out[256] = "";
    size_t n = fread(out, 1, sizeof out - 1, tmp);
    out[n] = 0;
    fclose(tmp);
    assert_int_equal(rc, EXIT_OK);
    assert_string_equal(out, CMD.usage);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_operands_and_double_dash),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
