/*
 * test_import.c — what `cull import` decides: keep rules parsed (and refused), the marks of XMP
 * packets in each tool's form (element and attribute form, real-number ratings, digiKam's
 * namespace), rejects winning over stars, and catalog paths mapped at folder boundaries only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <glib.h>

#include "library/library.h"
#include "media/xmp.h"
#include "pipeline/importer.h"

#define DESC(attrs) \
    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">" \
    "<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" "                             \
    "xmlns:digiKam=\"http://www.digikam.org/ns/1.0/\" " attrs "/></rdf:RDF></x:xmpmeta>"

static xmp_marks marks(const char *packet)
{
    xmp_marks m;
    char err[256] = "";
    assert_int_equal(xmp_marks_from_packet(packet, strlen(packet), &m, err, sizeof err), 0);
    strcpy(m.source, "sidecar");
    return m;
}

static void test_marks(void **state)
{
    (void)state;
    xmp_marks m = marks(DESC("xmp:Rating=\"3.0\" xmp:Label=\"Green\""));
    assert_true(m.has_rating && m.rating == 3);
    assert_string_equal(m.label, "Green");
    m = marks(DESC("digiKam:PickLabel=\"1\" digiKam:ColorLabel=\"4\""));
    assert_int_equal(m.pick, XMP_PICK_REJECTED);
    assert_int_equal(m.color, 4);
    assert_false(m.has_rating);
    m = marks("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
              "<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"><xmp:Rating>-1</xmp:Rating>"
              "</rdf:Description></rdf:RDF></x:xmpmeta>");
    assert_true(m.has_rating && m.rating == -1);
    m = marks(DESC("xmp:Rating=\"7\" digiKam:PickLabel=\"9\""));   /* out of range: ignored */
    assert_false(m.has_rating);
    assert_int_equal(m.pick, XMP_PICK_NONE);

    xmp_marks bad;
    char err[256];
    const char *dtd = "<!DOCTYPE x [<!ENTITY a \"b\">]>" DESC("xmp:Rating=\"2\"");
    assert_int_equal(xmp_marks_from_packet(dtd, strlen(dtd), &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "DTD"));
    const char *latin1 = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">caf\xe9</x:xmpmeta>";
    assert_int_equal(xmp_marks_from_packet(latin1, strlen(latin1), &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "not UTF-8"));
    assert_int_equal(xmp_marks_from_packet("<x:xmpmeta", 10, &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "malformed"));

    /* UTF-16 with a byte-order mark: converted, so a DTD is still refused and a good packet read. */
    gsize n16;
    char *u16 = g_convert("\xef\xbb\xbf" DESC("xmp:Rating=\"4\""), -1, "UTF-16LE", "UTF-8", NULL, &n16, NULL);
    assert_non_null(u16);
    assert_int_equal(xmp_marks_from_packet(u16, n16, &m, err, sizeof err), 0);
    assert_true(m.has_rating && m.rating == 4);
    g_free(u16);
    u16 = g_convert("\xef\xbb\xbf<!DOCTYPE x [<!ENTITY a \"b\">]>" DESC(""), -1, "UTF-16LE", "UTF-8", NULL, &n16, NULL);
    assert_int_equal(xmp_marks_from_packet(u16, n16, &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "DTD"));
    g_free(u16);
}

static void test_rules(void **state)
{
    (void)state;
    import_rule r;
    char err[256];
    assert_int_equal(import_rule_parse(IMPORT_DEFAULT_RULE, &r, err, sizeof err), 0);
    assert_true(r.pick && r.min_rating == 1 && r.n_labels == 0 && r.colors == 0);
    assert_int_equal(import_rule_parse("rating>=4,label=Red,color=2,color=10", &r, err, sizeof err), 0);
    assert_true(!r.pick && r.min_rating == 4 && r.n_labels == 1 && r.colors == ((1u << 2) | (1u << 10)));
    static const char *const bad[] = {"", ",", "rating>=0", "rating>=6", "rating>=x", "color=11", "label=", "pik"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(import_rule_parse(bad[i], &r, err, sizeof err), -1);
}

static void test_decide(void **state)
{
    (void)state;
    import_rule r;
    char err[256];
    import_rule_parse("pick,rating>=2,label=red", &r, err, sizeof err);
    import_decision d;
    xmp_marks none = {0};
    import_decide(&none, &r, &d);
    assert_int_equal(d.label, LABEL_NONE);
    assert_string_equal(d.why, "no XMP");
    xmp_marks m = marks(DESC("xmp:Rating=\"5\" digiKam:PickLabel=\"1\""));
    import_decide(&m, &r, &d);
    assert_int_equal(d.label, LABEL_DELETE);   /* a reject wins over five stars */
    m = marks(DESC("xmp:Rating=\"1\""));
    import_decide(&m, &r, &d);
    assert_int_equal(d.label, LABEL_NONE);
    assert_string_equal(d.why, "not kept by the rule");
    m = marks(DESC("xmp:Rating=\"2\""));
    import_decide(&m, &r, &d);
    assert_int_equal(d.label, LABEL_KEEP);
    m = marks(DESC("xmp:Label=\"RED\""));
    import_decide(&m, &r, &d);
    assert_int_equal(d.label, LABEL_KEEP);
    m = marks(DESC("digiKam:PickLabel=\"2\""));   /* pending */
    import_decide(&m, &r, &d);
    assert_int_equal(d.label, LABEL_NONE);
    assert_string_equal(d.why, "unrated");
}

static void test_map_root(void **state)
{
    (void)state;
    char *maps[] = {"C:/Users/me/Pictures=/home/me/Pictures", "/Volumes/Photos/=/mnt/photos/"};
    char out[256];
    assert_int_equal(import_map_root("C:/Users/me/Pictures/2024/a.jpg", maps, 2, out, sizeof out), 0);
    assert_string_equal(out, "/home/me/Pictures/2024/a.jpg");
    assert_int_equal(import_map_root("C:/Users/me/Pictures2/a.jpg", maps, 2, out, sizeof out), 0);
    assert_string_equal(out, "C:/Users/me/Pictures2/a.jpg");   /* not at a folder boundary */
    assert_int_equal(import_map_root("/Volumes/Photos/x/b.cr2", maps, 2, out, sizeof out), 0);
    assert_string_equal(out, "/mnt/photos/x/b.cr2");
    assert_int_equal(import_map_root("/Volumes/Photos/x/b.cr2", maps, 2, out, 8), -1);
    char *whole[] = {"/=/mnt/old/"};
    assert_int_equal(import_map_root("/home/me/a.jpg", whole, 1, out, sizeof out), 0);
    assert_string_equal(out, "/mnt/old/home/me/a.jpg");   /* "/" maps every absolute path */
}

int main(void)
{
    if (xmp_start()) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_marks),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_map_root),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmp_stop();
    return rc;
}
