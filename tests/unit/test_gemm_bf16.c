/*
 * Unit tests for the bf16 fully connected layer (nn/gemm_bf16.h), against a double-precision
 * product of the same bf16-rounded inputs. Skipped, with the reason, where oneDNN has no native bf16
 * kernel (neither AMX nor AVX512-BF16, or ONEDNN_MAX_CPU_ISA below both).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm_bf16.h"

static float uniform(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (float)((*seed >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* float → bf16 → float, nearest even: what the layer is specified to compute with. */
static double bf16_round(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    u += 0x7fffu + ((u >> 16) & 1);
    u &= 0xffff0000u;
    float r;
    memcpy(&r, &u, sizeof r);
    return r;
}

static void check_shape(size_t m, size_t n, size_t k, float beta, int threads)
{
    unsigned seed = (unsigned)(m * 131 + n * 7 + k);
    float *x = malloc(m * k * sizeof *x), *w = malloc(n * k * sizeof *w), *y = malloc(m * n * sizeof *y);
    float *y0 = malloc(m * n * sizeof *y0);
    uint16_t *xb = NULL;
    assert_int_equal(posix_memalign((void **)&xb, 64, m * k * sizeof *xb + 64), 0);
    for (size_t i = 0; i < m * k; i++) x[i] = uniform(&seed) * 3;
    for (size_t i = 0; i < n * k; i++) w[i] = uniform(&seed) / sqrtf((float)k);
    for (size_t i = 0; i < m * n; i++) y0[i] = y[i] = uniform(&seed);
    char err[256];
    nn_bf16_linear *l = nn_bf16_linear_new(w, n, k, err, sizeof err);
    if (!l) fail_msg("%s", err);
    assert_int_equal(nn_bf16_linear_run(l, x, m, xb, y, beta, threads), 0);
    double worst = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double want = beta * y0[i * n + j];
            for (size_t t = 0; t < k; t++) want += bf16_round(x[i * k + t]) * bf16_round(w[j * k + t]);
            double d = fabs(want - y[i * n + j]);
            if (d > worst) worst = d;
        }
    /* float32 sums of k products of size ~3/√k: rounding well under 1e-5 */
    if (worst > 1e-4) fail_msg("%zu×%zu×%zu beta %g: max error %.3g", m, n, k, beta, worst);
    nn_bf16_linear_free(l);
    free(x), free(w), free(y), free(y0), free(xb);
}

/* Skips the calling test where there is nothing to test, saying why. */
static void require_native_bf16(void)
{
    if (nn_bf16_native_isa()) return;
    print_message("# no native bf16 matrix product here (oneDNN finds neither AMX nor AVX512-BF16)\n");
    skip();
}

static void test_shapes(void **state)
{
    (void)state;
    require_native_bf16();
    print_message("# oneDNN kernel: %s\n", nn_bf16_native_isa());
    static const size_t shapes[][3] = {{1, 16, 32}, {50, 64, 64}, {197, 128, 768}, {197, 48, 768}, {392, 256, 128},
                                       {7, 40, 128}, {100, 96, 200}, {33, 3 * 48, 48}, {400, 768, 3072}};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        for (int b = 0; b < 2; b++) check_shape(shapes[i][0], shapes[i][1], shapes[i][2], (float)b, 1 + b);
}

/* One matrix, many row counts, in turn: each gets its own kernel, the weights stay shared. */
static void test_many_row_counts(void **state)
{
    (void)state;
    require_native_bf16();
    for (size_t m = 1; m <= 60; m += 3) check_shape(m, 32, 64, 0, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_many_row_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
