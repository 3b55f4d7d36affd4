/*
 * decode.c — benchmark: cull's shrink-on-load decode against a full decode + resize.
 *
 *   decode REPEATS FILE...
 *
 * For each JPEG: images/s of
 *   (a) media_decode — cull's path: libvips thumbnail with shrink-on-load (the JPEG is decoded at
 *       1/2, 1/4 or 1/8 scale in the DCT) to the MEDIA_PREVIEW_SIDE preview, plus metadata;
 *   (b) what a naive pipeline does with the same bytes: vips_image_new_from_buffer (sequential
 *       access, and again with random access), decode every pixel, vips_resize to the same
 *       preview size, write to memory.
 * Same process, same run, one libvips thread (media_init sets vips_concurrency 1, as cull runs
 * one decode per worker thread). Each method is warmed up, then the methods are run in turn
 * REPEATS times (interleaved, so background load hits them alike) and the median is reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vips/vips.h>

#include "media/media.h"
#include "timing.h"

#define WARMUP 2
#define TARGET_SPEEDUP 5.0




static void die(const char *what, const char *why)
{
    fprintf(stderr, "decode: %s: %s\n", what, why);
    exit(1);
}

/* (a): cull's own decode. The preview is handed back for the comparison below. */
static void run_cull(const file_buffer *fb, rgb_image *out)
{
    image_meta meta;
    char err[512];
    if (media_decode(fb->data, fb->len, MEDIA_DEFAULT_MAX_PIXELS, out, &meta, err, sizeof err))
        die("media_decode", err);
}

/* (b): full decode, then resize to exactly w×h, then into memory. Returns the g_malloc'd raster. */
static uint8_t *run_naive(const file_buffer *fb, VipsAccess access, int w, int h, int *ow, int *oh)
{
    VipsImage *im = vips_image_new_from_buffer(fb->data, fb->len, "", "access", access, NULL);
    if (!im) die("vips_image_new_from_buffer", vips_error_buffer());
    VipsImage *small = NULL;
    if (vips_resize(im, &small, (double)w / im->Xsize, "vscale", (double)h / im->Ysize, NULL))
        die("vips_resize", vips_error_buffer());
    size_t size = 0;
    uint8_t *mem = vips_image_write_to_memory(small, &size);
    if (!mem) die("vips_image_write_to_memory", vips_error_buffer());
    *ow = small->Xsize;
    *oh = small->Ysize;
    if (size != (size_t)*ow * *oh * 3) die("full decode", "not a 3-band 8-bit result");
    g_object_unref(small);
    g_object_unref(im);
    return mem;
}

enum { CULL, SEQ, RANDOM, N_METHODS };
static const char *const NAMES[N_METHODS] = {
    "cull media_decode (shrink-on-load)",
    "full decode + vips_resize, sequential",
    "full decode + vips_resize, random access",
};

/* One timed run of method m (its preview is thrown away). */
static double time_one(int m, const file_buffer *fb, int pw, int ph)
{
    double t0 = now_monotonic();
    if (m == CULL) {
        rgb_image img;
        run_cull(fb, &img);
        double t = now_monotonic() - t0;
        rgb_image_free(&img);
        return t;
    }
    int ow, oh;
    uint8_t *mem = run_naive(fb, m == SEQ ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM, pw, ph, &ow, &oh);
    double t = now_monotonic() - t0;
    g_free(mem);
    return t;
}

static void bench_file(const char *path, int repeats)
{
    file_buffer fb;
    char err[512];
    if (media_read_file(path, MEDIA_DEFAULT_MAX_BYTES, &fb, err, sizeof err)) die(path, err);
    VipsImage *hdr = vips_image_new_from_buffer(fb.data, fb.len, "", NULL);
    if (!hdr) die(path, vips_error_buffer());
    int W = hdr->Xsize, H = hdr->Ysize;
    g_object_unref(hdr);

    /* The preview size cull produces is the size the naive path resizes to; check the two agree
       in content too (mean absolute difference per channel, 0-255). */
    rgb_image ref;
    run_cull(&fb, &ref);
    int ow = 0, oh = 0;
    uint8_t *naive = run_naive(&fb, VIPS_ACCESS_SEQUENTIAL, ref.width, ref.height, &ow, &oh);
    double mad = -1;
    if (ow == ref.width && oh == ref.height) {
        double sum = 0;
        size_t n = (size_t)ow * oh * 3;
        for (size_t i = 0; i < n; i++) sum += abs((int)naive[i] - (int)ref.rgb[i]);
        mad = sum / n;
    }
    g_free(naive);

    double *t[N_METHODS];
    for (int m = 0; m < N_METHODS; m++) {
        t[m] = malloc(sizeof(double) * (size_t)repeats);
        if (!t[m]) die("malloc", "out of memory");
        for (int w = 0; w < WARMUP; w++) time_one(m, &fb, ref.width, ref.height);
    }
    for (int r = 0; r < repeats; r++)
        for (int m = 0; m < N_METHODS; m++) t[m][r] = time_one(m, &fb, ref.width, ref.height);

    printf("  %.0f MP %d×%d JPEG, %.2f MB → %d×%d preview", W * (double)H / 1e6, W, H, fb.len / 1e6, ref.width,
           ref.height);
    if (mad >= 0)
        printf(" (full-decode preview differs from cull's by %.2f/255 on average)\n", mad);
    else
        printf(" (full decode gave %d×%d)\n", ow, oh);
    double med[N_METHODS];
    for (int m = 0; m < N_METHODS; m++) {
        med[m] = median(t[m], repeats);
        printf("    %-42s %8.1f ms  %7.2f images/s   (min %.1f ms)\n", NAMES[m], med[m] * 1e3, 1.0 / med[m],
               t[m][0] * 1e3);
        free(t[m]);
    }
    double naive_best = med[SEQ] < med[RANDOM] ? med[SEQ] : med[RANDOM];
    double speedup = naive_best / med[CULL];
    printf("    shrink-on-load speed-up: %.1f× over the faster full decode (%.1f× sequential, %.1f× random)"
           " — target ≥ %.0f×: %s\n",
           speedup, med[SEQ] / med[CULL], med[RANDOM] / med[CULL], TARGET_SPEEDUP,
           speedup >= TARGET_SPEEDUP ? "met" : "NOT MET");
    rgb_image_free(&ref);
    file_buffer_free(&fb);
}

int main(int argc, char **argv)
{
    if (argc < 3 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: decode REPEATS FILE...\n");
        return 2;
    }
    if (media_init(argv[0])) die("media_init", "libvips failed to start");
    int repeats = atoi(argv[1]);
    printf("decode to a %d-px preview, one libvips thread (vips_concurrency %d), median of %d runs after %d"
           " warm-up runs\n",
           MEDIA_PREVIEW_SIDE, vips_concurrency_get(), repeats, WARMUP);
    for (int i = 2; i < argc; i++) bench_file(argv[i], repeats);
    fflush(stdout);
    media_shutdown();
    return 0;
}
