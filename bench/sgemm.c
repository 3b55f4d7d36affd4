/*
 * sgemm.c — OpenBLAS's sgemm rate and accuracy with the kernel set it runs: 1024³, on one thread
 * and on all, best of about a second each, and the largest relative error of a sample of entries
 * against a float64 product of the same inputs.
 *
 *   sgemm          the kernels OpenBLAS detects by itself
 *   sgemm --cull   the kernels cull runs (blas_setup first, as the cull binary does)
 *
 * bench/run.sh runs both, so the two rates come from one run of one machine.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cblas.h>

#include "timing.h"
#include "util/blas_setup.h"
#include "util/splitmix.h"

#define N 1024

static double best_seconds(const float *a, const float *b, float *c, double seconds)
{
    double best = 1e30, t0 = now_monotonic();
    for (int r = 0; r < 3 || now_monotonic() - t0 < seconds; r++) {
        double s = now_monotonic();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a, N, b, N, 0.0f, c, N);
        double e = now_monotonic() - s;
        if (r > 0 && e < best) best = e;
    }
    return best;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--cull") == 0) blas_setup(argv);
    float *a = malloc(sizeof(float) * N * N), *b = malloc(sizeof(float) * N * N), *c = malloc(sizeof(float) * N * N);
    if (!a || !b || !c) return 1;
    uint64_t seed = 7;
    for (size_t i = 0; i < (size_t)N * N; i++) {
        a[i] = (float)(splitmix_next(&seed) >> 40) / (1 << 24) * 2 - 1;
        b[i] = (float)(splitmix_next(&seed) >> 40) / (1 << 24) * 2 - 1;
    }
    int threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    double t1 = best_seconds(a, b, c, 1.0);
    openblas_set_num_threads(threads);
    double tn = best_seconds(a, b, c, 1.0);
    /* Accuracy on 4096 sampled entries, relative to the sum of absolute products (the scale the
       rounding works at). */
    double worst = 0;
    for (int s = 0; s < 4096; s++) {
        size_t i = splitmix_next(&seed) % N, j = splitmix_next(&seed) % N;
        double want = 0, scale = 0;
        for (size_t k = 0; k < N; k++) {
            want += (double)a[i * N + k] * b[k * N + j];
            scale += fabs((double)a[i * N + k] * b[k * N + j]);
        }
        double e = fabs(c[i * N + j] - want) / scale;
        if (e > worst) worst = e;
    }
    double flop = 2.0 * N * N * N;
    printf("  %-9s 1 thread %6.1f GFLOP/s, %d threads %6.1f GFLOP/s, max relative error %.1e\n",
           openblas_get_corename(), flop / t1 / 1e9, threads, flop / tn / 1e9, worst);
    printf("gflops_1: %.1f\ngflops_n: %.1f\n", flop / t1 / 1e9, flop / tn / 1e9);
    free(a), free(b), free(c);
    return worst < 1e-5 ? 0 : 1;
}
