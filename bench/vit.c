/*
 * vit.c — benchmark: the ViT-B/32 forward pass, model only (no decode, no preprocessing).
 *
 *   vit [SECONDS]
 *   vit --write-model DIR
 *
 * A ViT-B/32-shaped model (hidden 768, MLP 3072, 12 layers, 12 heads, 224 px, patch 32, projection
 * 512, quick_gelu) with random weights, run on a pool of one thread per CPU the way the encoder's
 * encode_batch runs it (vit_encoder.c): batch 1 with every step split across the threads, batch 16
 * as whole images per thread (and, for comparison, with every step split). Each is timed for about
 * SECONDS (default 3) after a warm-up; the figure is the best of the timed passes, which is the
 * least disturbed by other load on the machine. bench/vit_torch.py does the same in PyTorch.
 *
 * Also measures the machine's GEMM rate the way the forward pass uses it: sgemm 800 × 3072 × 768
 * (the MLP's first layer at batch 16), its output columns split across the same pool; the forward
 * pass's FLOP rate (8.8 GFLOP per image, counted from the shapes) is given as a share of it.
 * Like the cull binary, it calls blas_setup first, so OpenBLAS runs the kernel set cull picks.
 *
 * Output: human-readable lines, then "key: value" lines for bench/run.sh.
 *
 * --write-model writes the same random model as a Hugging Face folder (DIR/config.json +
 * DIR/model.safetensors, F16: 176 MB) for the end-to-end `cull index --encoder DIR` run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timing.h"
#include "encoders/safetensors.h"
#include "encoders/vit.h"
#include "nn/gemm.h"
#include "nn/parallel.h"
#include "util/blas_setup.h"
#include "util/fp16.h"

static uint32_t rng = 1;
#define frand() bench_frand(&rng)

/* FLOPs of one image through cfg: the GEMMs and attention products (2 per multiply-add). */
static double flops_per_image(const vit_config *c)
{
    double t = c->tokens, d = c->hidden, i = c->intermediate, np = (double)c->grid * c->grid;
    double layer = 2 * t * d * (3 * d + d + 2 * i) + 2 * 2 * t * t * d;
    return 2 * np * c->patch_dim * d + c->layers * layer + 2 * d * c->projection;
}

typedef struct {
    const float *a, *b;
    float *c;
    size_t m, n, k, block;
} gemm_job;

static void gemm_task(void *ctx, size_t task, int thread)
{
    (void)thread;
    gemm_job *j = ctx;
    size_t c0 = task * j->block, c1 = c0 + j->block < j->n ? c0 + j->block : j->n;
    nn_gemm(0, 1, j->m, c1 - c0, j->k, j->a, j->k, j->b + c0 * j->k, j->k, 0.0f, j->c + c0, j->n);
}

/* Best GFLOP/s of m × n × k (B transposed, as the linear layers) over about seconds. */
static double gemm_rate(nn_pool *pool, size_t m, size_t n, size_t k, double seconds)
{
    float *a = malloc(m * k * sizeof *a), *b = malloc(n * k * sizeof *b), *c = malloc(m * n * sizeof *c);
    if (!a || !b || !c) return 0;
    for (size_t i = 0; i < m * k; i++) a[i] = frand();
    for (size_t i = 0; i < n * k; i++) b[i] = frand();
    size_t threads = (size_t)nn_pool_threads(pool), block = ((n + threads - 1) / threads + 15) / 16 * 16;
    gemm_job j = {a, b, c, m, n, k, block};
    double best = 1e30, t0 = now_monotonic();
    for (int r = 0; r < 3 || now_monotonic() - t0 < seconds; r++) {
        double s = now_monotonic();
        nn_pool_run(pool, (n + block - 1) / block, gemm_task, &j);
        double e = now_monotonic() - s;
        if (r > 0 && e < best) best = e;
    }
    free(a);
    free(b);
    free(c);
    return 2.0 * m * n * k / best / 1e9;
}

/* Best seconds per forward pass of batch n over about seconds. */
static double forward_time(const vit_model *m, vit_state *s, int n, nn_pool *pool, float *out, double seconds)
{
    size_t px = (size_t)n * 3 * m->cfg.image_size * m->cfg.image_size;
    for (size_t i = 0; i < px; i++) s->pixels[i] = frand() * 2;
    double best = 1e30, t0 = now_monotonic();
    for (int r = 0; r < 3 || now_monotonic() - t0 < seconds; r++) {
        double st = now_monotonic();
        vit_forward(m, s, n, pool, out);
        double e = now_monotonic() - st;
        if (r > 0 && e < best) best = e;
    }
    return best;
}

/* ViT-B/32 in the Hugging Face layout with random F16 weights (vit_load.c's names and shapes). */
static int write_model(const char *dir, const vit_config *c)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "{\"projection_dim\": %d, \"vision_config\": {\"hidden_size\": %d, \"intermediate_size\": %d, "
               "\"num_hidden_layers\": %d, \"num_attention_heads\": %d, \"image_size\": %d, \"patch_size\": %d, "
               "\"hidden_act\": \"quick_gelu\", \"layer_norm_eps\": 1e-05}}\n",
            c->projection, c->hidden, c->intermediate, c->layers, c->heads, c->image_size, c->patch_size);
    fclose(f);
    enum { MAXT = 8 + 16 * 64 };
    static st_tensor ts[MAXT];
    static char names[MAXT][96];
    size_t n = 0;
    uint64_t d = (uint64_t)c->hidden, in = (uint64_t)c->intermediate, p = (uint64_t)c->patch_size;
#define T(r, a, b, cc, dd, ...)                                                                        \
    do {                                                                                               \
        snprintf(names[n], sizeof names[n], __VA_ARGS__);                                              \
        ts[n] = (st_tensor){.name = names[n], .dtype = ST_F16, .rank = r, .shape = {a, b, cc, dd}};    \
        ts[n].elems = (uint64_t)(a) * ((r) > 1 ? (b) : 1) * ((r) > 2 ? (cc) : 1) * ((r) > 3 ? (dd) : 1); \
        n++;                                                                                           \
    } while (0)
    T(4, d, 3, p, p, "vision_model.embeddings.patch_embedding.weight");
    T(1, d, 0, 0, 0, "vision_model.embeddings.class_embedding");
    T(2, (uint64_t)c->tokens, d, 0, 0, "vision_model.embeddings.position_embedding.weight");
    T(1, d, 0, 0, 0, "vision_model.pre_layrnorm.weight");
    T(1, d, 0, 0, 0, "vision_model.pre_layrnorm.bias");
    for (int l = 0; l < c->layers; l++) {
        static const char *const lin[4] = {"q_proj", "k_proj", "v_proj", "out_proj"};
        for (int k = 0; k < 4; k++) {
            T(2, d, d, 0, 0, "vision_model.encoder.layers.%d.self_attn.%s.weight", l, lin[k]);
            T(1, d, 0, 0, 0, "vision_model.encoder.layers.%d.self_attn.%s.bias", l, lin[k]);
        }
        T(1, d, 0, 0, 0, "vision_model.encoder.layers.%d.layer_norm1.weight", l);
        T(1, d, 0, 0, 0, "vision_model.encoder.layers.%d.layer_norm1.bias", l);
        T(2, in, d, 0, 0, "vision_model.encoder.layers.%d.mlp.fc1.weight", l);
        T(1, in, 0, 0, 0, "vision_model.encoder.layers.%d.mlp.fc1.bias", l);
        T(2, d, in, 0, 0, "vision_model.encoder.layers.%d.mlp.fc2.weight", l);
        T(1, d, 0, 0, 0, "vision_model.encoder.layers.%d.mlp.fc2.bias", l);
        T(1, d, 0, 0, 0, "vision_model.encoder.layers.%d.layer_norm2.weight", l);
        T(1, d, 0, 0, 0, "vision_model.encoder.layers.%d.layer_norm2.bias", l);
    }
    T(1, d, 0, 0, 0, "vision_model.post_layernorm.weight");
    T(1, d, 0, 0, 0, "vision_model.post_layernorm.bias");
    T(2, (uint64_t)c->projection, d, 0, 0, "visual_projection.weight");
#undef T
    size_t hlen;
    uint8_t *hdr = st_build_header(ts, n, NULL, &hlen);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    f = hdr ? fopen(path, "wb") : NULL;
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

/* Whole images per thread, as encode_batch runs batches of two or more images per thread: each
   thread runs its share through the network on its own state, no pool inside; best seconds per
   batch of n over about seconds. */
typedef struct {
    const vit_model *m;
    vit_state *st;
    int per;
    float *out;
} split_job;

static void split_task(void *ctx, size_t task, int thread)
{
    (void)thread;
    split_job *j = ctx;
    vit_forward(j->m, &j->st[task], j->per, NULL, j->out + task * (size_t)j->per * (size_t)j->m->cfg.projection);
}

static double split_time(const vit_model *m, int n, nn_pool *pool, float *out, double seconds)
{
    int threads = nn_pool_threads(pool), per = n / threads;
    vit_state *st = calloc((size_t)threads, sizeof *st);
    for (int t = 0; t < threads; t++) {
        if (vit_state_reserve(&st[t], &m->cfg, per, 1)) return 1e30;
        for (size_t i = 0; i < (size_t)per * 3 * m->cfg.image_size * m->cfg.image_size; i++) st[t].pixels[i] = frand() * 2;
    }
    split_job j = {m, st, per, out};
    double best = 1e30, t0 = now_monotonic();
    for (int r = 0; r < 3 || now_monotonic() - t0 < seconds; r++) {
        double s = now_monotonic();
        nn_pool_run(pool, (size_t)threads, split_task, &j);
        double e = now_monotonic() - s;
        if (r > 0 && e < best) best = e;
    }
    for (int t = 0; t < threads; t++) vit_state_free(&st[t]);
    free(st);
    return best * n / (per * threads);
}

int main(int argc, char **argv)
{
    blas_setup(argv);
    nn_gemm_init();
    vit_config cfg = {768, 3072, 12, 12, 224, 32, 512, NN_QUICK_GELU, 1e-5f, 0, 0, 0};
    char err[256];
    if (argc > 2 && strcmp(argv[1], "--write-model") == 0) {
        vit_config_finish(&cfg, "ViT-B/32", err, sizeof err);
        if (write_model(argv[2], &cfg) == 0) return 0;
        fprintf(stderr, "vit: cannot write the model into %s\n", argv[2]);
        return 1;
    }
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    vit_model m;
    if (vit_config_finish(&cfg, "ViT-B/32", err, sizeof err) || vit_model_alloc(&m, &cfg)) {
        fprintf(stderr, "vit: cannot make the model: %s\n", err);
        return 1;
    }
    /* Weights of realistic scale: uniform with the variance of N(0, 1/fan_in), layer norms ~1. */
    for (size_t i = 0; i < m.arena_floats; i++) m.arena[i] = frand() * 0.06f;
    int threads = nn_cpu_count();
    nn_pool *pool = nn_pool_create(threads);
    vit_state s = {0};
    float *out = malloc(16 * (size_t)cfg.projection * sizeof *out);
    if (!pool || !out || vit_state_reserve(&s, &cfg, 16, threads)) {
        fprintf(stderr, "vit: out of memory\n");
        return 1;
    }
    double gflop = flops_per_image(&cfg) / 1e9;
    double rate = gemm_rate(pool, 800, 3072, 768, seconds / 2);
    double t1 = forward_time(&m, &s, 1, pool, out, seconds);
    double t16_steps = forward_time(&m, &s, 16, pool, out, seconds);
    double t16 = split_time(&m, 16, pool, out, seconds);
    double ips1 = 1 / t1, ips16 = 16 / t16, ips16_steps = 16 / t16_steps;
    printf("ViT-B/32 (random weights), %.2f GFLOP per image, %d threads, OpenBLAS core %s\n", gflop, threads,
           blas_core_name());
    printf("  GEMM 800×3072×768 across the pool:  %6.1f GFLOP/s\n", rate);
    printf("  cull batch  1: %6.2f images/s  (%6.1f ms per image, %5.1f GFLOP/s)\n", ips1, 1e3 * t1, ips1 * gflop);
    printf("  cull batch 16: %6.2f images/s  (%6.1f ms per image, %5.1f GFLOP/s = %.0f%% of the GEMM rate)\n", ips16,
           1e3 * t16 / 16, ips16 * gflop, 100 * ips16 * gflop / rate);
    printf("  (batch 16 with each step split across the threads instead: %.2f images/s)\n", ips16_steps);
    printf("gemm_gflops: %.1f\nips_b1: %.3f\nips_b16: %.3f\nips_b16_steps: %.3f\ngflop_per_image: %.3f\n", rate, ips1,
           ips16, ips16_steps, gflop);
    /* The same network with its linear layers in bf16 (cull's default where oneDNN has a native
       bf16 kernel: AMX or AVX512-BF16). */
    const char *isa = nn_bf16_native_isa();
    if (!isa) {
        printf("  bf16: no native bf16 kernel here (oneDNN), so cull runs float32 as above\n");
    } else if (vit_model_use_bf16(&m, err, sizeof err)) {
        printf("  bf16: %s\n", err);
    } else {
        double b1 = 1 / forward_time(&m, &s, 1, pool, out, seconds);
        double b16 = 16 / split_time(&m, 16, pool, out, seconds);
        double b16_steps = 16 / forward_time(&m, &s, 16, pool, out, seconds);
        printf("  cull bf16 (oneDNN %s, CULL_PRECISION=auto here):\n", isa);
        printf("    batch  1: %6.2f images/s  (%6.1f ms per image, %6.1f GFLOP/s)\n", b1, 1e3 / b1, b1 * gflop);
        printf("    batch 16: %6.2f images/s  (%6.1f ms per image, %6.1f GFLOP/s = %.1f× the float32 GEMM rate)\n",
               b16, 1e3 / b16, b16 * gflop, b16 * gflop / rate);
        printf("    (batch 16 with each step split across the threads instead: %.2f images/s)\n", b16_steps);
        printf("ips_b1_bf16: %.3f\nips_b16_bf16: %.3f\n", b1, b16 > b16_steps ? b16 : b16_steps);
    }
    vit_state_free(&s);
    nn_pool_destroy(pool);
    vit_model_free(&m);
    free(out);
    return 0;
}
