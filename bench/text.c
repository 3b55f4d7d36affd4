/*
 * text.c — benchmark: words (the text tower, search).
 *
 *   text [SECONDS] [N]
 *
 * 1. One prompt through the CLIP ViT-B/32 text tower (hidden 512, MLP 2048, 12 layers, 8 heads,
 *    49,408 token rows, 77 positions, projection 512, quick_gelu) with random F16 weights, written
 *    as a model folder (text tensors in model.safetensors, a byte-level vocab.json + merges.txt) and
 *    opened as cull opens one (text_encoder_open: the load time is reported too). text_encode —
 *    tokenizer, the causal blocks on the tokens up to the end token, projection — on prompts of 8,
 *    24 and 77 tokens (a byte-level vocabulary: a real one makes "a screenshot of a chat" 7 tokens).
 *    Best pass over about SECONDS (default 3) after a warm-up; the bf16 path too where oneDNN has
 *    a native bf16 kernel. Target: < 20 ms for one prompt.
 * 2. Search over N (default 100,000) stored 512-d embeddings: what `cull search` does once the
 *    text tower is loaded and the query encoded — every embedding read from a library file
 *    (pipeline/text_search.c: embeddings, then paths; fp16 to float), its cosine with the
 *    query, the list sorted. Best of 3.
 *    Target: < 0.5 s on 2 cores.
 * bench/text_torch.py runs the same text tower in PyTorch (all 77 positions, as Hugging Face's
 * CLIPTextModel does, and only the prompt's) and the same search as a notebook would (numpy over a
 * float32 matrix already in memory), for the ratios bench/run.sh prints.
 *
 * Output: human-readable lines, then "key: value" lines for bench/run.sh.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "timing.h"
#include "encoders/safetensors.h"
#include "encoders/text_encoder.h"
#include "library/library.h"
#include "pipeline/text_search.h"
#include "nn/gemm_bf16.h"
#include "util/blas_setup.h"
#include "util/fp16.h"
#include "util/fsutil.h"

enum { D = 512, I = 2048, LAYERS = 12, HEADS = 8, VOCAB = 49408, CTX = 77, PROJ = 512 };

static uint32_t rng = 7;
#define frand() bench_frand(&rng)

/* The text tower in the Hugging Face layout, random F16 weights, and a byte-level tokenizer. */
static int write_model(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (!g_file_set_contents(path,
                             "{\"projection_dim\": 512, \"text_config\": {\"hidden_size\": 512, \"intermediate_size\":"
                             " 2048, \"num_hidden_layers\": 12, \"num_attention_heads\": 8, \"vocab_size\": 49408,"
                             " \"max_position_embeddings\": 77, \"eos_token_id\": 2, \"hidden_act\": \"quick_gelu\"}}\n",
                             -1, NULL))
        return -1;
    GString *v = g_string_new("{");
    int id = 0;
    for (int end = 0; end < 2; end++)
        for (int b = 0, next = 256; b < 256; b++) {
            int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char sym[8];
            sym[g_unichar_to_utf8((gunichar)(printable ? b : next++), sym)] = 0;
            g_string_append_printf(v, "%s\"%s%s%s\": %d", id ? ", " : "", b == '"' || b == '\\' ? "\\" : "", sym,
                                   end ? "</w>" : "", id);
            id++;
        }
    g_string_append_printf(v, ", \"<|startoftext|>\": %d, \"<|endoftext|>\": %d}", id, id + 1);
    snprintf(path, sizeof path, "%s/vocab.json", dir);
    int ok = g_file_set_contents(path, v->str, (gssize)v->len, NULL);
    g_string_free(v, TRUE);
    snprintf(path, sizeof path, "%s/merges.txt", dir);
    if (!ok || !g_file_set_contents(path, "#version: 0.2\n", -1, NULL)) return -1;

    enum { MAXT = 8 + 16 * LAYERS };
    static st_tensor ts[MAXT];
    static char names[MAXT][96];
    size_t n = 0;
#define T(r, a, b, ...)                                                                                \
    do {                                                                                               \
        snprintf(names[n], sizeof names[n], __VA_ARGS__);                                              \
        ts[n] = (st_tensor){.name = names[n], .dtype = ST_F16, .rank = r, .shape = {a, b}};            \
        ts[n].elems = (uint64_t)(a) * ((r) > 1 ? (uint64_t)(b) : 1);                                   \
        n++;                                                                                           \
    } while (0)
    T(2, VOCAB, D, "text_model.embeddings.token_embedding.weight");
    T(2, CTX, D, "text_model.embeddings.position_embedding.weight");
    for (int l = 0; l < LAYERS; l++) {
        static const char *const lin[4] = {"q_proj", "k_proj", "v_proj", "out_proj"};
        for (int k = 0; k < 4; k++) {
            T(2, D, D, "text_model.encoder.layers.%d.self_attn.%s.weight", l, lin[k]);
            T(1, D, 0, "text_model.encoder.layers.%d.self_attn.%s.bias", l, lin[k]);
        }
        T(1, D, 0, "text_model.encoder.layers.%d.layer_norm1.weight", l);
        T(1, D, 0, "text_model.encoder.layers.%d.layer_norm1.bias", l);
        T(2, I, D, "text_model.encoder.layers.%d.mlp.fc1.weight", l);
        T(1, I, 0, "text_model.encoder.layers.%d.mlp.fc1.bias", l);
        T(2, D, I, "text_model.encoder.layers.%d.mlp.fc2.weight", l);
        T(1, D, 0, "text_model.encoder.layers.%d.mlp.fc2.bias", l);
        T(1, D, 0, "text_model.encoder.layers.%d.layer_norm2.weight", l);
        T(1, D, 0, "text_model.encoder.layers.%d.layer_norm2.bias", l);
    }
    T(1, D, 0, "text_model.final_layer_norm.weight");
    T(1, D, 0, "text_model.final_layer_norm.bias");
    T(2, PROJ, D, "text_projection.weight");
#undef T
    size_t hlen;
    uint8_t *hdr = st_build_header(ts, n, NULL, &hlen);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    FILE *f = hdr ? fopen(path, "wb") : NULL;
    if (!f) return -1;
    fwrite(hdr, 1, hlen, f);
    free(hdr);
    uint16_t buf[4096];
    for (size_t i = 0; i < n; i++) {
        int norm_gain = strstr(ts[i].name, "norm") && strstr(ts[i].name, ".weight");
        for (uint64_t k = 0; k < ts[i].elems; k += 4096) {
            size_t m = ts[i].elems - k < 4096 ? (size_t)(ts[i].elems - k) : 4096;
            for (size_t j = 0; j < m; j++) buf[j] = fp16_from_float(norm_gain ? 1.0f + 0.1f * frand() : 0.06f * frand());
            fwrite(buf, 2, m, f);
        }
    }
    return fclose(f);
}

/* Best seconds of text_encode(text) over about seconds. */
static double encode_time(text_encoder *t, const char *text, double seconds)
{
    float out[PROJ];
    char err[256];
    double best = 1e30, t0 = now_monotonic();
    for (int r = 0; r < 3 || now_monotonic() - t0 < seconds; r++) {
        double s = now_monotonic();
        if (text_encode(t, text, NULL, out, err, sizeof err)) {
            fprintf(stderr, "text: %s\n", err);
            return -1;
        }
        double e = now_monotonic() - s;
        if (r > 0 && e < best) best = e;
    }
    return best;
}

/* ---- search ---- */

static int by_cosine_desc(const void *a, const void *b)
{
    const text_match *x = a, *y = b;
    return x->cosine < y->cosine ? 1 : x->cosine > y->cosine ? -1 : 0;
}

static library *make_library(const char *path, size_t n)
{
    char err[512];
    library *lib = library_open(path, LIBRARY_CREATE, err, sizeof err);
    if (!lib || library_begin(lib)) return NULL;
    float v[PROJ];
    for (size_t i = 0; i < n; i++) {
        uint8_t sha[32] = {0};
        memcpy(sha, &i, sizeof i);
        image_meta meta = {.bytes = 100000, .width = 640, .height = 480};
        snprintf(meta.format, sizeof meta.format, "jpeg");
        int64_t id;
        char p[128];
        snprintf(p, sizeof p, "/photos/%03zu/img_%06zu.jpg", i / 100, i);
        file_stamp st = {100000, (int64_t)i, (int64_t)i, 1};
        for (int k = 0; k < PROJ; k++) v[k] = frand();
        if (library_put_image(lib, sha, &meta, &id) || library_put_path(lib, p, id, &st) ||
            library_put_embedding(lib, id, "bench-text", v, PROJ))
            return NULL;
    }
    return library_commit(lib) ? NULL : lib;
}

int main(int argc, char **argv)
{
    blas_setup(argv);
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    size_t n = argc > 2 ? (size_t)atol(argv[2]) : 100000;
    char dir[] = "/tmp/cull-bench-text.XXXXXX", err[1024];
    if (!mkdtemp(dir) || write_model(dir)) {
        fprintf(stderr, "text: cannot write the model\n");
        return 1;
    }
    printf("CLIP ViT-B/32 text tower (512 wide, 12 layers, 8 heads, 49,408 tokens, random F16 weights), threads: %d\n",
           (int)sysconf(_SC_NPROCESSORS_ONLN));
    static const struct { const char *label, *key, *text; } prompts[] = {
        {"8 tokens", "p8", "abcdef"},
        {"24 tokens", "p24", "a screenshot of a chat"},
        {"77 tokens", "p77", "a long prompt that goes on and on past the seventy-seven tokens CLIP reads, all of them"},
    };
    const char *precisions[2] = {"f32", "bf16"};
    for (int p = 0; p < 2; p++) {
        if (p == 1 && !nn_bf16_native_isa()) {
            printf("  bf16: no native bf16 kernel here (AMX or AVX512-BF16): skipped\n");
            break;
        }
        setenv("CULL_PRECISION", precisions[p], 1);
        double t0 = now_monotonic();
        text_encoder *t = text_encoder_open(dir, err, sizeof err);
        if (!t) {
            fprintf(stderr, "text: %s\n", err);
            return 1;
        }
        double load = now_monotonic() - t0;
        printf("  %s: load %.0f ms (model.safetensors + tokenizer; converted to float once)\n", precisions[p], load * 1e3);
        printf("load_ms_%s: %.1f\n", precisions[p], load * 1e3);
        for (size_t k = 0; k < sizeof prompts / sizeof *prompts; k++) {
            double s = encode_time(t, prompts[k].text, seconds / 3);
            if (s < 0) return 1;
            printf("  %s: one prompt of %s: %.2f ms%s\n", precisions[p], prompts[k].label, s * 1e3,
                   k == 0 ? "  (target < 20 ms)" : "");
            printf("ms_%s_%s: %.3f\n", prompts[k].key, precisions[p], s * 1e3);
        }
        text_encoder_close(t);
    }
    fs_remove_tree(dir);

    char db[] = "/tmp/cull-bench-search.XXXXXX";
    int fd = mkstemp(db);
    if (fd < 0) return 1;
    close(fd);
    unlink(db);
    library *lib = make_library(db, n);
    if (!lib) {
        fprintf(stderr, "text: cannot build the library\n");
        return 1;
    }
    float u[PROJ];
    double ss = 0;
    for (int k = 0; k < PROJ; k++) {
        u[k] = frand();
        ss += (double)u[k] * u[k];
    }
    for (int k = 0; k < PROJ; k++) u[k] /= (float)sqrt(ss);
    double best = 1e30;
    size_t found = 0;
    for (int r = 0; r < 3; r++) {
        double s = now_monotonic();
        text_match *m;
        if (text_search(lib, "bench-text", u, PROJ, NULL, 0, 0, &m, &found, err, sizeof err)) {
            fprintf(stderr, "text: %s\n", err);
            return 1;
        }
        qsort(m, found, sizeof *m, by_cosine_desc);
        double e = now_monotonic() - s;
        if (e < best) best = e;
        text_matches_free(m, found);
    }
    printf("  search over %zu stored 512-d embeddings (text_search: read from the library, cosine, paths; sorted):"
           " %.3f s  (target < 0.5 s)\n", found, best);
    printf("search_s: %.4f\nsearch_n: %zu\n", best, found);
    library_close(lib);
    unlink(db);
    return 0;
}
