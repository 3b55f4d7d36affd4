/*
 * hf_fetch.h — `cull model fetch NAME` for the CLIP-family ViT encoders: download a model from the
 * Hugging Face hub into the models folder (encoder_models_dir()/NAME).
 *
 * Known names, their repositories and pinned revisions:
 *   clip-vit-b32    openai/clip-vit-base-patch32            (the default encoder once installed)
 *   clip-vit-b16    openai/clip-vit-base-patch16
 *   laion-vit-b32   laion/CLIP-ViT-B-32-laion2B-s34B-b79K
 * Files: https://huggingface.co/REPO/resolve/REVISION/{config.json, model.safetensors}; the base
 * URL can be replaced with the environment variable CULL_HF_ENDPOINT (tests point it at a local
 * server). config.json is checked for size and parsed; model.safetensors is fetched whole (size +
 * SHA-256 from the hub's X-Linked-Size / X-Linked-Etag) or, for a joint CLIP checkpoint, only its
 * vision tower by range requests (fetch/hf_weights.h). The files go to models/.tmp-NAME (kept
 * between runs, so an interrupted download resumes; a lock file keeps two fetches of one model
 * apart), are loaded once as a model to prove them whole, then the folder is renamed into place
 * (an older copy is replaced only after that). Progress goes to stderr; a bar on a terminal.
 */
#ifndef CULL_FETCH_HF_FETCH_H
#define CULL_FETCH_HF_FETCH_H

#include <stddef.h>

/* 1 when name is one of the models above. */
int hf_known_model(const char *name);
/* "clip-vit-b32, clip-vit-b16, laion-vit-b32": for messages. */
const char *hf_model_names(void);
/* One line about name ("openai/clip-vit-base-patch32 at REVISION: OpenAI CLIP ViT-B/32 ..."), or NULL. */
const char *hf_model_about(const char *name);

/* Installs name unless it is installed and loads (then says so and returns 0). 0, or -1 with a
   reason in err. */
int hf_fetch_model(const char *name, char *err, size_t errlen);
/* The same; force fetches anew even when an intact copy is installed. */
int hf_fetch_model_ex(const char *name, int force, char *err, size_t errlen);
/* 0 when name is installed and loads as a model (config.json + model.safetensors, every tensor
   present with the config's shape); -1 with the reason in why. */
int hf_model_check(const char *name, char *why, size_t cap);

#endif
