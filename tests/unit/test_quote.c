/*
 * Unit tests for util/quote.h: which paths are quoted, and how. Each expectation is written out
 * by hand from git's rules (quote_c_style with core.quotePath off); tests/e2e/quoting.sh also
 * compares with git itself on real file names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/quote.h"

static void assert_quoted(const char *path, const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    quote_path(f, path);
    fclose(f);
    if (strcmp(buf, want) != 0) fail_msg("path [%s]: wanted [%s], got [%s]", path, want, buf);
    assert_int_equal(quote_needed(path), strcmp(path, want) != 0);
    free(buf);
}

static void test_plain_paths_stay(void **state)
{
    (void)state;
    assert_quoted("/home/me/Pictures/IMG_0001.JPG", "/home/me/Pictures/IMG_0001.JPG");
    assert_quoted("/a b/c %d/'single' #$&*?", "/a b/c %d/'single' #$&*?");
    assert_quoted("/photos/été/日本/ключ.jpg", "/photos/été/日本/ключ.jpg"); /* valid UTF-8 stays */
    assert_quoted("/emoji/\xf0\x9f\x93\xb7.png", "/emoji/\xf0\x9f\x93\xb7.png");
    assert_quoted("", "");
}

static void test_line_breakers_are_escaped(void **state)
{
    (void)state;
    assert_quoted("/a\tb", "\"/a\\tb\"");
    assert_quoted("/line\nbreak", "\"/line\\nbreak\"");
    assert_quoted("/cr\r", "\"/cr\\r\"");
    assert_quoted("/q\"uote", "\"/q\\\"uote\"");
    assert_quoted("/back\\slash", "\"/back\\\\slash\"");
    assert_quoted("/bell\a\b\v\f", "\"/bell\\a\\b\\v\\f\"");
    assert_quoted("/esc\x1b[0m", "\"/esc\\033[0m\"");
    assert_quoted("/del\x7f", "\"/del\\177\"");
    assert_quoted("/\x01", "\"/\\001\"");
}

static void test_invalid_utf8_is_octal(void **state)
{
    (void)state;
    assert_quoted("/latin1-\xe9t\xe9.jpg", "\"/latin1-\\351t\\351.jpg\"");
    assert_quoted("/cut-\xe6\x97", "\"/cut-\\346\\227\"");                   /* a sequence cut short */
    assert_quoted("/overlong-\xc0\xaf", "\"/overlong-\\300\\257\"");         /* overlong "/" */
    assert_quoted("/surrogate-\xed\xa0\x80", "\"/surrogate-\\355\\240\\200\"");
    assert_quoted("/too-big-\xf4\x90\x80\x80", "\"/too-big-\\364\\220\\200\\200\"");
    assert_quoted("/mixed-é-\xff-\t", "\"/mixed-é-\\377-\\t\"");             /* valid UTF-8 kept inside quotes */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_paths_stay),
        cmocka_unit_test(test_line_breakers_are_escaped),
        cmocka_unit_test(test_invalid_utf8_is_octal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
