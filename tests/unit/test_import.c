/*
 * test_import.c — what `cull import` decides: keep rules parsed (and refused), the marks of XMP
 * packets in each tool's form (element and attribute form, real-number ratings, digiKam's
 * namespace), rejects winning over stars, and catalog paths mapped at folder boundaries only;
 * and what `cull export xmp` writes: its properties merged into a packet, its flag set only where
 * the user has none, taken back when no longer asked, invisible to import, no rewrite when
 * nothing changes; and which sidecar name it writes in each folder style.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* export packet → text; asserts it succeeded. */
static char *exported(const char *in, double p, xmp_mark_kind mark, const char *label, const char *date,
                      xmp_export_result *r)
{
    xmp_export e = {p, "logistic regression on lite-1, 40 labels", date, mark, label};
    char *out, err[256] = "";
    size_t len;
    assert_int_equal(xmp_export_packet(in, in ? strlen(in) : 0, &e, &out, &len, r, err, sizeof err), 0);
    assert_int_equal(strlen(out), len);
    return out;
}

static int has(const char *packet, const char *text) { return strstr(packet, text) != NULL; }

static void test_export_packet(void **state)
{
    (void)state;
    xmp_export_result r;
    /* New: cull's three properties, no wrapper (none to keep). */
    char *a = exported(NULL, 0.87314, XMP_MARK_NONE, NULL, "2026-12-06T01:00:00Z", &r);
    assert_true(r.changed && !r.marked && !r.refused);
    assert_true(has(a, "<cull:PDelete>0.8731</cull:PDelete>") && has(a, "<cull:Date>2026-12-06T01:00:00Z</cull:Date>"));
    assert_true(has(a, "lite-1, 40 labels") && !has(a, "<?xpacket"));
    /* The same again: nothing to change, and the date stays the first export's. */
    char *b = exported(a, 0.87314, XMP_MARK_NONE, NULL, "2026-12-07T01:00:00Z", &r);
    assert_false(r.changed);
    assert_true(has(b, "2026-12-06T01:00:00Z"));
    g_free(b);
    b = exported(a, 0.5, XMP_MARK_NONE, NULL, "2026-12-07T01:00:00Z", &r);
    assert_true(r.changed && has(b, "<cull:PDelete>0.5000") && has(b, "2026-12-07T01:00:00Z"));
    g_free(a), g_free(b);

    /* The user's properties stay, and the packet wrapper with them. */
    const char *busy = "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
        "<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\""
        " xmp:Rating=\"3\"><dc:subject><rdf:Bag><rdf:li>holiday</rdf:li><rdf:li>sea</rdf:li></rdf:Bag></dc:subject>"
        "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>";
    a = exported(busy, 0.9, XMP_MARK_REJECT, NULL, "d", &r);
    assert_true(r.changed && !r.marked && r.refused);   /* rated 3: a reject is not cull's to set */
    assert_true(has(a, "<?xpacket begin") && has(a, "<rdf:li>holiday</rdf:li>") && has(a, "<rdf:li>sea</rdf:li>"));
    assert_true(marks(a).has_rating && marks(a).rating == 3);
    g_free(a);

    /* An unrated image: cull's reject is set and recorded, and import does not see it. */
    a = exported(DESC("xmp:Rating=\"0\" xmp:Label=\"Red\""), 0.9, XMP_MARK_REJECT, NULL, "d", &r);
    assert_true(r.marked && has(a, "<xmp:Rating>-1</xmp:Rating>") && has(a, "<cull:MarkWas>0</cull:MarkWas>"));
    xmp_marks m = marks(a);
    assert_true(m.has_rating && m.rating == 0);
    assert_string_equal(m.label, "Red");
    /* Asked again: unchanged. Not asked: taken back to the user's 0. */
    b = exported(a, 0.9, XMP_MARK_REJECT, NULL, "d2", &r);
    assert_true(!r.changed && r.marked);
    g_free(b);
    b = exported(a, 0.9, XMP_MARK_NONE, NULL, "d2", &r);
    assert_true(r.changed && !r.marked && has(b, "<xmp:Rating>0</xmp:Rating>") && !has(b, "cull:Mark"));
    g_free(b);
    /* The user changed cull's flag since (rated it 2): that is theirs, and stays. */
    char *user = g_strdup(a);
    char *at = strstr(user, "<xmp:Rating>-1</xmp:Rating>");
    memcpy(at, "<xmp:Rating>2 </xmp:Rating>", 27);
    b = exported(user, 0.2, XMP_MARK_NONE, NULL, "d2", &r);
    assert_true(marks(b).rating == 2 && !has(b, "cull:Mark"));
    g_free(a), g_free(b), g_free(user);

    /* A pick flag where there is none; refused over the user's accepted pick; a label likewise. */
    a = exported(DESC(""), 0.7, XMP_MARK_PICK, NULL, "d", &r);
    assert_true(r.marked && has(a, "<digiKam:PickLabel>2</digiKam:PickLabel>"));
    assert_int_equal(marks(a).pick, XMP_PICK_NONE);
    b = exported(a, 0.7, XMP_MARK_NONE, NULL, "d", &r);
    assert_false(has(b, "PickLabel"));
    g_free(a), g_free(b);
    a = exported(DESC("digiKam:PickLabel=\"3\""), 0.7, XMP_MARK_PICK, NULL, "d", &r);
    assert_true(r.refused && marks(a).pick == XMP_PICK_ACCEPTED);
    g_free(a);
    a = exported(DESC("xmp:Label=\"Green\""), 0.7, XMP_MARK_LABEL, "cull", "d", &r);
    assert_true(r.refused && has(a, "Green") && !has(a, ">cull<"));
    g_free(a);
    a = exported(DESC(""), 0.7, XMP_MARK_LABEL, "cull", "d", &r);
    assert_true(r.marked && has(a, "<xmp:Label>cull</xmp:Label>"));
    assert_string_equal(marks(a).label, "");
    g_free(a);

    /* Hostile input is refused as on reading. */
    xmp_export e = {0.5, "m", "d", XMP_MARK_NONE, NULL};
    char *out, err[256];
    size_t len;
    const char *dtd = "<!DOCTYPE x [<!ENTITY a \"b\">]>" DESC("xmp:Rating=\"2\"");
    assert_int_equal(xmp_export_packet(dtd, strlen(dtd), &e, &out, &len, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "DTD"));
    /* exempi writes a namespace URI holding a quote back unescaped: refused, never written. */
    const char *quoted = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
                         "<rdf:Description rdf:about=\"\" xmlns:t='http://example.com/\"q\"/' t:V=\"1\"/></rdf:RDF></x:xmpmeta>";
    assert_int_equal(xmp_export_packet(quoted, strlen(quoted), &e, &out, &len, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "not written"));
}

static void touch(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

/* The sidecar export writes for dir/name, and whether it exists. */
static const char *sidecar_for(xmp_folder *f, const char *dir, const char *name, int *exists)
{
    static char out[4096];
    char image[512], err[512] = "";
    snprintf(image, sizeof image, "%s/%s", dir, name);
    assert_int_equal(xmp_sidecar_to_write(f, image, out, exists, err, sizeof err), 0);
    const char *slash = strrchr(out, '/');
    return slash ? slash + 1 : out;
}

static void test_sidecar_names(void **state)
{
    (void)state;
    char adobe[] = "/tmp/cull-xmp-names-XXXXXX", full[] = "/tmp/cull-xmp-full-XXXXXX";
    assert_non_null(mkdtemp(adobe));
    assert_non_null(mkdtemp(full));
    /* Lightroom's folder: IMG.xmp; a RAW+JPEG pair whose sidecar is the RAW's. */
    const char *a_names[] = {"a.jpg", "a.xmp", "b.jpg", "c.CR2", "c.JPG", "c.xmp", "d.nef", "d.jpg"};
    for (size_t i = 0; i < sizeof a_names / sizeof *a_names; i++) touch(adobe, a_names[i]);
    xmp_folder f = {0};
    int exists;
    assert_string_equal(sidecar_for(&f, adobe, "a.jpg", &exists), "a.xmp");
    assert_true(exists);
    assert_string_equal(sidecar_for(&f, adobe, "b.jpg", &exists), "b.xmp");   /* new, in the folder's style */
    assert_false(exists);
    assert_string_equal(sidecar_for(&f, adobe, "c.CR2", &exists), "c.xmp");
    assert_true(exists);
    assert_string_equal(sidecar_for(&f, adobe, "c.JPG", &exists), "c.JPG.xmp");   /* not the RAW's */
    assert_false(exists);
    assert_string_equal(sidecar_for(&f, adobe, "d.jpg", &exists), "d.jpg.xmp");   /* shared stem: no Adobe name */
    /* darktable's folder: IMG.ext.xmp, for new ones too. */
    const char *f_names[] = {"x.jpg", "x.jpg.xmp", "y.png", "z.jpg", "z.xmp"};
    for (size_t i = 0; i < sizeof f_names / sizeof *f_names; i++) touch(full, f_names[i]);
    assert_string_equal(sidecar_for(&f, full, "x.jpg", &exists), "x.jpg.xmp");
    assert_string_equal(sidecar_for(&f, full, "y.png", &exists), "y.png.xmp");
    assert_false(exists);
    assert_string_equal(sidecar_for(&f, full, "z.jpg", &exists), "z.xmp");   /* an existing one is used */
    assert_true(exists);
    /* A sidecar that is a symbolic link is not written through. */
    char link[512], image[512], out[4096], err[512] = "";
    snprintf(link, sizeof link, "%s/w.jpg.xmp", full);
    assert_int_equal(symlink("/etc/passwd", link), 0);
    touch(full, "w.jpg");
    xmp_folder_free(&f);
    snprintf(image, sizeof image, "%s/w.jpg", full);
    assert_int_equal(xmp_sidecar_to_write(&f, image, out, &exists, err, sizeof err), -1);
    assert_non_null(strstr(err, "symbolic link"));
    xmp_folder_free(&f);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", adobe, full);
    assert_int_equal(system(cmd), 0);
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
        cmocka_unit_test(test_export_packet),
        cmocka_unit_test(test_sidecar_names),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmp_stop();
    return rc;
}
