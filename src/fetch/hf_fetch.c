/*
 * hf_fetch.c — a ViT model from the Hugging Face hub (hf_fetch.h): config.json, then the weights
 * (hf_weights.c; HTTP: http_get.c), then a record of where they came from.
 */
#include "fetch/hf_fetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "encoders/vit.h"
#include "encoders/weights_sum.h"
#include "fetch/hf_weights.h"
#include "fetch/http_get.h"
#include "util/fsutil.h"

#define DEFAULT_ENDPOINT "https://huggingface.co"
#define MAX_CONFIG_BYTES (1 << 20)

/* ---- files ---------------------------------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
} text_sink;

static int to_text(void *ctx, const uint8_t *data, size_t n, char *err, size_t errlen)
{
    text_sink *t = ctx;
    if (n > t->cap - t->len) {
        snprintf(err, errlen, "larger than %zu bytes: not a config file", t->cap);
        return -1;
    }
    memcpy(t->buf + t->len, data, n);
    t->len += n;
    return 0;
}

/* config.json: fetched whole (its length checked against Content-Length), parsed as a ViT config. */
static int fetch_config(const char *url, const char *path, char *err, size_t errlen)
{
    text_sink t = {malloc(MAX_CONFIG_BYTES + 1), 0, MAX_CONFIG_BYTES};
    http_info info;
    int rc = -1;
    if (!t.buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (http_get(url, 0, -1, to_text, &t, &info, err, errlen)) goto out;
    if (info.content_length >= 0 && (size_t)info.content_length != t.len) {
        snprintf(err, errlen, "%s: %zu bytes received, Content-Length says %lld", url, t.len,
                 (long long)info.content_length);
        goto out;
    }
    vit_config cfg;
    if (vit_config_parse(t.buf, t.len, url, &cfg, err, errlen)) goto out;
    if (fs_write_file(path, t.buf, t.len)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(t.buf);
    return rc;
}

static void write_provenance(const char *dir, const hf_source *m, const char *base, const hf_weights_result *r)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/fetched.json", dir);
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s?, s:b, s:I, s:I, s:s}", "repository", m->repo, "revision",
                          m->revision, "endpoint", base, "hub_size", (json_int_t)r->remote_size, "hub_sha256",
                          r->remote_sha256[0] ? r->remote_sha256 : NULL, "vision_tower_only", r->extracted,
                          "tensors_dropped", (json_int_t)r->dropped, "size", (json_int_t)r->written, "sha256", r->sha256);
    if (o) json_dump_file(o, path, JSON_INDENT(2));
    json_decref(o);
}

int hf_check(const char *folder, char *why, size_t cap)
{
    vit_model m;
    if (vit_model_load(&m, folder, why, cap)) return -1;
    vit_model_free(&m);
    return 0;
}

int hf_fetch(const char *name, const hf_source *src, const char *staged, char *err, size_t errlen)
{
    const char *base = getenv("CULL_HF_ENDPOINT");
    if (!base || !*base) base = DEFAULT_ENDPOINT;
    size_t bl = strlen(base);
    while (bl > 1 && base[bl - 1] == '/') bl--;
    fprintf(stderr, "fetching %s: %s at revision %.12s from %.*s\n", name, src->repo, src->revision, (int)bl, base);

    char url[4600], path[4400];
    snprintf(url, sizeof url, "%.*s/%s/resolve/%s/config.json", (int)bl, base, src->repo, src->revision);
    snprintf(path, sizeof path, "%s/config.json", staged);
    if (fetch_config(url, path, err, errlen)) return -1;

    snprintf(url, sizeof url, "%.*s/%s/resolve/%s/model.safetensors", (int)bl, base, src->repo, src->revision);
    hf_weights_result r;
    if (hf_fetch_weights(url, staged, &r, err, errlen)) return -1;
    snprintf(path, sizeof path, "%s/model.safetensors", staged);
    weights_sha256_store(path, r.sha256); /* saves the encoder hashing 350 MB on its first run */
    char base_str[512];
    snprintf(base_str, sizeof base_str, "%.*s", (int)bl, base);
    write_provenance(staged, src, base_str, &r);
    fprintf(stderr, "downloaded %s: %.1f MB%s; SHA-256 %.16s…%s\n", name, r.written / 1e6,
            r.extracted ? " (vision tower only)" : "", r.sha256,
            r.remote_sha256[0] && !r.extracted ? " (matches the hub)" : "");
    return 0;
}
