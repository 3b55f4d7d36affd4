/*
 * test_fetch.c — fetching a model.safetensors from a hub (fetch/hf_weights.c over http_get.c),
 * against a server in this process (libmicrohttpd) that misbehaves on purpose:
 *   - a joint checkpoint: only the vision tensors come, byte for byte, one range request per run
 *     of adjacent tensors, and the file written is a valid safetensors of exactly those;
 *   - a connection cut in the middle of a range: retried, resumed after the bytes delivered;
 *   - a file that changes on the server between requests (ETag): refused;
 *   - a server that ignores Range: refused, saying why;
 *   - a vision-only file: downloaded whole, checked against the hub's SHA-256 (a wrong one
 *     refused and the partial file removed);
 *   - a download cut short for good: the next run resumes after what it has.
 * The checkpoint is written here by hand (its JSON header with snprintf), not by the code tested.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <microhttpd.h>
#include <openssl/evp.h>

#include "encoders/safetensors.h"
#include "fetch/hf_weights.h"

/* ---- a checkpoint, by hand ---------------------------------------------------------------- */

typedef struct {
    const char *name;
    int elems;
} tensor_spec;

/* A joint checkpoint in file order: text and vision tensors interleaved so the vision ones form
   two runs (x+y adjacent, then the projection). */
static const tensor_spec JOINT[] = {
    {"text_model.embeddings.weight", 300}, {"vision_model.embeddings.weight", 200},
    {"vision_model.post_layernorm.weight", 70}, {"text_projection.weight", 90},
    {"visual_projection.weight", 40},        {"logit_scale", 1},
};
static const tensor_spec VISION_ONLY[] = {{"vision_model.a", 500}, {"visual_projection.weight", 60}};

typedef struct {
    uint8_t *bytes;
    size_t len;
    size_t data_start;
} checkpoint;

static checkpoint make_checkpoint(const tensor_spec *t, size_t n, unsigned seed)
{
    char json[4096];
    size_t at = 0, off = 0;
    at += (size_t)snprintf(json + at, sizeof json - at, "{\"__metadata__\":{\"format\":\"pt\"}");
    for (size_t i = 0; i < n; i++) {
        at += (size_t)snprintf(json + at, sizeof json - at, ",\"%s\":{\"dtype\":\"F32\",\"shape\":[%d],"
                               "\"data_offsets\":[%zu,%zu]}", t[i].name, t[i].elems, off, off + 4 * (size_t)t[i].elems);
        off += 4 * (size_t)t[i].elems;
    }
    at += (size_t)snprintf(json + at, sizeof json - at, "}");
    checkpoint c = {NULL, 8 + at + off, 8 + at};
    c.bytes = malloc(c.len);
    assert_non_null(c.bytes);
    for (int b = 0; b < 8; b++) c.bytes[b] = (uint8_t)((uint64_t)at >> (8 * b));
    memcpy(c.bytes + 8, json, at);
    srand(seed);
    for (size_t i = c.data_start; i < c.len; i++) c.bytes[i] = (uint8_t)rand();
    return c;
}

static void sha256_hex(const uint8_t *p, size_t n, char out[65])
{
    uint8_t d[32];
    unsigned int len;
    EVP_Digest(p, n, d, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

/* ---- the server ----------------------------------------------------------------------------- */

typedef struct {
    checkpoint file;
    char etag[64], linked_etag[80];
    int honour_range;          /* 0: answer 200 with the whole file */
    int cut_after;             /* > 0: cut the next data answer after this many bytes */
    int cut_times;             /* how many answers to cut so (then behave) */
    int etag_changes_at;       /* > 0: from this request on, another ETag */
    int broken_after_cut;      /* once the cuts are spent, data answers are 503 */
    int requests, data_requests;
    long long data_from[64];   /* where each range request past the header started */
} server;

typedef struct {
    const uint8_t *p;
    size_t len, cut;
} cut_body;

static ssize_t cut_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    cut_body *b = cls;
    if (pos >= b->cut) return MHD_CONTENT_READER_END_WITH_ERROR;   /* the connection drops */
    size_t n = b->cut - (size_t)pos < max ? b->cut - (size_t)pos : max;
    memcpy(buf, b->p + pos, n);
    return (ssize_t)n;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_len, void **state)
{
    (void)url, (void)method, (void)version, (void)upload, (void)upload_len;
    server *s = cls;
    if (!*state) {   /* the first call is for the headers only */
        *state = s;
        return MHD_YES;
    }
    s->requests++;
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    unsigned long long from = 0, to = s->file.len - 1;
    int ranged = s->honour_range && range && sscanf(range, "bytes=%llu-%llu", &from, &to) >= 1;
    if (ranged && to >= s->file.len) to = s->file.len - 1;
    if (!ranged) from = 0, to = s->file.len - 1;
    size_t n = (size_t)(to - from + 1);
    if (ranged && from >= s->file.data_start && s->data_requests < 64) s->data_from[s->data_requests++] = (long long)from;
    struct MHD_Response *r;
    if (ranged && from >= s->file.data_start && s->broken_after_cut && s->cut_times == 0) {
        r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
        enum MHD_Result ok = MHD_queue_response(c, 503, r);
        MHD_destroy_response(r);
        return ok;
    }
    if (ranged && from >= s->file.data_start && s->cut_after > 0 && s->cut_times > 0 && n > (size_t)s->cut_after) {
        s->cut_times--;
        cut_body *b = malloc(sizeof *b);
        *b = (cut_body){s->file.bytes + from, n, (size_t)s->cut_after};
        r = MHD_create_response_from_callback(n, 4096, cut_reader, b, free);
    } else {
        r = MHD_create_response_from_buffer(n, s->file.bytes + from, MHD_RESPMEM_PERSISTENT);
    }
    char header[128];
    snprintf(header, sizeof header, "\"%s%s\"", s->etag, s->etag_changes_at && s->requests >= s->etag_changes_at ? "-new" : "");
    MHD_add_response_header(r, "ETag", header);
    snprintf(header, sizeof header, "%zu", s->file.len);
    MHD_add_response_header(r, "X-Linked-Size", header);
    if (s->linked_etag[0]) MHD_add_response_header(r, "X-Linked-Etag", s->linked_etag);
    if (ranged) {
        snprintf(header, sizeof header, "bytes %llu-%llu/%zu", from, to, s->file.len);
        MHD_add_response_header(r, "Content-Range", header);
    }
    enum MHD_Result ok = MHD_queue_response(c, ranged ? 206 : 200, r);
    MHD_destroy_response(r);
    return ok;
}

typedef struct {
    server s;
    struct MHD_Daemon *d;
    char url[128], dir[64];
} fixture;

static void start(fixture *f, const tensor_spec *t, size_t n)
{
    memset(&f->s, 0, sizeof f->s);
    f->s.file = make_checkpoint(t, n, 7);
    f->s.honour_range = 1;
    snprintf(f->s.etag, sizeof f->s.etag, "etag-1");
    f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, &f->s, MHD_OPTION_END);
    assert_non_null(f->d);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u/model.safetensors", (unsigned)info->port);
    snprintf(f->dir, sizeof f->dir, "/tmp/cull-test-fetch-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
}

static void stop(fixture *f)
{
    MHD_stop_daemon(f->d);
    free(f->s.file.bytes);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
}

/* Every tensor of the written file is the source's tensor of that name, byte for byte, and the
   file holds exactly the tower's (the vision tower: model.safetensors; the text tower, named here
   independently of the code tested: text_model.safetensors). */
static void assert_tower_extracted(const fixture *f, hf_tower tower)
{
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/%s", f->dir, tower == HF_VISION_TOWER ? "model.safetensors" : "text_model.safetensors");
    st_file out, src;
    assert_int_equal(st_open(&out, path, err, sizeof err), 0);
    assert_int_equal(st_open_memory(&src, f->s.file.bytes, f->s.file.len, "source", err, sizeof err), 0);
    size_t vision = 0;
    for (size_t i = 0; i < src.n_tensors; i++) {
        const st_tensor *t = &src.tensors[i];
        int is_vision = !strncmp(t->name, "vision_model.", 13) || !strcmp(t->name, "visual_projection.weight");
        int is_text = !strncmp(t->name, "text_model.", 11) || !strcmp(t->name, "text_projection.weight") ||
                      !strcmp(t->name, "logit_scale");
        const st_tensor *o = st_find(&out, t->name);
        assert_int_equal(o != NULL, tower == HF_VISION_TOWER ? is_vision : is_text);
        if (!o) continue;
        vision++;
        assert_int_equal(o->end - o->begin, t->end - t->begin);
        assert_memory_equal(out.data + o->begin, src.data + t->begin, t->end - t->begin);
    }
    assert_int_equal(out.n_tensors, vision);
    st_close(&out);
    st_close(&src);
}

static void test_joint_checkpoint(void **state)
{
    (void)state;
    fixture f;
    start(&f, JOINT, sizeof JOINT / sizeof *JOINT);
    hf_weights_result r;
    char err[512] = "";
    assert_int_equal(hf_fetch_weights(f.url, f.dir, HF_VISION_TOWER, &r, err, sizeof err), 0);
    assert_true(r.extracted);
    assert_int_equal(r.kept, 3);
    assert_int_equal(r.dropped, 3);
    assert_int_equal(r.ranges, 2);              /* embeddings + post_layernorm adjacent; the projection */
    assert_int_equal(f.s.data_requests, 2);
    assert_tower_extracted(&f, HF_VISION_TOWER);
    stop(&f);
}

/* The text tower of the same file: its own file, the vision tower's left alone. */
static void test_text_tower(void **state)
{
    (void)state;
    fixture f;
    start(&f, JOINT, sizeof JOINT / sizeof *JOINT);
    hf_weights_result r;
    char err[512] = "", path[160];
    assert_int_equal(hf_fetch_weights(f.url, f.dir, HF_TEXT_TOWER, &r, err, sizeof err), 0);
    assert_true(r.extracted);
    assert_int_equal(r.kept, 3);
    assert_int_equal(r.ranges, 3);              /* embeddings, projection, logit_scale: none adjacent */
    assert_tower_extracted(&f, HF_TEXT_TOWER);
    snprintf(path, sizeof path, "%s/model.safetensors", f.dir);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(hf_fetch_weights(f.url, f.dir, HF_VISION_TOWER, &r, err, sizeof err), 0);
    assert_tower_extracted(&f, HF_VISION_TOWER);
    assert_tower_extracted(&f, HF_TEXT_TOWER);
    stop(&f);
    /* a vision-only file has no text tower: said so */
    start(&f, VISION_ONLY, sizeof VISION_ONLY / sizeof *VISION_ONLY);
    assert_int_equal(hf_fetch_weights(f.url, f.dir, HF_TEXT_TOWER, &r, err, sizeof err), HF_NO_SUCH_TOWER);
    assert_non_null(strstr(err, "no text tower in this file"));
    stop(&f);
}

static void test_cut_connection_resumes(void **state)
{
    (void)state;
    fixture f;
    start(&f, JOINT, sizeof JOINT / sizeof *JOINT);
    f.s.cut_after = 100, f.s.cut_times = 1;
    hf_weights_result r;
    char err[512] = "";
    assert_int_equal(hf_fetch_weights(f.url, f.dir, HF_VISION_TOWER, &r, err, sizeof err), 0);
    assert_tower_extracted(&f, HF_VISION_TOWER);
    /* The retry asked for the rest only: 100 bytes past where the cut request started. */
    assert_int_equal(f.s.data_requests, 3);
    assert_int_equal(f.s.data_from[1], f.s.data_from[0] + 100);
    stop(&f);
}

static void test_changed_file_refused(void **state)
{
    (void)state;
    fixture f;
    start(&f, JOINT, sizeof JOINT / sizeof *JOINT);
    f.s.etag_changes_at = 4;   /* prefix, header, first run: then the file "changes" */
    hf_weights_result r;
    char err[512] = "";
    assert_int_equal(hf_fetch_weights(f.url, f.dir, HF_VISION_TOWER, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "changed on the server"));
    char path[128];
    snprintf(path, sizeof path, "%s/model.safetensors", f.dir);
    assert_int_equal(access(path, F_OK), -1);
    stop(&f);
}

static void test_no_range_refused(void **state)
{
    (void)state;
    fixture f;
    start(&f, JOINT, sizeof JOINT / sizeof *JOINT);
    f.s.honour_range = 0;
    hf_weights_result r;
    char err[512] = "";
    assert_int_equal(hf_fetch_weights(f.url, f.dir, HF_VISION_TOWER, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "does not answer range requests"));
    stop(&f);
}

static void test_vision_only_whole_and_checked(void **state)
{
    (void)state;
    fixture f;
    start(&f, VISION_ONLY, sizeof VISION_ONLY / sizeof *VISION_ONLY);
    sha256_hex(f.s.file.bytes, f.s.file.len, f.s.linked_etag);
    hf_weights_result r;
    char err[512] = "", path[128];
    assert_int_equal(hf_fetch_weights(f.url, f.dir, HF_VISION_TOWER, &r, err, sizeof err), 0);
    assert_false(r.extracted);
    assert_string_equal(r.sha256, f.s.linked_etag);
    snprintf(path, sizeof path, "%s/model.safetensors", f.dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, (off_t)f.s.file.len);
    stop(&f);

    /* The hub's SHA-256 says otherwise: refused, and the partial file removed. */
    start(&f, VISION_ONLY, sizeof VISION_ONLY / sizeof *VISION_ONLY);
    memset(f.s.linked_etag, 'a', 64);
    f.s.linked_etag[64] = 0;
    assert_int_equal(hf_fetch_weights(f.url, f.dir, HF_VISION_TOWER, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "SHA-256 mismatch"));
    snprintf(path, sizeof path, "%s/model.safetensors.part", f.dir);
    assert_int_equal(access(path, F_OK), -1);
    stop(&f);
}

static void test_resume_after_a_failed_run(void **state)
{
    (void)state;
    fixture f;
    start(&f, JOINT, sizeof JOINT / sizeof *JOINT);
    f.s.cut_after = 300, f.s.cut_times = 1, f.s.broken_after_cut = 1;   /* cut, then 503s: the retries run out */
    hf_weights_result r;
    char err[512] = "";
    assert_int_equal(hf_fetch_weights(f.url, f.dir, HF_VISION_TOWER, &r, err, sizeof err), -1);
    int before = f.s.data_requests;
    f.s.broken_after_cut = 0;
    assert_int_equal(hf_fetch_weights(f.url, f.dir, HF_VISION_TOWER, &r, err, sizeof err), 0);
    assert_tower_extracted(&f, HF_VISION_TOWER);
    /* The second run's first data request starts where the first run's 300 bytes end, not at
       the first vision tensor. */
    assert_int_equal(f.s.data_from[before], f.s.data_from[0] + 300);
    stop(&f);
}

int main(void)
{
    setenv("CULL_HTTP_BACKOFF_MS", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_joint_checkpoint),
        cmocka_unit_test(test_text_tower),
        cmocka_unit_test(test_cut_connection_resumes),
        cmocka_unit_test(test_changed_file_refused),
        cmocka_unit_test(test_no_range_refused),
        cmocka_unit_test(test_vision_only_whole_and_checked),
        cmocka_unit_test(test_resume_after_a_failed_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
