/*
 * Unit tests for the OpenBLAS kernel choice (util/blas_setup.h): by CPU features, never by the
 * core name OpenBLAS detected. The expectations follow this CPU's features, read with CPUID
 * here as well; each tier the CPU lacks is a skip with the reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/blas_setup.h"

static int has_avx512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}

static int has_avx2(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

static void assert_wanted(const char *detected, const char *want)
{
    const char *got = blas_wanted_core(detected);
    if (!want && got) fail_msg("detected %s: wanted no change, got %s", detected, got);
    if (want && (!got || strcmp(got, want) != 0)) fail_msg("detected %s: wanted %s, got %s", detected, want, got ? got : "no change");
}

/* AVX-512 F/BW/VL/DQ: the AVX-512 kernels, whatever OpenBLAS guessed (AMD Zen 4/5 get "Haswell"
   from OpenBLAS 0.3.21, new Intel cores a fallback); an AVX-512 set it chose itself stays. */
static void test_avx512_cpu(void **state)
{
    (void)state;
    if (!has_avx512()) {
        print_message("# this CPU has no AVX-512 F/BW/VL/DQ\n");
        skip();
    }
    assert_wanted("Haswell", "SkylakeX");
    assert_wanted("Zen", "SkylakeX");
    assert_wanted("Prescott", "SkylakeX");
    assert_wanted("Sandybridge", "SkylakeX");
    assert_wanted("SkylakeX", NULL);
    assert_wanted("Cooperlake", NULL);
    assert_wanted("SapphireRapids", NULL);
}

/* AVX2 + FMA without AVX-512: the AVX2 kernels; never an AVX-512 set the CPU cannot run. */
static void test_avx2_cpu(void **state)
{
    (void)state;
    if (has_avx512() || !has_avx2()) {
        print_message("# this CPU is not an AVX2-without-AVX-512 one\n");
        skip();
    }
    assert_wanted("Prescott", "Haswell");
    assert_wanted("Nehalem", "Haswell");
    assert_wanted("Haswell", NULL);
    assert_wanted("Zen", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avx512_cpu),
        cmocka_unit_test(test_avx2_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
