/*
 * Unit tests for `cull review`'s pure parts: the request guard (Host, Origin, Sec-Fetch-Site,
 * token), the token itself, queue order and snapshot bookkeeping, and the review queries.
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

#include "library/actions.h"
#include "library/library.h"
#include "library/image_info.h"
#include "review/assets.h"
#include "review/guard.h"
#include "review/queue.h"
#include "review/token.h"

#define TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static review_request get(const char *path, const char *host)
{
    /* the page's header carries the token */
    return (review_request){.method = "GET", .path = path, .host = host, .header_token = TOKEN};
}

static void test_token(void **state)
{
    char a[REVIEW_TOKEN_CHARS + 1], b[REVIEW_TOKEN_CHARS + 1];
    assert_int_equal(review_token_new(a), 0);
    assert_int_equal(review_token_new(b), 0);
    assert_int_equal(strlen(a), 64);
    assert_int_equal(strspn(a, "0123456789abcdef"), 64);
    assert_string_not_equal(a, b);
    assert_true(review_token_equal(a, a));
    assert_false(review_token_equal(b, a));
    assert_false(review_token_equal(NULL, a));
    assert_false(review_token_equal("", a));
    char shorter[64];
    memcpy(shorter, a, 63);
    shorter[63] = 0;
    assert_false(review_token_equal(shorter, a));
    /* Every character counts, the last as much as the first (random tokens differ early). */
    for (int at = 0; at < REVIEW_TOKEN_CHARS; at++) {
        memcpy(b, a, sizeof a);
        b[at] = a[at] == '0' ? '1' : '0';
        assert_false(review_token_equal(b, a));
    }
    memcpy(b, a, sizeof a);
    assert_true(review_token_equal(b, a));   /* an equal copy, not the same pointer */
}

static void test_hosts(void **state)
{
    review_guard g = {8080, 1, NULL, "desk", TOKEN};
    assert_true(review_host_allowed(&g, "127.0.0.1:8080"));
    assert_true(review_host_allowed(&g, "localhost:8080"));
    assert_true(review_host_allowed(&g, "LOCALHOST:8080"));
    assert_true(review_host_allowed(&g, "[::1]:8080"));
    assert_false(review_host_allowed(&g, "127.0.0.1:8081"));
    assert_false(review_host_allowed(&g, "127.0.0.1"));             /* port 80 implied */
    assert_false(review_host_allowed(&g, "evil.example:8080"));     /* DNS rebinding */
    assert_false(review_host_allowed(&g, "127.0.0.1.evil.example:8080"));
    assert_false(review_host_allowed(&g, "192.168.1.5:8080"));      /* loopback only */
    assert_false(review_host_allowed(&g, "desk:8080"));
    assert_false(review_host_allowed(&g, NULL));
    assert_false(review_host_allowed(&g, ""));
    assert_false(review_host_allowed(&g, ":8080"));
    assert_false(review_host_allowed(&g, "127.0.0.1:8080x"));
    assert_false(review_host_allowed(&g, "[::1:8080"));
    review_guard open = {8080, 0, "0.0.0.0", "desk", TOKEN};
    assert_true(review_host_allowed(&open, "192.168.1.5:8080"));
    assert_true(review_host_allowed(&open, "[fe80::1]:8080"));
    assert_true(review_host_allowed(&open, "desk:8080"));
    assert_true(review_host_allowed(&open, "desk.local:8080"));
    assert_false(review_host_allowed(&open, "evil.example:8080"));
}

static void test_guard(void **state)
{
    review_guard g = {8080, 1, NULL, "", TOKEN};
    review_request r = get("/api/state", "127.0.0.1:8080");
    assert_int_equal(review_guard_check(&g, &r), GUARD_OK);
    r.header_token = NULL;
    assert_int_equal(review_guard_check(&g, &r), GUARD_NO_TOKEN);
    r.header_token = TOKEN;
    assert_int_equal(review_guard_check(&g, &r), GUARD_OK);
    r.header_token = NULL;
    r.query_token = TOKEN;
    assert_int_equal(review_guard_check(&g, &r), GUARD_OK);
    r.query_token = "0123";
    assert_int_equal(review_guard_check(&g, &r), GUARD_NO_TOKEN);

    r = get("/api/state", "evil.example:8080");
    assert_int_equal(review_guard_check(&g, &r), GUARD_BAD_HOST);

    r = get("/api/label", "127.0.0.1:8080");
    r.method = "POST";
    r.origin = "http://127.0.0.1:8080";
    assert_int_equal(review_guard_check(&g, &r), GUARD_OK);
    r.origin = "http://evil.example";
    assert_int_equal(review_guard_check(&g, &r), GUARD_BAD_ORIGIN);
    r.origin = "http://localhost:8080";                /* another origin, though the same server */
    assert_int_equal(review_guard_check(&g, &r), GUARD_BAD_ORIGIN);
    r.origin = "null";
    assert_int_equal(review_guard_check(&g, &r), GUARD_BAD_ORIGIN);
    r.origin = "https://127.0.0.1:8080";
    assert_int_equal(review_guard_check(&g, &r), GUARD_BAD_ORIGIN);
    /* Origins that share the Host's beginning, or that it shares, are other origins: the
       comparison is whole, not a prefix either way (with no Sec-Fetch-Site to fall back on). */
    const char *prefixes[] = {"http://127.0.0.1", "http://127.0.0.1:80", "http://127.0.0.1:808", "http://",
                              "http://127.0.0.1:80800", "http://127.0.0.1:8080.evil.example", "http://127.0.0.1:8080/"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        r.origin = prefixes[i];
        assert_null(r.sec_fetch_site);
        assert_int_equal(review_guard_check(&g, &r), GUARD_BAD_ORIGIN);
    }
    r.origin = NULL;                                    /* curl: no browser marks at all */
    assert_int_equal(review_guard_check(&g, &r), GUARD_OK);
    r.sec_fetch_site = "cross-site";
    assert_int_equal(review_guard_check(&g, &r), GUARD_CROSS_SITE);

    r = get("/api/image/1/thumb", "127.0.0.1:8080");
    r.sec_fetch_site = "same-site";                     /* a page on another port */
    assert_int_equal(review_guard_check(&g, &r), GUARD_CROSS_SITE);
    r.sec_fetch_site = "same-origin";
    assert_int_equal(review_guard_check(&g, &r), GUARD_OK);
    r = get("/", "127.0.0.1:8080");                     /* the page may be opened from a link */
    r.sec_fetch_site = "cross-site";
    assert_int_equal(review_guard_check(&g, &r), GUARD_OK);
    for (guard_verdict v = GUARD_OK; v <= GUARD_MALFORMED; v++) assert_non_null(review_guard_reason(v));
}

/* The page and its assets need no token (they hold no data); everything else does, or for one
   image the signature of its id; the server's finding of malformed syntax wins over all. */
static void test_public_and_signed(void **state)
{
    review_guard g = {8080, 1, NULL, "", TOKEN};
    review_request r = get("/", "127.0.0.1:8080");
    r.header_token = NULL;
    assert_int_equal(review_guard_check(&g, &r), GUARD_OK);
    r.path = "/assets/app.js";
    assert_int_equal(review_guard_check(&g, &r), GUARD_OK);
    r.sec_fetch_site = "same-site";                     /* but not for another port's page */
    assert_int_equal(review_guard_check(&g, &r), GUARD_CROSS_SITE);
    r.sec_fetch_site = NULL;
    r.method = "POST";
    r.path = "/";
    assert_int_equal(review_guard_check(&g, &r), GUARD_NO_TOKEN);

    char sig[REVIEW_TOKEN_CHARS + 1], other[REVIEW_TOKEN_CHARS + 1];
    review_image_sig(TOKEN, 17, sig);
    review_image_sig(TOKEN, 18, other);
    assert_int_equal(strlen(sig), REVIEW_TOKEN_CHARS);
    assert_string_not_equal(sig, other);
    r = get("/api/image/17/thumb", "127.0.0.1:8080");
    r.header_token = NULL;
    r.query_sig = sig;
    assert_int_equal(review_guard_check(&g, &r), GUARD_OK);
    r.path = "/api/image/17/display";                   /* one id, every size */
    assert_int_equal(review_guard_check(&g, &r), GUARD_OK);
    const char *refused[] = {"/api/image/18/thumb", "/api/image/017/thumb", "/api/image/17", "/api/image/17x/thumb",
                             "/api/state", "/api/label", "/api/image//thumb"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        r.path = refused[i];
        assert_int_equal(review_guard_check(&g, &r), GUARD_NO_TOKEN);
    }
    r.path = "/api/image/17/thumb";
    r.method = "POST";                                  /* a signature never writes */
    assert_int_equal(review_guard_check(&g, &r), GUARD_NO_TOKEN);
    r.method = "GET";
    review_image_sig("another run's token, as long as ours is: 0123456789abcdef0123456789ab", 17, other);
    r.query_sig = other;
    assert_int_equal(review_guard_check(&g, &r), GUARD_NO_TOKEN);
    r.query_sig = sig;
    r.malformed = "a security header was sent twice";
    assert_int_equal(review_guard_check(&g, &r), GUARD_MALFORMED);
}

/* Ports are 1–5 digits: no sign, no leading zero, no space. */
static void test_strict_ports(void **state)
{
    review_guard g = {8080, 1, NULL, "", TOKEN};
    const char *odd[] = {"127.0.0.1:08080", "127.0.0.1:+8080", "127.0.0.1: 8080", "127.0.0.1:8080 ", "127.0.0.1:",
                         "127.0.0.1:000008080", "[::1]:08080", "127.0.0.1:-8080"};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) assert_false(review_host_allowed(&g, odd[i]));
    assert_true(review_host_allowed(&g, "127.0.0.1:8080"));
}

static review_item item(int64_t id, double p, int label, const char *path)
{
    return (review_item){id, p, strdup(path), (int8_t)label, 0};
}

static void test_queues(void **state)
{
    review_snapshot s = {.items = calloc(8, sizeof(review_item))};
    s.items[s.n++] = item(5, 0.9, LABEL_NONE, "/p/b/x.jpg");
    s.items[s.n++] = item(2, 0.55, LABEL_NONE, "/p/a/y.jpg");
    s.items[s.n++] = item(9, 0.1, LABEL_NONE, "/p/a/c/z.jpg");
    s.items[s.n++] = item(7, 0.95, LABEL_KEEP, "/p/k.jpg");    /* a suspect: kept, looks like a delete */
    s.items[s.n++] = item(3, 0.6, LABEL_DELETE, "/p/d.jpg");
    s.items[s.n++] = item(5, 0.9, LABEL_NONE, "/p/z/dup.jpg"); /* a second path of image 5 */
    snapshot_finish(&s);
    assert_int_equal(s.n, 5);
    assert_string_equal(snapshot_find(&s, 5)->path, "/p/b/x.jpg");   /* the first added wins */
    assert_null(snapshot_find(&s, 4));

    size_t idx[8];
    assert_int_equal(queue_select(&s, QUEUE_LIKELY, idx, 8), 3);
    assert_int_equal(s.items[idx[0]].id, 5);
    assert_int_equal(s.items[idx[1]].id, 2);
    assert_int_equal(s.items[idx[2]].id, 9);
    assert_int_equal(queue_select(&s, QUEUE_UNCERTAIN, idx, 1), 3);
    assert_int_equal(s.items[idx[0]].id, 2);
    assert_int_equal(queue_select(&s, QUEUE_SUSPECTS, idx, 8), 2);
    assert_int_equal(s.items[idx[0]].id, 7);                          /* disagrees by 0.95 */
    assert_int_equal(s.items[idx[1]].id, 3);                          /* by 0.4 */
    assert_int_equal(queue_select(&s, QUEUE_FOLDER, idx, 8), 5);
    const char *want[] = {"/p/d.jpg", "/p/k.jpg", "/p/a/y.jpg", "/p/a/c/z.jpg", "/p/b/x.jpg"};
    for (int i = 0; i < 5; i++) assert_string_equal(s.items[idx[i]].path, want[i]);

    snapshot_find(&s, 5)->seen = 1;                                     /* decided this run */
    assert_int_equal(queue_select(&s, QUEUE_LIKELY, idx, 8), 2);
    assert_int_equal(s.items[idx[0]].id, 2);
    assert_int_equal(queue_select(&s, QUEUE_FOLDER, idx, 8), 4);

    for (size_t i = 0; i < s.n; i++) s.items[i].p = NAN;                /* no model: folder order */
    assert_int_equal(queue_select(&s, QUEUE_LIKELY, idx, 8), 2);
    assert_string_equal(s.items[idx[0]].path, "/p/a/y.jpg");
    snapshot_free(&s);

    queue_kind k;
    assert_int_equal(queue_parse("suspects", &k), 0);
    assert_int_equal(k, QUEUE_SUSPECTS);
    assert_string_equal(queue_name(k), "suspects");
    assert_int_equal(queue_parse("best", &k), -1);
    assert_int_equal(queue_parse(NULL, &k), -1);
}

static void test_folder_order(void **state)
{
    assert_true(queue_folder_cmp("/a/z.jpg", "/a/b/a.jpg") < 0);     /* a folder's files, then its subfolders */
    assert_true(queue_folder_cmp("/a/b/a.jpg", "/a/c.jpg") > 0);
    assert_true(queue_folder_cmp("/a/b/a.jpg", "/a/b/b.jpg") < 0);
    assert_int_equal(queue_folder_cmp("/a/b.jpg", "/a/b.jpg"), 0);
}

static void test_assets(void **state)
{
    const review_asset *page = review_asset_find("index.html");
    assert_non_null(page);
    assert_true(page->len > 100 && page->data[page->len] == 0);
    assert_non_null(strstr((const char *)page->data, "/assets/app.js"));
    assert_non_null(review_asset_find("app.js"));
    assert_non_null(review_asset_find("app.css"));
    assert_null(review_asset_find("../Makefile"));
    assert_string_equal(review_asset_type("app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(review_asset_type("x"), "application/octet-stream");
}

static int n_collected;
static int collect(const char *p, const file_stamp *s, void *ctx)
{
    char (*seen)[32] = ctx;
    assert_true(n_collected < 2);      /* the gone path is not listed */
    assert_int_equal(s->size, 1234);
    snprintf(seen[n_collected++], 32, "%s", p);
    return 0;
}

static void test_image_info(void **state)
{
    char path[256], err[256];
    snprintf(path, sizeof path, "/tmp/cull-test-review-%d/library.db", (int)getpid());
    library *lib = library_open(path, LIBRARY_CREATE, err, sizeof err);
    assert_non_null(lib);
    image_meta m = {640, 480, 1234, "jpeg", "Canon", "Canon EOS 5D", "2023:05:01 12:00:00"};
    uint8_t sha[32] = {7};
    int64_t id;
    assert_int_equal(library_put_image(lib, sha, &m, &id), 0);
    file_stamp st = {1234, 5, 6, 7};
    assert_int_equal(library_put_path(lib, "/x/b.jpg", id, &st), 0);
    assert_int_equal(library_put_path(lib, "/x/a.jpg", id, &st), 0);
    assert_int_equal(library_put_path(lib, "/x/gone.jpg", id, &st), 0);
    assert_int_equal(library_set_path_present(lib, "/x/gone.jpg", 0), 0);
    assert_int_equal(library_set_label(lib, id, LABEL_DELETE, "folder"), 0);

    library_image img;
    assert_int_equal(library_image_get(lib, id, &img), 1);
    assert_int_equal(img.meta.width, 640);
    assert_string_equal(img.meta.model, "Canon EOS 5D");
    assert_int_equal(img.label, LABEL_DELETE);
    assert_string_equal(img.label_source, "folder");
    assert_memory_equal(img.sha256, sha, 32);
    assert_int_equal(library_image_get(lib, id + 100, &img), 0);

    char seen[2][32];
    assert_int_equal(library_image_files(lib, id, collect, seen), 0);
    assert_int_equal(n_collected, 2);
    assert_string_equal(seen[0], "/x/a.jpg");
    assert_string_equal(seen[1], "/x/b.jpg");
    library_close(lib);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf /tmp/cull-test-review-%d", (int)getpid());
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token),        cmocka_unit_test(test_hosts),  cmocka_unit_test(test_guard),
        cmocka_unit_test(test_public_and_signed), cmocka_unit_test(test_strict_ports),
        cmocka_unit_test(test_queues),       cmocka_unit_test(test_folder_order),
        cmocka_unit_test(test_assets),       cmocka_unit_test(test_image_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
