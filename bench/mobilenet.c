/*
 * mobilenet.c — benchmark: cull's mobilenet encoder, model only (no decode), and the machine's GEMM
 * rate.
 *
 *   mobilenet [REPEATS [MODEL_DIR]]
 *
 * Opens the installed model the way cull does (encoder_open("mobilenet"); MODEL_DIR, a tfjs
 * graph-model folder, instead when given) and feeds it 224×224 RGB images (random pixels; the
 * encoder's bilinear resize to the input size is then cheap, and it is timed with the rest), on the
 * threads cull uses:
 *   batch 1,  1 thread:  encode() one image after another (one image's latency; `cull embed`)
 *   batch 1,  T threads: T threads calling encode() at once (each image on one thread)
 *   batch 16, T threads: encode_batch() of 16 images, its pool of one thread per CPU taking whole
 *                        images per thread: what `cull index` runs (pipeline/indexer.c: its
 *                        decoders queue previews, one thread encodes them 16 at a time)
 * with T = the CPUs this process may use (nn_cpu_count). Each is warmed up, then timed REPEATS times
 * (default 15); the figure is the median (the best is shown beside it).
 *
 * GEMM rate: cblas_sgemm 1024 × 1024 × 1024 with the kernels cull picks (blas_setup first, as the
 * cull binary does; OpenBLAS in single-thread mode, nn_gemm_init, as the encoder runs it): on one
 * thread, and on T threads with the output columns split across the same kind of pool. The forward
 * pass's FLOP rate is given as a share of it. FLOPs per image are counted from the model's planned
 * graph: 2 per multiply-add of every convolution, depthwise convolution and matrix product
 * (element-wise ops, pooling and softmax not counted).
 *
 * Output: human-readable lines, then "key: value" lines for bench/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>

#include "encoders/encoder.h"
#include "encoders/tfjs_exec.h"
#include "encoders/tfjs_model.h"
#include "nn/gemm.h"
#include "nn/parallel.h"
#include "util/blas_setup.h"
#include "timing.h"

#define BATCH 16
#define PER_THREAD 4            /* encode() calls per thread in one timed batch-1 pass */
#define GEMM_N 1024




static uint32_t rng = 1;

static uint32_t next(void)
{
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

/* ---- FLOPs per image, from the planned graph ---------------------------------------------------- */

static double flops_per_image(const char *dir, char *err, size_t errlen)
{
    tfjs_model m;
    tfjs_plan p;
    if (tfjs_model_load(dir, &m, err, errlen)) return -1;
    int outputs[TFJS_MAX_OUTPUTS];
    int n_out = tfjs_default_outputs(&m, outputs, TFJS_MAX_OUTPUTS);
    if (n_out < 1 || tfjs_plan_build(&m, outputs, n_out, dir, &p, err, errlen)) {
        if (n_out < 1) snprintf(err, errlen, "%.400s: the graph has no output", dir);
        tfjs_model_free(&m);
        return -1;
    }
    double f = 0;
    for (int i = 0; i < p.n_steps; i++) {
        const tfjs_step *st = &p.steps[i];
        if (st->op == TFJS_CONV2D) {
            const nn_conv2d *c = &st->k.conv;
            f += 2.0 * c->oh * c->ow * c->oc * c->kh * c->kw * c->c;
        } else if (st->op == TFJS_DEPTHWISE) {
            const nn_depthwise *d = &st->k.dw;
            f += 2.0 * d->oh * d->ow * d->c * d->mult * d->kh * d->kw;
        } else if (st->op == TFJS_MATMUL) {
            f += 2.0 * (double)st->k.dense.k * (double)st->k.dense.n;
        }
    }
    tfjs_plan_free(&p);
    tfjs_model_free(&m);
    return f;
}

/* ---- GEMM rate ---------------------------------------------------------------------------------- */

typedef struct {
    const float *a, *b;
    float *c;
    size_t n, block;
} gemm_job;

/* Task t: output columns [t·block, (t+1)·block) of C = A·B, all n × n. */
static void gemm_task(void *ctx, size_t task, int thread)
{
    (void)thread;
    gemm_job *j = ctx;
    size_t c0 = task * j->block, c1 = c0 + j->block < j->n ? c0 + j->block : j->n;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)j->n, (blasint)(c1 - c0), (blasint)j->n, 1.0f,
                j->a, (blasint)j->n, j->b + c0, (blasint)j->n, 0.0f, j->c + c0, (blasint)j->n);
}

/* Median GFLOP/s of an n×n×n sgemm on pool (NULL: this thread alone), after one warm-up. */
static double gemm_rate(nn_pool *pool, size_t n, int repeats)
{
    float *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b), *c = malloc(n * n * sizeof *c);
    double *t = malloc((size_t)repeats * sizeof *t);
    if (!a || !b || !c || !t) return 0;
    for (size_t i = 0; i < n * n; i++) {
        a[i] = (float)next() / 8388608.0f - 1.0f;
        b[i] = (float)next() / 8388608.0f - 1.0f;
    }
    size_t threads = (size_t)nn_pool_threads(pool), block = ((n + threads - 1) / threads + 15) / 16 * 16;
    gemm_job j = {a, b, c, n, block};
    for (int r = -1; r < repeats; r++) {
        double s = now_monotonic();
        nn_pool_run(pool, (n + block - 1) / block, gemm_task, &j);
        if (r >= 0) t[r] = now_monotonic() - s;
    }
    double rate = 2.0 * n * n * n / median(t, repeats) / 1e9;
    free(a);
    free(b);
    free(c);
    free(t);
    return rate;
}

/* ---- the encoder -------------------------------------------------------------------------------- */

typedef struct {
    const encoder *enc;
    const rgb_image *imgs;
    float *out;
    int failed;
} encode_job;

/* Task i: encode() image i mod BATCH on whichever pool thread takes it. */
static void encode_task(void *ctx, size_t i, int thread)
{
    (void)thread;
    encode_job *j = ctx;
    char err[256];
    size_t k = i % BATCH;
    if (j->enc->encode(j->enc, &j->imgs[k], j->out + k * (size_t)j->enc->dim, err, sizeof err)) {
        fprintf(stderr, "mobilenet: encode: %s\n", err);
        j->failed = 1;
    }
}

/* Median seconds per image of `tasks` encode() calls on pool (NULL: one thread); the best in *best. */
static double encode_time(nn_pool *pool, encode_job *j, size_t tasks, int repeats, double *best)
{
    double *t = malloc((size_t)repeats * sizeof *t);
    if (!t) return 0;
    for (int r = -1; r < repeats; r++) {
        double s = now_monotonic();
        nn_pool_run(pool, tasks, encode_task, j);
        if (r >= 0) t[r] = (now_monotonic() - s) / (double)tasks;
    }
    double m = median(t, repeats);
    *best = t[0];
    free(t);
    return m;
}

/* Median seconds per image of encode_batch() of BATCH images; the best in *best. */
static double batch_time(encode_job *j, int repeats, double *best)
{
    double *t = malloc((size_t)repeats * sizeof *t);
    if (!t) return 0;
    char err[256];
    for (int r = -1; r < repeats; r++) {
        double s = now_monotonic();
        if (j->enc->encode_batch(j->enc, j->imgs, BATCH, j->out, err, sizeof err)) {
            fprintf(stderr, "mobilenet: encode_batch: %s\n", err);
            j->failed = 1;
            free(t);
            return 0;
        }
        if (r >= 0) t[r] = (now_monotonic() - s) / BATCH;
    }
    double m = median(t, repeats);
    *best = t[0];
    free(t);
    return m;
}

int main(int argc, char **argv)
{
    blas_setup(argv);
    nn_gemm_init();
    int repeats = argc > 1 ? atoi(argv[1]) : 15;
    if (repeats < 1 || argc > 3) {
        fprintf(stderr, "usage: mobilenet [REPEATS [MODEL_DIR]]\n");
        return 2;
    }
    char err[512], models[4096], dir[4200];
    if (argc > 2) snprintf(dir, sizeof dir, "%s", argv[2]);
    else snprintf(dir, sizeof dir, "%s/mobilenet", encoder_models_dir(models, sizeof models));
    encoder *enc = argc > 2 ? encoder_open(dir, err, sizeof err) : encoder_open("mobilenet", err, sizeof err);
    if (!enc) {
        fprintf(stderr, "mobilenet: %s\n", err);
        return 1;
    }
    double flops = flops_per_image(dir, err, sizeof err);
    if (flops < 0) {
        fprintf(stderr, "mobilenet: counting FLOPs: %s\n", err);
        return 1;
    }
    double gflop = flops / 1e9;

    int threads = nn_cpu_count();
    nn_pool *pool = nn_pool_create(threads);
    rgb_image imgs[BATCH];
    float *out = malloc((size_t)BATCH * (size_t)enc->dim * sizeof *out);
    if (!pool || !out) {
        fprintf(stderr, "mobilenet: out of memory\n");
        return 1;
    }
    threads = nn_pool_threads(pool);
    for (int i = 0; i < BATCH; i++) {
        imgs[i].width = imgs[i].height = 224;
        imgs[i].rgb = malloc(224 * 224 * 3);
        if (!imgs[i].rgb) return 1;
        for (int k = 0; k < 224 * 224 * 3; k++) imgs[i].rgb[k] = (uint8_t)(next() & 255);
    }

    double gemm1 = gemm_rate(NULL, GEMM_N, repeats);
    double gemm_t = gemm_rate(pool, GEMM_N, repeats);
    encode_job j = {enc, imgs, out, 0};
    double b1, b1_t, b16 = 0;
    double t1 = encode_time(NULL, &j, PER_THREAD, repeats, &b1);
    double t1_t = encode_time(pool, &j, (size_t)PER_THREAD * (size_t)threads, repeats, &b1_t);
    double t16 = enc->encode_batch ? batch_time(&j, repeats, &b16) : 0;
    if (j.failed) return 1;

    double ips1 = 1 / t1, ips1_t = 1 / t1_t, ips16 = t16 > 0 ? 1 / t16 : 0;
    printf("%s (%s): %d-d vector, %.3f GFLOP per image (counted from the graph); %d threads, OpenBLAS core %s; "
           "224×224 inputs; median of %d (best in brackets)\n",
           enc->name, enc->id, enc->dim, gflop, threads, blas_core_name(), repeats);
    char label[64];
    snprintf(label, sizeof label, "sgemm %dx%dx%d, 1 thread:", GEMM_N, GEMM_N, GEMM_N);
    printf("  %-40s %6.1f GFLOP/s\n", label, gemm1);
    snprintf(label, sizeof label, "sgemm %dx%dx%d, %d threads:", GEMM_N, GEMM_N, GEMM_N, threads);
    printf("  %-40s %6.1f GFLOP/s   (output columns split across the pool)\n", label, gemm_t);
    printf("  %-40s %6.1f images/s [%5.1f]  %5.1f ms/image; %5.1f GFLOP/s = %2.0f%% of 1-thread sgemm\n",
           "batch  1, encode(), 1 thread:", ips1, 1 / b1, 1e3 * t1, ips1 * gflop, 100 * ips1 * gflop / gemm1);
    snprintf(label, sizeof label, "batch  1, encode(), %d threads at once:", threads);
    printf("  %-40s %6.1f images/s [%5.1f]  %5.1f GFLOP/s = %2.0f%% of %d-thread sgemm\n", label, ips1_t, 1 / b1_t,
           ips1_t * gflop, 100 * ips1_t * gflop / gemm_t, threads);
    snprintf(label, sizeof label, "batch 16, encode_batch(), %d threads:", threads);
    if (ips16 > 0)
        printf("  %-40s %6.1f images/s [%5.1f]  %5.1f GFLOP/s = %2.0f%% of %d-thread sgemm (as cull index)\n", label,
               ips16, 1 / b16, ips16 * gflop, 100 * ips16 * gflop / gemm_t, threads);
    printf("gflop_per_image: %.4f\ngemm_gflops_1: %.1f\ngemm_gflops: %.1f\nips_b1_1t: %.3f\nips_b1: %.3f\n"
           "ips_b16: %.3f\nthreads: %d\n",
           gflop, gemm1, gemm_t, ips1, ips1_t, ips16, threads);

    for (int i = 0; i < BATCH; i++) free(imgs[i].rgb);
    free(out);
    nn_pool_destroy(pool);
    encoder_close(enc);
    return 0;
}
