/*
 * encoder.c — the registry of built-in encoders: a name the user types, and how to open it.
 * A new encoder is one more row in the table.
 */
#include "encoders/encoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *name;
    /* NULL with a reason in err on failure (missing weights, out of memory, ...). */
    encoder *(*open)(char *err, size_t errlen);
    /* Whether its files are installed (NULL: built in, always). */
    int (*installed)(const char *name);
    double images_per_second;   /* rough end-to-end rate on 2 cores (bench/results.txt), for estimates */
} encoder_entry;

static encoder *open_lite(char *err, size_t errlen)
{
    encoder *enc = lite_encoder_open();
    if (!enc)
        snprintf(err, errlen, "lite: out of memory");
    return enc;
}

/* models folder/name in dir. */
static void model_folder(const char *name, char *dir, size_t cap)
{
    char models[4096];
    snprintf(dir, cap, "%s/%s", encoder_models_dir(models, sizeof models), name);
}

static int tfjs_installed(const char *name)
{
    char dir[4200], probe[4300];
    model_folder(name, dir, sizeof dir);
    snprintf(probe, sizeof probe, "%s/model.json", dir);
    return access(probe, F_OK) == 0;
}

static int vit_installed(const char *name)
{
    char dir[4200];
    model_folder(name, dir, sizeof dir);
    return vit_folder_looks_like(dir);
}

/* The nsfwjs MobileNetV2 model, from the models folder (`cull model fetch mobilenet`). */
static encoder *open_mobilenet(char *err, size_t errlen)
{
    char dir[4200], probe[4300];
    model_folder("mobilenet", dir, sizeof dir);
    snprintf(probe, sizeof probe, "%s/model.json", dir);
    if (!tfjs_installed("mobilenet")) {
        snprintf(err, errlen, "mobilenet: not installed (no %s); run `cull model fetch mobilenet`", probe);
        return NULL;
    }
    return mobilenet_encoder_open(dir, err, errlen);
}

/* A CLIP-family ViT from the models folder (`cull model fetch NAME`, src/fetch/hf_fetch.c). */
static encoder *open_vit(const char *name, char *err, size_t errlen)
{
    char dir[4200];
    model_folder(name, dir, sizeof dir);
    if (!vit_installed(name)) {
        snprintf(err, errlen, "%s: not installed (no model.safetensors in %s); run `cull model fetch %s`", name, dir,
                 name);
        return NULL;
    }
    return vit_encoder_open(dir, name, err, errlen);
}

static encoder *open_clip_b32(char *err, size_t errlen) { return open_vit("clip-vit-b32", err, errlen); }
static encoder *open_clip_b16(char *err, size_t errlen) { return open_vit("clip-vit-b16", err, errlen); }
static encoder *open_laion_b32(char *err, size_t errlen) { return open_vit("laion-vit-b32", err, errlen); }

static const encoder_entry encoders[] = {
    {"lite", open_lite, NULL, 200},
    {"mobilenet", open_mobilenet, tfjs_installed, 35},
    {"clip-vit-b32", open_clip_b32, vit_installed, 18},
    {"clip-vit-b16", open_clip_b16, vit_installed, 5},
    {"laion-vit-b32", open_laion_b32, vit_installed, 18},
};

#define N_ENCODERS (sizeof encoders / sizeof encoders[0])

const char *encoder_models_dir(char *buf, size_t cap)
{
    const char *env = getenv("CULL_MODELS");
    if (env && *env) return env;
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg && *xdg == '/') {
        snprintf(buf, cap, "%s/cull/models", xdg);
        return buf;
    }
    const char *home = getenv("HOME");
    snprintf(buf, cap, "%s/.local/share/cull/models", home && *home ? home : ".");
    return buf;
}

const char *encoder_default_name(void)
{
    if (encoder_installed("clip-vit-b32")) return "clip-vit-b32";
    return encoder_installed("mobilenet") ? "mobilenet" : "lite";
}

const char *encoder_known_name(size_t i) { return i < N_ENCODERS ? encoders[i].name : NULL; }

static const encoder_entry *entry_of(const char *name)
{
    for (size_t i = 0; i < N_ENCODERS; i++)
        if (strcmp(encoders[i].name, name) == 0) return &encoders[i];
    return NULL;
}

int encoder_installed(const char *name)
{
    const encoder_entry *e = entry_of(name);
    return e && (!e->installed || e->installed(name));
}

double encoder_rough_rate(const char *name)
{
    const encoder_entry *e = entry_of(name);
    return e ? e->images_per_second : 18;
}

const char *encoder_name_of_id(const char *id)
{
    for (size_t i = 0; i < N_ENCODERS; i++) {
        size_t len = strlen(encoders[i].name);
        if (strncmp(id, encoders[i].name, len) == 0 && id[len] == '-') return encoders[i].name;
    }
    return NULL;
}

/* "a, b, c": the known names, for the unknown-encoder message. */
static void known_names(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_ENCODERS && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", encoders[i].name);
        used += w > 0 ? (size_t)w : 0;
    }
}

encoder *encoder_open(const char *name, char *err, size_t errlen)
{
    char scratch[1];
    if (!err || !errlen) { /* callers may not care why; the openers still need somewhere to write */
        err = scratch;
        errlen = sizeof scratch;
    }
    if (!name)
        name = encoder_default_name();
    if (strchr(name, '/'))
        return vit_folder_looks_like(name) ? vit_encoder_open(name, NULL, err, errlen)
                                           : tfjs_encoder_open(name, err, errlen);
    const encoder_entry *e = entry_of(name);
    if (e) return e->open(err, errlen);
    char known[256];
    known_names(known, sizeof known);
    snprintf(err, errlen, "unknown encoder '%s' (known: %s, or the path of a model folder: config.json + model.safetensors, or a tfjs graph model)", name, known);
    return NULL;
}

void encoder_close(encoder *enc)
{
    if (enc)
        enc->close(enc);
}
