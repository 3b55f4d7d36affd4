/*
 * fuzz_safetensors.c — the safetensors reader and the ViT weight loader on top of it. Model files
 * are downloaded or handed over by users: a lying header must give an error, never a bad read.
 *
 * Each input is a whole .safetensors file. When it opens, every F32/F16/BF16 tensor is converted
 * (reads every byte the header claims), the header is written again with st_build_header and
 * parsed back, and the file is loaded as the weights of a tiny ViT (hidden 8, 2 heads, MLP 16,
 * 1 layer, 16 px, patch 8, projection 4, gelu) which then runs one image: the loader's shape
 * checks must stop every tensor that does not fit. The seeds are such tiny models (F32, F16,
 * BF16) written by tests/reference/vit_reference.py, and broken headers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encoders/safetensors.h"
#include "encoders/vit.h"

static void convert_all(const st_file *f)
{
    char err[256];
    for (size_t i = 0; i < f->n_tensors; i++) {
        const st_tensor *t = &f->tensors[i];
        if (t->elems > (1u << 20)) continue; /* within the input, so at most its size anyway */
        float *out = malloc((t->elems ? t->elems : 1) * sizeof *out);
        if (out) st_read_f32(f, t, out, err, sizeof err);
        free(out);
    }
}

static void rewrite_header(const st_file *f)
{
    size_t len;
    uint64_t *begin = malloc((f->n_tensors + 1) * sizeof *begin);
    uint8_t *hdr = begin ? st_build_header(f->tensors, f->n_tensors, begin, &len) : NULL;
    if (hdr) {
        uint64_t data = 0;
        for (size_t i = 0; i < f->n_tensors; i++) data += f->tensors[i].end - f->tensors[i].begin;
        st_file g;
        char err[256];
        uint64_t n;
        if (st_header_len(hdr, len + data, "rewritten", &n, err, sizeof err) ||
            st_parse_header(&g, (const char *)hdr + 8, n, len + data, "rewritten", err, sizeof err))
            abort(); /* the writer must produce what the reader accepts */
        if (g.n_tensors != f->n_tensors) abort();
        st_close(&g);
    }
    free(hdr);
    free(begin);
}

static void load_tiny_vit(const st_file *f)
{
    vit_config cfg = {8, 16, 1, 2, 16, 8, 4, NN_GELU, 1e-5f, 0, 0, 0};
    char err[256];
    if (vit_config_finish(&cfg, "tiny", err, sizeof err)) abort();
    vit_model m;
    if (vit_model_from_st(&m, &cfg, f, err, sizeof err)) return;
    vit_state s = {0};
    float out[4];
    if (vit_state_reserve(&s, &cfg, 1, 1) == 0) {
        for (size_t i = 0; i < 3 * 16 * 16; i++) s.pixels[i] = (float)(i % 7) * 0.1f;
        vit_forward(&m, &s, 1, NULL, out);
    }
    vit_state_free(&s);
    vit_model_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_file f;
    char err[256];
    if (st_open_memory(&f, data, size, "fuzz.safetensors", err, sizeof err)) return 0;
    convert_all(&f);
    rewrite_header(&f);
    load_tiny_vit(&f);
    st_close(&f);
    return 0;
}
