/*
 * hf_fetch.h — a CLIP-family ViT model from the Hugging Face hub (encoders/registry.h's
 * hf_source), for fetch/model_fetch.c's routine: download into a staging folder, and the check
 * that proves a folder holds a whole model.
 *
 * Files: https://huggingface.co/REPO/resolve/REVISION/{config.json, vocab.json, merges.txt,
 * model.safetensors}; the base URL can be replaced with the environment variable CULL_HF_ENDPOINT
 * (tests point it at a local server). config.json is checked for size and parsed; the tokenizer
 * files are checked for size and loaded (encoders/clip_tokenizer.h); from model.safetensors the
 * text tower goes to text_model.safetensors and the vision tower to model.safetensors, each
 * fetched whole (size + SHA-256 from the hub's X-Linked-Size / X-Linked-Etag) or cut from the joint
 * checkpoint by range requests (fetch/hf_weights.h). fetched.json records the repository,
 * revision, endpoint, sizes and digests. A checkpoint with no text tower installs for images only,
 * and says so. Completing an install made before cull read text (vision
 * tower only): hf_carry_over links its vision tower into the staging folder, and when fetched.json
 * shows it was cut from the file the hub serves now, it is kept, so the image encoder's id and
 * every embedding made with it stay valid. The staging folder is kept between runs, so an interrupted
 * download resumes where it stopped. Progress goes to stderr; a bar on a terminal.
 */
#ifndef CULL_FETCH_HF_FETCH_H
#define CULL_FETCH_HF_FETCH_H

#include <stddef.h>

#include "encoders/registry.h"

/* Writes config.json, vocab.json, merges.txt, model.safetensors, text_model.safetensors and
   fetched.json of src into folder staged, going on from what an earlier run left there. 0, or -1
   with the reason in err. */
int hf_fetch(const char *name, const hf_source *src, const char *staged, char *err, size_t errlen);

/* Links an installed folder's vision tower and its record into staged (above). 0, or -1. */
int hf_carry_over(const char *installed, const char *staged);

/* 0 when folder loads as a model: the vision tower (config.json + model.safetensors, every tensor
   present with the config's shape), the text tower and the tokenizer (unless fetched.json says the
   checkpoint had none: then images only). HF_NO_TEXT_TOWER when only the text tower and its files
   are missing (an install from before cull read text); -1 otherwise.
   why gets the reason. */
#define HF_NO_TEXT_TOWER (-2)
int hf_check(const char *folder, char *why, size_t cap);

#endif
