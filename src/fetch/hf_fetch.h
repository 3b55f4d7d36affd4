/*
 * hf_fetch.h — a CLIP-family ViT model from the Hugging Face hub (encoders/registry.h's
 * hf_source), for fetch/model_fetch.c's routine: download into a staging folder, and the check
 * that proves a folder holds a whole model.
 *
 * Files: https://huggingface.co/REPO/resolve/REVISION/{config.json, model.safetensors}; the base
 * URL can be replaced with the environment variable CULL_HF_ENDPOINT (tests point it at a local
 * server). config.json is checked for size and parsed; model.safetensors is fetched whole (size +
 * SHA-256 from the hub's X-Linked-Size / X-Linked-Etag) or, for a joint CLIP checkpoint, only its
 * vision tower by range requests (fetch/hf_weights.h). fetched.json records the repository,
 * revision, endpoint, sizes and digests. The staging folder is kept between runs, so an interrupted
 * download resumes where it stopped. Progress goes to stderr; a bar on a terminal.
 */
#ifndef CULL_FETCH_HF_FETCH_H
#define CULL_FETCH_HF_FETCH_H

#include <stddef.h>

#include "encoders/registry.h"

/* Writes config.json, model.safetensors and fetched.json of src into folder staged, going on from
   what an earlier run left there. 0, or -1 with the reason in err. */
int hf_fetch(const char *name, const hf_source *src, const char *staged, char *err, size_t errlen);

/* 0 when folder loads as a model (config.json + model.safetensors, every tensor present with the
   config's shape); -1 with the reason in why. */
int hf_check(const char *folder, char *why, size_t cap);

#endif
