/*
 * Unit tests for the library (SQLite store), fp16 storage and path helpers.
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
#include "library/prompts.h"
#include "pipeline/prompt_vectors.h"
#include "util/fp16.h"
#include "util/fsutil.h"

static char db_path[256];

static int setup(void **state)
{
    snprintf(db_path, sizeof db_path, "/tmp/cull-test-store-%d/sub/library.db", (int)getpid());
    char err[256];
    library *lib = library_open(db_path, LIBRARY_CREATE, err, sizeof err);
    if (!lib) fprintf(stderr, "%s\n", err);
    *state = lib;
    return lib ? 0 : -1;
}

static int teardown(void **state)
{
    library_close(*state);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf /tmp/cull-test-store-%d", (int)getpid());
    return system(cmd) == 0 ? 0 : -1;
}

static image_meta meta_of(int w, int h, const char *fmt)
{
    image_meta m = {0};
    m.width = w;
    m.height = h;
    m.bytes = 1234;
    snprintf(m.format, sizeof m.format, "%s", fmt);
    return m;
}

static void sha_of(uint8_t sha[32], int n)
{
    memset(sha, 0, 32);
    sha[0] = (uint8_t)n;
    sha[31] = 0xAB;
}

static void test_same_content_is_one_image(void **state)
{
    library *lib = *state;
    uint8_t sha[32];
    sha_of(sha, 1);
    image_meta m = meta_of(10, 20, "png");
    int64_t a, b;
    assert_int_equal(library_begin(lib), 0);
    assert_int_equal(library_put_image(lib, sha, &m, &a), 0);
    assert_int_equal(library_put_image(lib, sha, &m, &b), 0);
    assert_int_equal(library_commit(lib), 0);
    assert_true(a > 0);
    assert_int_equal(a, b);
}

static int count_rows(const library_row *r, void *ctx)
{
    int *n = ctx;
    (*n)++;
    assert_int_equal(r->dim, 4);
    assert_string_equal(r->meta.format, "jpeg");
    return 0;
}

static void test_paths_labels_and_rows(void **state)
{
    library *lib = *state;
    uint8_t sha[32];
    sha_of(sha, 2);
    image_meta m = meta_of(640, 480, "jpeg");
    int64_t id;
    file_stamp st = {100, 5, 7, 9};
    float v[4] = {0.5f, -1.25f, 3.0f, 0.0f};
    assert_int_equal(library_put_image(lib, sha, &m, &id), 0);
    assert_int_equal(library_put_embedding(lib, id, "enc-1", v, 4), 0);
    assert_int_equal(library_put_path(lib, "/a/one.jpg", id, &st), 0);
    assert_int_equal(library_put_path(lib, "/b/two \xff.jpg", id, &st), 0);
    assert_int_equal(library_image_at(lib, "/b/two \xff.jpg"), id);
    assert_int_equal(library_image_at(lib, "/nowhere"), 0);

    int64_t v0 = library_label_version(lib);
    assert_int_equal(library_set_label(lib, id, LABEL_DELETE, "cli"), 0);
    assert_int_equal(library_label_version(lib), v0 + 1);
    assert_int_equal(library_set_label(lib, id, LABEL_DELETE, "cli"), 0);
    assert_int_equal(library_label_version(lib), v0 + 1); /* no change, no new version */
    /* A relabel takes effect both ways (the stored label, not only the version, changes). */
    library_counts c;
    assert_int_equal(library_set_label(lib, id, LABEL_KEEP, "cli"), 0);
    assert_int_equal(library_counts_get(lib, &c), 0);
    assert_true(c.keep == 1 && c.del == 0);
    assert_int_equal(library_set_label(lib, id, LABEL_DELETE, "review"), 0);
    assert_int_equal(library_counts_get(lib, &c), 0);
    assert_true(c.keep == 0 && c.del == 1);
    assert_int_equal(library_label_version(lib), v0 + 3);

    int per_path = 0, per_image = 0;
    assert_int_equal(library_each_row(lib, "enc-1", 1, count_rows, &per_path), 0);
    assert_int_equal(library_each_row(lib, "enc-1", 0, count_rows, &per_image), 0);
    assert_int_equal(per_path, 2);
    assert_int_equal(per_image, 1);

    assert_int_equal(library_set_path_present(lib, "/a/one.jpg", 0), 0);
    assert_int_equal(library_set_path_present(lib, "/b/two \xff.jpg", 0), 0);
    per_path = per_image = 0;
    library_each_row(lib, "enc-1", 1, count_rows, &per_path);
    library_each_row(lib, "enc-1", 0, count_rows, &per_image);
    assert_int_equal(per_path, 0);
    assert_int_equal(per_image, 1); /* a deleted file still teaches the model */

    assert_int_equal(library_counts_get(lib, &c), 0);
    assert_int_equal(c.del, 1);
    assert_int_equal(c.paths_missing, 2);
}

static int first_embedding(const library_row *r, void *ctx)
{
    memcpy(ctx, r->embedding, sizeof(float) * 4);
    return 1;
}

static void test_embedding_round_trip(void **state)
{
    library *lib = *state;
    uint8_t sha[32];
    sha_of(sha, 3);
    image_meta m = meta_of(1, 1, "jpeg");
    int64_t id;
    float v[4] = {0.1f, -2.5f, 1000.0f, 1e-3f}, got[4];
    file_stamp st = {1, 1, 1, 1};
    assert_int_equal(library_put_image(lib, sha, &m, &id), 0);
    assert_int_equal(library_put_path(lib, "/c.jpg", id, &st), 0);
    assert_int_equal(library_put_embedding(lib, id, "enc-2", v, 4), 0);
    assert_int_equal(library_each_row(lib, "enc-2", 1, first_embedding, got), 0);
    for (int i = 0; i < 4; i++) assert_true(fabsf(got[i] - v[i]) <= fabsf(v[i]) * 1e-3f); /* fp16: 11-bit mantissa */
}

static void test_models_latest_wins(void **state)
{
    library *lib = *state;
    library_model m;
    assert_int_equal(library_latest_model(lib, "enc-9", &m), 0);
    assert_int_equal(library_put_model(lib, "enc-9", 3, "{\"a\":1}"), 0);
    assert_int_equal(library_put_model(lib, "enc-9", 4, "{\"a\":2}"), 0);
    assert_int_equal(library_latest_model(lib, "enc-9", &m), 1);
    assert_int_equal(m.label_version, 4);
    assert_string_equal(m.json, "{\"a\":2}");
    library_model_free(&m);
}

/* Prompts move the label version (a model trained before is stale); their vectors come from a
   model that holds them (same number, same text, unit length in the images' space) or not at all
   without a text tower, and the prompts without one are named. */
static void test_prompts_and_known_vectors(void **state)
{
    library *lib = *state;
    int64_t v0 = library_label_version(lib), a, b, c;
    assert_int_equal(library_add_prompt(lib, LABEL_DELETE, "a screenshot of a chat", &a), 0);
    assert_int_equal(library_add_prompt(lib, LABEL_KEEP, "a photo of my family", &b), 0);
    assert_int_equal(library_add_prompt(lib, LABEL_KEEP, "a landscape", &c), 0);
    assert_true(library_label_version(lib) == v0 + 3);
    assert_int_equal(library_remove_prompt(lib, 999), 0);
    assert_true(library_label_version(lib) == v0 + 3);   /* nothing removed, nothing stale */

    model_prompts known = {.dim = 2};
    const float unit[2] = {0.6f, 0.8f}, long_one[2] = {3, 4};
    assert_int_equal(model_prompts_add(&known, a, LABEL_DELETE, "a screenshot of a chat", unit), 0);
    assert_int_equal(model_prompts_add(&known, b, LABEL_KEEP, "a photo of my family", long_one), 0);   /* damaged */
    model_prompts out;
    char err[512];
    assert_int_equal(prompt_vectors_read(lib, NULL, &known, 2, &out, err, sizeof err), 2);
    assert_int_equal(out.n, 1);
    assert_true(out.id[0] == a && out.label[0] == LABEL_DELETE && out.u[0] == 0.6f && out.u[1] == 0.8f);
    char want[64];
    snprintf(want, sizeof want, "prompt %lld, prompt %lld", (long long)b, (long long)c);
    assert_string_equal(err, want);
    model_prompts_free(&out);
    /* Vectors of another length are another space: none of them is taken. */
    assert_int_equal(prompt_vectors_read(lib, NULL, &known, 3, &out, err, sizeof err), 3);
    assert_int_equal(out.n, 0);
    model_prompts_free(&out);
    model_prompts_free(&known);

    assert_int_equal(library_remove_prompt(lib, b), 1);
    assert_true(library_label_version(lib) == v0 + 4);
}

static void test_reopen_keeps_data(void **state)
{
    library *lib = *state;
    uint8_t sha[32];
    sha_of(sha, 4);
    image_meta m = meta_of(3, 3, "gif");
    int64_t id;
    assert_int_equal(library_put_image(lib, sha, &m, &id), 0);
    char err[256];
    library *again = library_open(db_path, LIBRARY_CREATE, err, sizeof err);
    assert_non_null(again);
    library_counts c;
    assert_int_equal(library_counts_get(again, &c), 0);
    assert_true(c.images >= 1);
    library_close(again);
}

static void test_fp16(void **state)
{
    (void)state;
    const float exact[] = {0.0f, 1.0f, -2.0f, 0.5f, 65504.0f, 0x1p-24f, 0x1p-14f};
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        assert_true(fp16_to_float(fp16_from_float(exact[i])) == exact[i]);
    assert_int_equal(fp16_from_float(1.0f), 0x3c00);
    assert_int_equal(fp16_from_float(-2.0f), 0xc000);
    assert_true(isinf(fp16_to_float(fp16_from_float(1e6f))));
    assert_true(isnan(fp16_to_float(fp16_from_float(NAN))));
    assert_int_equal(fp16_from_float(1.0f + 0x1p-11f), 0x3c00);          /* tie → even */
    assert_int_equal(fp16_from_float(1.0f + 3 * 0x1p-11f), 0x3c02);      /* tie → even (up) */
    for (float x = -3.0f; x < 3.0f; x += 0.01f) {
        float y = fp16_to_float(fp16_from_float(x));
        assert_true(fabsf(y - x) <= fabsf(x) * 0x1p-11f + 0x1p-25f);
    }
}

static void test_paths(void **state)
{
    (void)state;
    char out[FS_PATH_MAX];
    assert_int_equal(fs_absolute("/a/./b//c/../d", out, sizeof out), 0);
    assert_string_equal(out, "/a/b/d");
    assert_int_equal(fs_absolute("/..", out, sizeof out), 0);
    assert_string_equal(out, "/");
    assert_int_equal(fs_absolute("x", out, sizeof out), 0);
    assert_true(out[0] == '/' && strcmp(fs_basename(out), "x") == 0);
    assert_true(fs_is_under("/a/b/c.jpg", "/a/b"));
    assert_true(fs_is_under("/a/b", "/a/b"));
    assert_false(fs_is_under("/a/bc/d.jpg", "/a/b"));
    assert_true(fs_is_under("/x", "/"));
    assert_string_equal(fs_basename("/a/b.jpg"), "b.jpg");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_content_is_one_image),
        cmocka_unit_test(test_paths_labels_and_rows),
        cmocka_unit_test(test_embedding_round_trip),
        cmocka_unit_test(test_models_latest_wins),
        cmocka_unit_test(test_prompts_and_known_vectors),
        cmocka_unit_test(test_reopen_keeps_data),
        cmocka_unit_test(test_fp16),
        cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
