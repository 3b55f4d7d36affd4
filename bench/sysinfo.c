/*
 * sysinfo.c — the library and compiler figures for the header of bench/results.txt (a helper that
 * bench/run.sh calls, not a benchmark). Prints "key: value" lines:
 *   libvips, openblas (openblas_get_config), openblas-core (openblas_get_corename),
 *   openblas-threads, compiler (the one that built this file, hence the benchmarks), optimised.
 * With --cull it first calls blas_setup as the cull binary does, so openblas-core is the kernel set
 * cull runs; without, it is the one OpenBLAS detects by itself.
 */
#include <stdio.h>
#include <string.h>
#include <cblas.h>
#include <vips/vips.h>

#include "util/blas_setup.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--cull") == 0) blas_setup(argv);
    if (VIPS_INIT(argv[0])) return 1;
    printf("libvips: %s\n", vips_version_string());
    printf("openblas: %s\n", openblas_get_config());
    printf("openblas-core: %s\n", openblas_get_corename());
    printf("openblas-threads: %d\n", openblas_get_num_threads());
#if defined(__clang__)
    printf("compiler: %s\n", __VERSION__);
#elif defined(__GNUC__)
    printf("compiler: gcc %s\n", __VERSION__);
#else
    printf("compiler: unknown\n");
#endif
#ifdef __OPTIMIZE__
    printf("optimised: yes\n");
#else
    printf("optimised: no\n");
#endif
    vips_shutdown();
    return 0;
}
