/*
 * encoder.c — opening an encoder by name: a row of the model registry (encoders/registry.h) by its
 * weights format, or a model folder by what it holds.
 */
#include "encoders/encoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encoders/registry.h"

/* models folder/name in dir. */
static void model_folder(const char *name, char *dir, size_t cap)
{
    char models[4096];
    snprintf(dir, cap, "%s/%s", encoder_models_dir(models, sizeof models), name);
}

/* The file whose presence says a model of this kind is installed (NULL: built in). */
static const char *marker_file(weights_format format)
{
    return format == WEIGHTS_TFJS ? "model.json" : format == WEIGHTS_VIT ? "model.safetensors" : NULL;
}

static encoder *open_entry(const model_entry *m, char *err, size_t errlen)
{
    if (m->format == WEIGHTS_BUILT_IN) {
        encoder *enc = lite_encoder_open();
        if (!enc) snprintf(err, errlen, "%s: out of memory", m->name);
        return enc;
    }
    char dir[4200];
    model_folder(m->name, dir, sizeof dir);
    if (!encoder_installed(m->name)) {
        snprintf(err, errlen, "%s: not installed (no %s in %s); run `cull model fetch %s`", m->name,
                 marker_file(m->format), dir, m->name);
        return NULL;
    }
    return m->format == WEIGHTS_TFJS ? tfjs_encoder_open(dir, m->name, err, errlen)
                                 : vit_encoder_open(dir, m->name, err, errlen);
}

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

int encoder_installed(const char *name)
{
    const model_entry *m = model_find(name);
    if (!m) return 0;
    if (m->format == WEIGHTS_BUILT_IN) return 1;
    char dir[4200], probe[4300];
    model_folder(name, dir, sizeof dir);
    snprintf(probe, sizeof probe, "%s/%s", dir, marker_file(m->format));
    return access(probe, F_OK) == 0;
}

double encoder_rough_rate(const char *name)
{
    const model_entry *m = model_find(name);
    return m ? m->images_per_second : 18;
}

const char *encoder_name_of_id(const char *id)
{
    const model_entry *m;
    for (size_t i = 0; (m = model_at(i)); i++) {
        size_t len = strlen(m->name);
        if (strncmp(id, m->name, len) == 0 && id[len] == '-') return m->name;
    }
    return NULL;
}

int encoder_clip_folder(const char *name, char *dir, size_t cap, char *err, size_t errlen)
{
    if (!name) name = encoder_default_name();
    if (strchr(name, '/')) {
        snprintf(dir, cap, "%s", name);
        if (vit_folder_looks_like(name)) return 0;
        snprintf(err, errlen, "%s: not a CLIP model folder (no model.safetensors); words need a CLIP model", name);
        return -1;
    }
    const model_entry *m = model_find(name);
    if (!m || m->format != WEIGHTS_VIT) {
        snprintf(err, errlen, "%s: %s; words need a CLIP model: cull model fetch clip-vit-b32, then --encoder clip-vit-b32",
                 name, m ? "an image-only encoder, it has no text tower" : "unknown encoder");
        return -1;
    }
    model_folder(name, dir, cap);
    if (encoder_installed(name)) return 0;
    snprintf(err, errlen, "%s: not installed (no model.safetensors in %s); run `cull model fetch %s`", name, dir, name);
    return -1;
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
                                           : tfjs_encoder_open(name, NULL, err, errlen);
    const model_entry *m = model_find(name);
    if (m) return open_entry(m, err, errlen);
    char known[256];
    model_names(0, known, sizeof known);
    snprintf(err, errlen, "unknown encoder '%s' (known: %s, or the path of a model folder: config.json + model.safetensors, or a tfjs graph model)", name, known);
    return NULL;
}

void encoder_close(encoder *enc)
{
    if (enc)
        enc->close(enc);
}
