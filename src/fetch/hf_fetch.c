/*
 * hf_fetch.c — `cull model fetch` for the ViT encoders (hf_fetch.h): which repository, where to,
 * staging, checking and installing. The weights file itself: hf_weights.c; HTTP: http_get.c.
 */
#include "fetch/hf_fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "encoders/encoder.h"
#include "encoders/vit.h"
#include "encoders/weights_sum.h"
#include "fetch/hf_weights.h"
#include "fetch/http_get.h"

#define DEFAULT_ENDPOINT "https://huggingface.co"
#define MAX_CONFIG_BYTES (1 << 20)

/*
 * Revisions: commit hashes can only be checked against the hub, which was out of reach when these
 * were written. clip-vit-b32's is the commit several public projects pin to load (and download
 * model.safetensors from) openai/clip-vit-base-patch32; the others follow "main" until someone
 * confirms a commit that has model.safetensors. A pinned hash keeps every user on the same bytes
 * (the library records embeddings under the weights' checksum either way).
 */
typedef struct {
    const char *name, *repo, *revision, *about;
} hf_model;

static const hf_model MODELS[] = {
    {"clip-vit-b32", "openai/clip-vit-base-patch32", "d15b5f29721ca72dac15f8526b284be910de18be",
     "OpenAI CLIP ViT-B/32: 224 px, patches of 32, 512-d embedding; vision tower about 350 MB"},
    {"clip-vit-b16", "openai/clip-vit-base-patch16", "main",
     "OpenAI CLIP ViT-B/16: 224 px, patches of 16 (4.4× the compute of B/32), 512-d; about 350 MB"},
    {"laion-vit-b32", "laion/CLIP-ViT-B-32-laion2B-s34B-b79K", "main",
     "LAION-2B CLIP ViT-B/32 (open_clip, gelu): 224 px, 512-d embedding; vision tower about 350 MB"},
};
#define N_MODELS (sizeof MODELS / sizeof *MODELS)

static const hf_model *find(const char *name)
{
    for (size_t i = 0; name && i < N_MODELS; i++)
        if (strcmp(MODELS[i].name, name) == 0) return &MODELS[i];
    return NULL;
}

int hf_known_model(const char *name)
{
    return find(name) != NULL;
}

const char *hf_model_names(void)
{
    return "clip-vit-b32, clip-vit-b16, laion-vit-b32";
}

const char *hf_model_about(const char *name)
{
    const hf_model *m = find(name);
    return m ? m->about : NULL;
}

/* ---- files ---------------------------------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, len, f);
    int rc = fflush(f) == 0 && fsync(fileno(f)) == 0 && w == len ? 0 : -1;
    return fclose(f) == 0 ? rc : -1;
}

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
    if (write_file(path, t.buf, t.len)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(t.buf);
    return rc;
}

static void write_provenance(const char *dir, const hf_model *m, const char *base, const hf_weights_result *r)
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

/* ---- install -------------------------------------------------------------------------------------- */

/* Puts staged in place of dest: dest moves aside first and goes only once staged is in. */
static int install(const char *staged, const char *dest, const char *models, char *err, size_t errlen)
{
    char old[4200];
    int had_old = access(dest, F_OK) == 0;
    if (had_old) {
        snprintf(old, sizeof old, "%s/.old-XXXXXX", models);
        if (!mkdtemp(old) || rmdir(old) != 0 || rename(dest, old) != 0) {
            snprintf(err, errlen, "%s: cannot move the old copy aside: %s", dest, strerror(errno));
            return -1;
        }
    }
    if (rename(staged, dest) != 0) {
        snprintf(err, errlen, "%s: cannot install: %s", dest, strerror(errno));
        if (had_old) rename(old, dest);
        return -1;
    }
    if (had_old) remove_tree(old);
    return 0;
}

int hf_model_check(const char *name, char *why, size_t cap)
{
    char models[4096], dir[4200];
    snprintf(dir, sizeof dir, "%s/%s", encoder_models_dir(models, sizeof models), name);
    if (access(dir, F_OK) != 0) {
        snprintf(why, cap, "not installed (no %s)", dir);
        return -1;
    }
    vit_model m;
    if (vit_model_load(&m, dir, why, cap)) return -1;
    vit_model_free(&m);
    return 0;
}

int hf_fetch_model_ex(const char *name, int force, char *err, size_t errlen)
{
    const hf_model *m = find(name);
    if (!m) {
        snprintf(err, errlen, "unknown model '%s' (known: %s)", name ? name : "", hf_model_names());
        return -1;
    }
    char models_buf[4096], dest[4200], staged[4200], lock[4300], url[4600], why[512];
    const char *models = encoder_models_dir(models_buf, sizeof models_buf);
    snprintf(dest, sizeof dest, "%s/%s", models, m->name);
    if (!force && access(dest, F_OK) == 0) {
        if (hf_model_check(m->name, why, sizeof why) == 0) {
            fprintf(stderr, "%s is installed in %s and loads; nothing to do (--force fetches it anew)\n", m->name, dest);
            return 0;
        }
        fprintf(stderr, "cull: %s in %s is damaged (%s): fetching it again\n", m->name, dest, why);
    }
    if (mkdirs(models)) {
        snprintf(err, errlen, "%s: %s", models, strerror(errno));
        return -1;
    }
    snprintf(staged, sizeof staged, "%s/.tmp-%s", models, m->name);
    snprintf(lock, sizeof lock, "%s/.tmp-%s.lock", models, m->name);
    int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lfd < 0 || flock(lfd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, lfd < 0 ? "%s: %s" : "%s: another cull is fetching %s right now", lock,
                 lfd < 0 ? strerror(errno) : m->name);
        if (lfd >= 0) close(lfd);
        return -1;
    }
    int rc = -1;
    if (mkdir(staged, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", staged, strerror(errno));
        goto out;
    }
    const char *base = getenv("CULL_HF_ENDPOINT");
    if (!base || !*base) base = DEFAULT_ENDPOINT;
    size_t bl = strlen(base);
    while (bl > 1 && base[bl - 1] == '/') bl--;
    fprintf(stderr, "fetching %s: %s at revision %.12s from %.*s\n", m->name, m->repo, m->revision, (int)bl, base);

    char path[4400];
    snprintf(url, sizeof url, "%.*s/%s/resolve/%s/config.json", (int)bl, base, m->repo, m->revision);
    snprintf(path, sizeof path, "%s/config.json", staged);
    if (fetch_config(url, path, err, errlen)) goto out;

    snprintf(url, sizeof url, "%.*s/%s/resolve/%s/model.safetensors", (int)bl, base, m->repo, m->revision);
    hf_weights_result r;
    if (hf_fetch_weights(url, staged, &r, err, errlen)) goto out;

    /* The proof: the folder loads as a model, every tensor where the config says. */
    vit_model vm;
    if (vit_model_load(&vm, staged, why, sizeof why)) {
        snprintf(err, errlen, "the downloaded model does not load (%s); removed, try again", why);
        remove_tree(staged);
        goto out;
    }
    long long params = (long long)vm.arena_floats;
    vit_model_free(&vm);
    snprintf(path, sizeof path, "%s/model.safetensors", staged);
    weights_sha256_store(path, r.sha256); /* saves the encoder hashing 350 MB on its first run */
    char base_str[512];
    snprintf(base_str, sizeof base_str, "%.*s", (int)bl, base);
    write_provenance(staged, m, base_str, &r);
    if (install(staged, dest, models, err, errlen)) goto out;
    fprintf(stderr, "installed %s in %s: %.1f MB%s, about %.1f M parameters; SHA-256 %.16s…%s\n", m->name, dest,
            r.written / 1e6, r.extracted ? " (vision tower only)" : "", params / 1e6, r.sha256,
            r.remote_sha256[0] && !r.extracted ? " (matches the hub)" : "");
    rc = 0;
out:
    close(lfd); /* the lock file stays: unlinking it would let a third process lock a new one */
    return rc;
}

int hf_fetch_model(const char *name, char *err, size_t errlen)
{
    return hf_fetch_model_ex(name, 0, err, errlen);
}
