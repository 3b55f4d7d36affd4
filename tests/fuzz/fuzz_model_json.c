/*
 * fuzz_model_json.c — the stored-model parser. Models live in the library file, which a user may
 * copy between machines or edit: a damaged one must give an error, never a bad read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "learn/features.h"
#include "learn/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    cull_model m;
    char err[256];
    if (cull_model_from_json(text, &m, err, sizeof err) == 0) {
        /* A model that loads must also score without reading out of bounds. */
        float *row = calloc((size_t)cull_model_dim(&m), sizeof *row), *emb = calloc((size_t)m.embed_dim, sizeof *emb);
        image_meta meta = {0};
        if (row && emb) cull_model_score(&m, emb, &meta, "IMG_0001.jpg", row);
        free(row);
        free(emb);
        cull_model_free(&m);
    }
    free(text);
    return 0;
}
