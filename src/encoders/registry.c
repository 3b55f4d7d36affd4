/*
 * registry.c — the table of models (registry.h).
 */
#include "encoders/registry.h"

#include <stdio.h>
#include <string.h>

static const npm_source NSFWJS_MOBILENET = {
    "nsfwjs@4.4.0",
    "nsfwjs-4.4.0.tgz",
    "sha512-krC1fgeTLXtZwgdpKJ0jm7hqv0gTSRQQRL+FhOaxaJ9Wj92t42BO3csO2odwgTAgZgf2RvkwPtp0R8Aa7dc+MA==",
    "mobilenet_v2_mid",
    {
        {"model.json", 135282, "c798c274c18d97c3de7af554009e53761a0600214cf54c5fb4b92f6324a117b8"},
        {"group1-shard1of2.bin", 4194304, "70e4519134a0a12417ad80b6c299d8a2b90e52ce389d03d9d56b08df6b7f5b09"},
        {"group1-shard2of2.bin", 106471, "70f6216b39b52b6f1e31e13683c71987a587dc1a85644adffa17cb48c2e9bee7"},
        {NULL, 0, NULL},
    },
};

/*
 * Revisions: commit hashes can only be checked against the hub, which was out of reach when these
 * were written. clip-vit-b32's is the commit several public projects pin to load (and download
 * model.safetensors from) openai/clip-vit-base-patch32; the others follow "main" until someone
 * confirms a commit that has model.safetensors. A pinned hash keeps every user on the same bytes
 * (the library records embeddings under the weights' checksum either way).
 */
static const hf_source CLIP_B32 = {"openai/clip-vit-base-patch32", "d15b5f29721ca72dac15f8526b284be910de18be"};
static const hf_source CLIP_B16 = {"openai/clip-vit-base-patch16", "main"};
static const hf_source LAION_B32 = {"laion/CLIP-ViT-B-32-laion2B-s34B-b79K", "main"};

static const model_entry MODELS[] = {
    {"lite", WEIGHTS_BUILT_IN, "built in: image statistics for photo vs screenshot, exposure, colour, focus (no model files)", 200, NULL, NULL},
    {"mobilenet", WEIGHTS_TFJS,
     "MobileNetV2-1.4 ImageNet features (1792-d) + 5-class head, from the npm package nsfwjs@4.4.0; 4.3 MB", 35,
     &NSFWJS_MOBILENET, NULL},
    {"clip-vit-b32", WEIGHTS_VIT,
     "OpenAI CLIP ViT-B/32: 224 px, patches of 32, 512-d embedding; vision tower about 350 MB", 18, NULL, &CLIP_B32},
    {"clip-vit-b16", WEIGHTS_VIT,
     "OpenAI CLIP ViT-B/16: 224 px, patches of 16 (4.4x the compute of B/32), 512-d; about 350 MB", 5, NULL,
     &CLIP_B16},
    {"laion-vit-b32", WEIGHTS_VIT,
     "LAION-2B CLIP ViT-B/32 (open_clip, gelu): 224 px, 512-d embedding; vision tower about 350 MB", 18, NULL,
     &LAION_B32},
};
#define N_MODELS (sizeof MODELS / sizeof *MODELS)

const model_entry *model_at(size_t i)
{
    return i < N_MODELS ? &MODELS[i] : NULL;
}

const model_entry *model_find(const char *name)
{
    for (size_t i = 0; name && i < N_MODELS; i++)
        if (strcmp(MODELS[i].name, name) == 0) return &MODELS[i];
    return NULL;
}

const char *model_names(int fetchable, char *buf, size_t cap)
{
    size_t used = 0;
    if (cap) buf[0] = 0;
    for (size_t i = 0; i < N_MODELS && used < cap; i++) {
        if (fetchable && !MODELS[i].npm && !MODELS[i].hf) continue;
        int w = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", MODELS[i].name);
        used += w > 0 ? (size_t)w : 0;
    }
    return buf;
}
