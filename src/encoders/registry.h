/*
 * registry.h — every model cull knows by name: what it is, how fast it runs, where `cull model
 * fetch` gets it from. One row per model (registry.c). The encoders (encoder.c), `cull model fetch`,
 * `model list` and `model info`, the help texts and the choice of encoder all read this table:
 * adding a model in a format cull already runs is one more row.
 */
#ifndef CULL_ENCODERS_REGISTRY_H
#define CULL_ENCODERS_REGISTRY_H

#include <stddef.h>

typedef enum {
    WEIGHTS_BUILT_IN,   /* needs no files (lite) */
    WEIGHTS_TFJS,       /* a TensorFlow.js graph model: model.json + .bin shards (tfjs_encoder.c) */
    WEIGHTS_VIT,        /* a CLIP-family vision transformer: config.json + model.safetensors (vit.h) */
} weights_format;

typedef struct {
    const char *name;
    long long size;
    const char *sha256;
} pinned_file;

/* A model inside an npm package as nsfwjs ships it (fetch/npm_fetch.h): `npm pack`, the tarball
   checked against the registry's published integrity, model_dir unpacked and converted to the
   TensorFlow.js layout, every produced file checked against files[]. */
typedef struct {
    const char *package;     /* npm spec: "nsfwjs@4.4.0" */
    const char *tarball;     /* the file `npm pack` writes */
    const char *integrity;   /* dist.integrity from `npm view PACKAGE dist.integrity` */
    const char *model_dir;   /* the folder under dist/models/ in the package */
    pinned_file files[4];    /* the conversion's output, byte for byte; ends at a NULL name */
} npm_source;

/* A Hugging Face repository: config.json + model.safetensors at a revision (fetch/hf_fetch.h). */
typedef struct {
    const char *repo;
    const char *revision;
} hf_source;

typedef struct {
    const char *name;            /* what the user types; the folder under the models folder */
    weights_format format;
    const char *about;           /* one line: what it is, how big */
    double images_per_second;    /* rough end-to-end rate on 2 cores (bench/results.txt), for estimates */
    const npm_source *npm;       /* where `cull model fetch` gets it: one of these two, */
    const hf_source *hf;         /* or neither (built in) */
} model_entry;

/* Row i, for i = 0, 1, ... until NULL. */
const model_entry *model_at(size_t i);
/* The row called name, or NULL. */
const model_entry *model_find(const char *name);
/* "mobilenet, clip-vit-b32, ...": the names of every row (fetchable: only those `cull model fetch`
   can get), for messages. Returns buf. */
const char *model_names(int fetchable, char *buf, size_t cap);

#endif
