/*
 * hf_fetch.c — a ViT model from the Hugging Face hub (hf_fetch.h): config.json, then the weights
 * (hf_weights.c; HTTP: http_get.c), then a record of where they came from.
 */
#include "fetch/hf_fetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <jansson.h>

#include "encoders/clip_text.h"
#include "encoders/clip_tokenizer.h"
#include "encoders/vit.h"
#include "encoders/weights_sum.h"
#include "fetch/hf_weights.h"
#include "fetch/http_get.h"
#include "util/fsutil.h"

#define DEFAULT_ENDPOINT "https://huggingface.co"
#define MAX_CONFIG_BYTES (1 << 20)
#define MAX_TOKENIZER_BYTES (16 << 20)  /* OpenAI's vocab.json is 0.9 MB */

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

/* A small file fetched whole, its length checked against Content-Length, into t. */
static int fetch_small(const char *url, text_sink *t, char *err, size_t errlen)
{
    http_info info;
    if (http_get(url, 0, -1, to_text, t, &info, err, errlen)) return -1;
    if (info.content_length >= 0 && (size_t)info.content_length != t->len) {
        snprintf(err, errlen, "%s: %zu bytes received, Content-Length says %lld", url, t->len,
                 (long long)info.content_length);
        return -1;
    }
    return 0;
}

/* config.json, parsed as a ViT config before it is written. */
static int fetch_config(const char *url, const char *path, char *err, size_t errlen)
{
    text_sink t = {malloc(MAX_CONFIG_BYTES + 1), 0, MAX_CONFIG_BYTES};
    int rc = -1;
    if (!t.buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    vit_config cfg;
    if (fetch_small(url, &t, err, errlen) || vit_config_parse(t.buf, t.len, url, &cfg, err, errlen)) goto out;
    if (fs_write_file(path, t.buf, t.len)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(t.buf);
    return rc;
}

/* vocab.json and merges.txt, written once both parse as a CLIP tokenizer. */
static int fetch_tokenizer(const char *base_url, const char *staged, char *err, size_t errlen)
{
    static const char *const files[2] = {"vocab.json", "merges.txt"};
    text_sink t[2] = {{malloc(MAX_TOKENIZER_BYTES + 1), 0, MAX_TOKENIZER_BYTES},
                      {malloc(MAX_TOKENIZER_BYTES + 1), 0, MAX_TOKENIZER_BYTES}};
    char url[4700], path[4400];
    int rc = -1;
    if (!t[0].buf || !t[1].buf) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        snprintf(url, sizeof url, "%s/%s", base_url, files[i]);
        if (fetch_small(url, &t[i], err, errlen)) goto out;
    }
    char why[1024];
    clip_tokenizer *tok = clip_tokenizer_parse(t[0].buf, t[0].len, files[0], t[1].buf, t[1].len, files[1], why,
                                               sizeof why);
    if (!tok) {
        snprintf(err, errlen, "%s: the tokenizer files do not load: %s", base_url, why);
        goto out;
    }
    clip_tokenizer_free(tok);
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", staged, files[i]);
        if (fs_write_file(path, t[i].buf, t[i].len)) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            goto out;
        }
    }
    rc = 0;
out:
    free(t[0].buf);
    free(t[1].buf);
    return rc;
}

static json_t *weights_json(const hf_weights_result *r)
{
    return json_pack("{s:I, s:s?, s:b, s:I, s:I, s:s}", "hub_size", (json_int_t)r->remote_size, "hub_sha256",
                     r->remote_sha256[0] ? r->remote_sha256 : NULL, "tower_only", r->extracted, "tensors_dropped",
                     (json_int_t)r->dropped, "size", (json_int_t)r->written, "sha256", r->sha256);
}

/* fetched.json: where the files came from. The vision tower's record stays at the top level, as
   installs before the text tower have it; "text_tower" is null when the checkpoint has none. */
static void write_provenance(const char *dir, const hf_source *m, const char *base, const hf_weights_result *vision,
                             const hf_weights_result *text)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/fetched.json", dir);
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s?, s:b, s:I, s:I, s:s, s:o}", "repository", m->repo, "revision",
                          m->revision, "endpoint", base, "hub_size", (json_int_t)vision->remote_size, "hub_sha256",
                          vision->remote_sha256[0] ? vision->remote_sha256 : NULL, "vision_tower_only",
                          vision->extracted, "tensors_dropped", (json_int_t)vision->dropped, "size",
                          (json_int_t)vision->written, "sha256", vision->sha256, "text_tower",
                          text ? weights_json(text) : json_null());
    if (o) json_dump_file(o, path, JSON_INDENT(2));
    json_decref(o);
}

/* Whether staged holds a vision tower (carried over from the install being completed, hf_carry_over)
   cut from the very file the hub serves now: same repository, revision, size and SHA-256. */
static int vision_current(const char *staged, const hf_source *src, const hf_weights_result *now, hf_weights_result *r)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/fetched.json", staged);
    json_t *o = json_load_file(path, 0, NULL);
    const char *repo = json_string_value(json_object_get(o, "repository"));
    const char *rev = json_string_value(json_object_get(o, "revision"));
    const char *sha = json_string_value(json_object_get(o, "hub_sha256"));
    const char *own = json_string_value(json_object_get(o, "sha256"));
    int same = repo && rev && sha && own && now->remote_sha256[0] && !strcmp(repo, src->repo) &&
               !strcmp(rev, src->revision) && !strcmp(sha, now->remote_sha256) &&
               json_integer_value(json_object_get(o, "hub_size")) == now->remote_size;
    if (same) {
        memset(r, 0, sizeof *r);
        r->remote_size = now->remote_size;
        snprintf(r->remote_sha256, sizeof r->remote_sha256, "%s", sha);
        r->extracted = json_is_true(json_object_get(o, "vision_tower_only"));
        r->dropped = (size_t)json_integer_value(json_object_get(o, "tensors_dropped"));
        r->written = json_integer_value(json_object_get(o, "size"));
        snprintf(r->sha256, sizeof r->sha256, "%s", own);
        snprintf(path, sizeof path, "%s/model.safetensors", staged);
        char hex[65], why[256];
        same = weights_sha256(path, hex, why, sizeof why) == 0 && strcmp(hex, own) == 0;
    }
    json_decref(o);
    return same;
}

int hf_carry_over(const char *installed, const char *staged)
{
    /* The weights are linked (never written again: a new download goes to a .part file and is
       renamed over them); fetched.json is copied, since the staging folder's is rewritten. */
    static const char *const linked[] = {"model.safetensors", "model.safetensors.sha256"};
    char from[4400], to[4400];
    for (size_t i = 0; i < sizeof linked / sizeof *linked; i++) {
        snprintf(from, sizeof from, "%s/%s", installed, linked[i]);
        snprintf(to, sizeof to, "%s/%s", staged, linked[i]);
        unlink(to);
        if (link(from, to) != 0 && errno != ENOENT) return -1;
    }
    snprintf(from, sizeof from, "%s/fetched.json", installed);
    snprintf(to, sizeof to, "%s/fetched.json", staged);
    unlink(to);
    gchar *record = NULL;
    gsize len = 0;
    if (!g_file_get_contents(from, &record, &len, NULL)) return 0; /* no record: the tower is fetched again */
    int rc = fs_write_file(to, record, len) ? -1 : 0;
    g_free(record);
    return rc;
}

/* Whether fetched.json says the checkpoint had no text tower to fetch. */
static int checkpoint_has_no_text(const char *folder)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/fetched.json", folder);
    json_t *o = json_load_file(path, 0, NULL);
    int none = json_is_null(json_object_get(o, "text_tower"));
    json_decref(o);
    return none;
}

int hf_check(const char *folder, char *why, size_t cap)
{
    vit_model m;
    if (vit_model_load(&m, folder, why, cap)) return -1;
    vit_model_free(&m);
    if (!clip_text_present(folder)) {
        if (checkpoint_has_no_text(folder)) return 0;
        snprintf(why, cap, "no text tower (%s, vocab.json, merges.txt)", CLIP_TEXT_FILE);
        return HF_NO_TEXT_TOWER;
    }
    clip_text_model t;
    clip_tokenizer *tok = clip_tokenizer_load(folder, why, cap);
    if (!tok || clip_text_load(&t, folder, why, cap)) {
        clip_tokenizer_free(tok);
        return -1;
    }
    int fits = clip_tokenizer_vocab_size(tok) <= t.cfg.vocab;
    if (!fits) snprintf(why, cap, "vocab.json has more symbols than the text tower embeds");
    clip_tokenizer_free(tok);
    clip_text_free(&t);
    return fits ? 0 : -1;
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
    hf_weights_result text = {0}, vision;
    int has_text = hf_fetch_weights(url, staged, HF_TEXT_TOWER, &text, err, errlen);
    if (has_text == HF_NO_SUCH_TOWER) fprintf(stderr, "  note: this checkpoint has no text tower: images only\n");
    else if (has_text != 0) return -1;
    snprintf(url, sizeof url, "%.*s/%s/resolve/%s", (int)bl, base, src->repo, src->revision);
    if (has_text == 0 && fetch_tokenizer(url, staged, err, errlen)) return -1;
    snprintf(url, sizeof url, "%.*s/%s/resolve/%s/model.safetensors", (int)bl, base, src->repo, src->revision);
    int kept = has_text == 0 && vision_current(staged, src, &text, &vision);
    snprintf(path, sizeof path, "%s/model.safetensors", staged);
    if (kept) fprintf(stderr, "  the vision tower installed is from this very file: kept\n");
    else if (access(path, F_OK) == 0)   /* carried over from the install, but cut from another file */
        fprintf(stderr, "  the hub's checkpoint is not the one the vision tower installed was cut from: fetching it"
                        " again, so %s gets a new id and libraries using it embed their images again\n", name);
    if (!kept && hf_fetch_weights(url, staged, HF_VISION_TOWER, &vision, err, errlen)) return -1;
    snprintf(path, sizeof path, "%s/model.safetensors", staged);
    weights_sha256_store(path, vision.sha256); /* saves the encoder hashing 350 MB on its first run */
    char base_str[512];
    snprintf(base_str, sizeof base_str, "%.*s", (int)bl, base);
    write_provenance(staged, src, base_str, &vision, has_text == 0 ? &text : NULL);
    fprintf(stderr, "downloaded %s: %.1f MB%s; SHA-256 %.16s…%s\n", name,
            (text.written + (kept ? 0 : vision.written)) / 1e6, kept ? " (the text tower)" : "", vision.sha256,
            vision.remote_sha256[0] && !vision.extracted ? " (matches the hub)" : "");
    return 0;
}
