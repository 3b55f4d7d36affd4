#include "util/blas_setup.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cblas.h>

/* OpenBLAS kernel sets by the instructions they need. A CPU gets the widest tier whose
   instructions it has; a core name already in that tier (e.g. Cooperlake for AVX-512) stays. */
static const char *const AVX512_CORES[] = {"SkylakeX", "Cooperlake", "SapphireRapids", NULL};
static const char *const AVX2_CORES[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", NULL};

static int in_list(const char *core, const char *const *list)
{
    for (; *list; list++)
        if (strcasecmp(core, *list) == 0) return 1;
    return 0;
}

const char *blas_wanted_core(const char *current)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        return in_list(current, AVX512_CORES) ? NULL : "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return in_list(current, AVX2_CORES) ? NULL : "Haswell";
    return NULL;
}

const char *blas_core_name(void) { return openblas_get_corename(); }

void blas_setup(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE") || getenv("CULL_BLAS_SETUP_DONE")) return;
    const char *want = blas_wanted_core(openblas_get_corename());
    if (!want) return;
    setenv("OPENBLAS_CORETYPE", want, 1);
    setenv("CULL_BLAS_SETUP_DONE", "1", 1); /* never loop, whatever OpenBLAS then detects */
    execv("/proc/self/exe", argv);
    /* exec failed (no /proc?): carry on with the slower kernels. */
    unsetenv("OPENBLAS_CORETYPE");
}
