/*
 * test_safetensors.c — the safetensors reader on good files and on every kind of lie a header can
 * tell: each must give an error naming the file and the problem, never a bad read (the ASan build
 * runs these too).
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

#include "encoders/safetensors.h"
#include "util/fp16.h"

/* A file in memory: the 8-byte length of json, json, then data_len bytes of data (0x11 each). */
static uint8_t *make_file(const char *json, size_t data_len, size_t *len)
{
    size_t n = strlen(json);
    *len = 8 + n + data_len;
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(buf + 8, json, n);
    memset(buf + 8 + n, 0x11, data_len);
    return buf;
}

/* Opening json + data_len bytes fails with an error that names the file and contains want. */
static void expect_error(const char *json, size_t data_len, const char *want)
{
    size_t len;
    uint8_t *buf = make_file(json, data_len, &len);
    st_file f;
    char err[512] = "";
    int rc = st_open_memory(&f, buf, len, "test.safetensors", err, sizeof err);
    if (rc == 0) {
        st_close(&f);
        free(buf);
        fail_msg("accepted: %s", json);
    }
    if (!strstr(err, "test.safetensors") || !strstr(err, want)) {
        free(buf);
        fail_msg("for %s: error '%s' does not name the file and '%s'", json, err, want);
    }
    free(buf);
}

static void test_good_file(void **state)
{
    (void)state;
    /* F32 [2, 2] at 0..16, F16 [3] at 16..22, BF16 [2] at 22..26, I64 [1] at 26..34, empty F32 [0, 4]. */
    const char *json = "{\"__metadata__\": {\"format\": \"pt\"},"
                       "\"a\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]},"
                       "\"h\": {\"dtype\": \"F16\", \"shape\": [3], \"data_offsets\": [16, 22]},"
                       "\"b\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [22, 26]},"
                       "\"ids\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [26, 34]},"
                       "\"empty\": {\"dtype\": \"F32\", \"shape\": [0, 4], \"data_offsets\": [34, 34]}}  ";
    size_t len;
    uint8_t *buf = make_file(json, 34, &len);
    uint8_t *d = buf + 8 + strlen(json);
    float a[4] = {1.5f, -2.0f, 3.25f, 1e-3f};
    memcpy(d, a, 16);
    uint16_t h[3] = {fp16_from_float(0.5f), fp16_from_float(-65504.0f), fp16_from_float(6e-8f)};
    memcpy(d + 16, h, 6);
    uint16_t bf[2] = {0x3f80, 0xc040}; /* 1.0, -3.0 */
    memcpy(d + 22, bf, 4);
    st_file f;
    char err[256];
    assert_int_equal(st_open_memory(&f, buf, len, "good", err, sizeof err), 0);
    assert_int_equal(f.n_tensors, 5);
    const st_tensor *t = st_find(&f, "a");
    assert_non_null(t);
    assert_int_equal(t->rank, 2);
    assert_int_equal(t->elems, 4);
    float out[4];
    assert_int_equal(st_read_f32(&f, t, out, err, sizeof err), 0);
    assert_memory_equal(out, a, sizeof a);
    assert_int_equal(st_read_f32(&f, st_find(&f, "h"), out, err, sizeof err), 0);
    assert_true(out[0] == 0.5f && out[1] == -65504.0f && out[2] == fp16_to_float(h[2]));
    assert_int_equal(st_read_f32(&f, st_find(&f, "b"), out, err, sizeof err), 0);
    assert_true(out[0] == 1.0f && out[1] == -3.0f);
    assert_int_equal(st_find(&f, "empty")->elems, 0);
    assert_null(st_find(&f, "__metadata__"));
    assert_null(st_find(&f, "nope"));
    /* A dtype cull cannot read as float: a clear error, not garbage. */
    assert_int_equal(st_read_f32(&f, st_find(&f, "ids"), out, err, sizeof err), -1);
    assert_non_null(strstr(err, "I64"));
    st_close(&f);
    free(buf);
}

/* A header whose length is not a multiple of 8 puts F32 data at odd addresses: still read right. */
static void test_unaligned_data(void **state)
{
    (void)state;
    const char *json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}"; /* 55 bytes */
    size_t len;
    uint8_t *buf = make_file(json, 12, &len);
    float x[3] = {1, 2, 3}, out[3];
    memcpy(buf + 8 + strlen(json), x, 12);
    st_file f;
    char err[256];
    assert_int_equal(st_open_memory(&f, buf, len, "odd", err, sizeof err), 0);
    assert_int_equal(st_read_f32(&f, st_find(&f, "x"), out, err, sizeof err), 0);
    assert_memory_equal(out, x, sizeof x);
    st_close(&f);
    free(buf);
}

static void test_bad_length_prefix(void **state)
{
    (void)state;
    st_file f;
    char err[256];
    uint8_t small[5] = {1, 2, 3, 4, 5};
    assert_int_equal(st_open_memory(&f, small, sizeof small, "tiny.st", err, sizeof err), -1);
    assert_non_null(strstr(err, "tiny.st"));
    /* length past the end of the file */
    uint8_t past[16] = {200, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    assert_int_equal(st_open_memory(&f, past, sizeof past, "past.st", err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));
    /* an absurd length (2^63): refused before any allocation */
    uint8_t huge[16] = {0, 0, 0, 0, 0, 0, 0, 0x80, '{', '}'};
    assert_int_equal(st_open_memory(&f, huge, sizeof huge, "huge.st", err, sizeof err), -1);
    assert_non_null(strstr(err, "header length"));
    /* more than ST_MAX_HEADER, even when the file is that large */
    uint64_t big = (uint64_t)ST_MAX_HEADER + 1;
    uint8_t pre[8];
    for (int i = 0; i < 8; i++) pre[i] = (uint8_t)(big >> (8 * i));
    uint64_t n;
    assert_int_equal(st_header_len(pre, big + 100, "big.st", &n, err, sizeof err), -1);
    assert_int_equal(st_header_len((const uint8_t *)"\x02\0\0\0\0\0\0\0", 10, "ok.st", &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
}

static void test_bad_json(void **state)
{
    (void)state;
    expect_error("{\"a\": ", 0, "not valid JSON");
    expect_error("[1, 2, 3]", 0, "not a JSON object");
    expect_error("{\"a\": 5}", 0, "not a JSON object");
    expect_error("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                 " \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8, "not valid JSON");
}

static void test_bad_entries(void **state)
{
    (void)state;
    expect_error("{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4, "no dtype");
    expect_error("{\"w\": {\"dtype\": \"F33\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4, "unknown dtype");
    expect_error("{\"w\": {\"dtype\": 7, \"shape\": [1], \"data_offsets\": [0, 4]}}", 4, "no dtype");
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": 4, \"data_offsets\": [0, 16]}}", 16, "shape");
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,1], \"data_offsets\": [0, 4]}}", 4, "shape");
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4, "dimension 0");
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", 4, "dimension 0");
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4, "data_offsets");
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 4, "data_offsets");
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4, 8]}}", 8, "data_offsets");
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", 4, "data_offsets");
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", 8, "outside");
    /* the data section is shorter than the offsets: a truncated file */
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 15, "truncated");
    /* sizes that do not match the shape and dtype */
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 16]}}", 16, "need 12 bytes");
    expect_error("{\"w\": {\"dtype\": \"F16\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 16, "need 8 bytes");
    /* a shape whose element count overflows 64 bits */
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 16], \"data_offsets\": [0, 0]}}", 0,
                 "overflows");
    /* elements × dtype size overflowing: 2^62 F32 values "in" 0 bytes */
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904], \"data_offsets\": [0, 0]}}", 0,
                 "overflow 64-bit");
    /* an offset too big for an integer */
    expect_error("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 99999999999999999999999]}}", 4,
                 "not valid JSON");
}

static void test_overlaps(void **state)
{
    (void)state;
    expect_error("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                 " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12, "overlap");
    /* one tensor inside another */
    expect_error("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]},"
                 " \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]},"
                 " \"c\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [16, 20]}}", 20, "overlap");
    /* touching is fine; empty tensors share no byte; a gap is allowed */
    size_t len;
    uint8_t *buf = make_file("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                             " \"e\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [4, 4]},"
                             " \"b\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [8, 10]},"
                             " \"c\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [12, 14]}}", 16, &len);
    st_file f;
    char err[256];
    assert_int_equal(st_open_memory(&f, buf, len, "touch", err, sizeof err), 0);
    st_close(&f);
    free(buf);
}

static void test_files_on_disk(void **state)
{
    (void)state;
    st_file f;
    char err[512], dir[] = "/tmp/cull-st-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    assert_int_equal(st_open(&f, "/nonexistent/model.safetensors", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/model.safetensors"));
    assert_int_equal(st_open(&f, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "folder"));
    snprintf(path, sizeof path, "%s/empty.safetensors", dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(st_open(&f, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
    /* a file written with st_build_header reads back */
    st_tensor ts[2] = {{.name = "w", .dtype = ST_F32, .rank = 2, .shape = {2, 3}, .elems = 6},
                       {.name = "b", .dtype = ST_F16, .rank = 1, .shape = {3}, .elems = 3}};
    uint64_t begin[2];
    size_t hlen;
    uint8_t *hdr = st_build_header(ts, 2, begin, &hlen);
    assert_non_null(hdr);
    assert_int_equal(hlen % 8, 0);
    assert_int_equal(begin[0], 0);
    assert_int_equal(begin[1], 24);
    float w[6] = {1, 2, 3, 4, 5, 6};
    uint16_t b[3] = {fp16_from_float(1), fp16_from_float(-1), fp16_from_float(0.25f)};
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fwrite(hdr, 1, hlen, fp);
    fwrite(w, 4, 6, fp);
    fwrite(b, 2, 3, fp);
    fclose(fp);
    free(hdr);
    assert_int_equal(st_open(&f, path, err, sizeof err), 0);
    float out[6];
    assert_int_equal(st_read_f32(&f, st_find(&f, "w"), out, err, sizeof err), 0);
    assert_memory_equal(out, w, sizeof w);
    assert_int_equal(st_read_f32(&f, st_find(&f, "b"), out, err, sizeof err), 0);
    assert_true(out[0] == 1 && out[1] == -1 && out[2] == 0.25f);
    assert_int_equal(f.data_len, 30);
    st_close(&f);
    /* truncated by one byte: refused at open */
    assert_int_equal(truncate(path, (off_t)(hlen + 29)), 0);
    assert_int_equal(st_open(&f, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));
    unlink(path);
    snprintf(path, sizeof path, "%s/empty.safetensors", dir);
    unlink(path);
    rmdir(dir);
}

/* Only the header, as the downloader parses it before fetching any data. */
static void test_header_only(void **state)
{
    (void)state;
    const char *json = "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}";
    st_file f;
    char err[256];
    float out[4];
    assert_int_equal(st_parse_header(&f, json, strlen(json), 8 + strlen(json) + 16, "remote", err, sizeof err), 0);
    assert_int_equal(st_read_f32(&f, st_find(&f, "a"), out, err, sizeof err), -1);
    st_close(&f);
    assert_int_equal(st_parse_header(&f, json, strlen(json), 8 + strlen(json) + 8, "remote", err, sizeof err), -1);
    assert_non_null(strstr(err, "remote"));
    assert_int_equal(st_parse_header(&f, json, strlen(json), 3, "remote", err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_file),
        cmocka_unit_test(test_unaligned_data),
        cmocka_unit_test(test_bad_length_prefix),
        cmocka_unit_test(test_bad_json),
        cmocka_unit_test(test_bad_entries),
        cmocka_unit_test(test_overlaps),
        cmocka_unit_test(test_files_on_disk),
        cmocka_unit_test(test_header_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
