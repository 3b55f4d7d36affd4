/*
 * Unit tests for report/: what the report writes into its HTML from the library's bytes, and the
 * metrics of a group of scored images. The expectations are written out by hand from html.h's
 * contract, RFC 4648's base64 vectors and metrics.h's definitions.
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
#include "report/scored.h"

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

/* A group is picked by index (idx NULL: all); a group without both classes has no metrics. */
static void test_scored_metrics(void **state)
{
    /* Ranked by score: delete, keep, delete, keep. */
    const scored_image items[] = {
        {.p = 0.9, .label = LABEL_DELETE},
        {.p = 0.8, .label = LABEL_KEEP},
        {.p = 0.7, .label = LABEL_DELETE},
        {.p = 0.1, .label = LABEL_KEEP},
    };
    metrics m;
    assert_int_equal(scored_metrics(items, NULL, 4, &m), 0);
    assert_int_equal(m.n, 4);
    assert_int_equal(m.n_delete, 2);
    assert_float_equal(m.auc, 3.0 / 4.0, 1e-12);           /* 3 of the 4 delete-keep pairs in order */
    assert_float_equal(m.ap, (1.0 + 2.0 / 3.0) / 2, 1e-12); /* precision 1 at the first delete, 2/3 at the second */

    const size_t ends[] = {3, 0};                           /* the order of idx does not matter */
    assert_int_equal(scored_metrics(items, ends, 2, &m), 0);
    assert_int_equal(m.n, 2);
    assert_float_equal(m.auc, 1.0, 1e-12);
    assert_float_equal(m.ap, 1.0, 1e-12);

    const size_t keeps[] = {1, 3};
    assert_int_equal(scored_metrics(items, keeps, 2, &m), -1);
    assert_int_equal(scored_metrics(items, NULL, 0, &m), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_text),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_scored_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
