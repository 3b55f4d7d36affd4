#include "util/blas_setup.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cblas.h>

/* Kernel sets OpenBLAS falls back to when it does not know a newer CPU. */
static int is_fallback(const char *core)
{
    static const char *const FALLBACK[] = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom",
                                           "Sandybridge", "Katmai", "Northwood", "Banias"};
    for (size_t i = 0; i < sizeof FALLBACK / sizeof *FALLBACK; i++)
        if (strcasecmp(core, FALLBACK[i]) == 0) return 1;
    return 0;
}

/* The best kernel set whose instructions this CPU has, or NULL. */
static const char *best_supported(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
    return NULL;
}

const char *blas_core_name(void) { return openblas_get_corename(); }

void blas_setup(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE") || getenv("CULL_BLAS_SETUP_DONE")) return;
    const char *want = best_supported();
    if (!want || !is_fallback(openblas_get_corename())) return;
    setenv("OPENBLAS_CORETYPE", want, 1);
    setenv("CULL_BLAS_SETUP_DONE", "1", 1); /* never loop, whatever OpenBLAS then detects */
    execv("/proc/self/exe", argv);
    /* exec failed (no /proc?): carry on with the slower kernels. */
    unsetenv("OPENBLAS_CORETYPE");
}
