/*
 * Unit tests for report/: what the report writes into its HTML from the library's bytes. The
 * expectations are written out by hand from html.h's contract and RFC 4648's base64 vectors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"

static void assert_html(const char *in, const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    html_text(f, in);
    fclose(f);
    if (strcmp(buf, want) != 0) fail_msg("text [%s]: wanted [%s], got [%s]", in, want, buf);
    free(buf);
}

/* Nothing read from the library can open a tag, an attribute or an entity. */
static void test_html_text(void **state)
{
    assert_html("IMG_0001.jpg", "IMG_0001.jpg");
    assert_html("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
    assert_html("a\" onload=\"x", "a&quot; onload=&quot;x");
    assert_html("it's & that", "it&#39;s &amp; that");
    assert_html("&amp;", "&amp;amp;");                      /* never decoded, always escaped */
    assert_html("tab\there\nnew\rcr", "tab\\there\\nnew\\rcr");
    assert_html("bell\a del\x7f", "bell\\x07 del\\x7f");
    assert_html("caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93");   /* valid UTF-8 stays */
    assert_html("bad \xff\xfe end", "bad \xef\xbf\xbd\xef\xbf\xbd end");   /* each invalid byte: U+FFFD */
    assert_html("", "");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    html_text(f, NULL);                                     /* NULL writes nothing */
    fclose(f);
    assert_int_equal(len, 0);
    free(buf);
}

static void test_base64(void **state)
{
    static const struct {
        const char *in, *out;
    } RFC4648[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
                   {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof RFC4648 / sizeof *RFC4648; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        html_base64(f, RFC4648[i].in, strlen(RFC4648[i].in));
        fclose(f);
        assert_string_equal(buf, RFC4648[i].out);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_text),
        cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
