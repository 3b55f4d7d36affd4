/*
 * genimg.c — synthetic photo-like JPEGs for the benchmarks (a tool that bench/run.sh calls, not a
 * benchmark itself).
 *
 *   genimg OUTDIR COUNT WIDTH HEIGHT SEED [DETAIL]
 *
 * writes OUTDIR/img_000.jpg ... (COUNT files, each with its own content) as quality-90 baseline
 * JPEGs with 4:2:0 chroma subsampling, as phones and most cameras write them. The content is built
 * to compress like a photograph rather than like flat colour or white noise: smooth colour fields
 * (large-scale noise upsampled with a cubic kernel), regions with hard edges (a thresholded second
 * field), a mid-scale texture, a lighting gradient, and fine luminance grain. A 12 MP file comes
 * out at about 3.2 MB, in the range of a phone camera's JPEG. DETAIL (default 1) scales the
 * texture and the grain: 0 gives a smooth picture that compresses to about a third of that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>

/* Keeps every intermediate image until the end (simplest lifetime rule for a short pipeline). */
static VipsImage *held[64];
static int n_held;

static VipsImage *hold(VipsImage *im)
{
    if (!im || n_held == (int)(sizeof held / sizeof *held)) {
        fprintf(stderr, "genimg: %s\n", im ? "too many images" : vips_error_buffer());
        exit(1);
    }
    return held[n_held++] = im;
}

static void release_all(void)
{
    while (n_held) g_object_unref(held[--n_held]);
}

/* Gaussian noise of (w/cell+3)×(h/cell+3), upsampled by cell with a cubic kernel and cropped to w×h:
   a smooth random field with features about cell pixels across. */
static VipsImage *field(int w, int h, int cell, double sigma, int seed)
{
    VipsImage *n = NULL, *up = NULL, *c = NULL;
    int sw = w / cell + 3, sh = h / cell + 3;
    if (vips_gaussnoise(&n, sw, sh, "mean", 0.0, "sigma", sigma, "seed", seed, NULL)) hold(NULL);
    hold(n);
    if (vips_resize(n, &up, (double)cell, "kernel", VIPS_KERNEL_CUBIC, NULL)) hold(NULL);
    hold(up);
    if (vips_crop(up, &c, cell, cell, w, h, NULL)) hold(NULL);
    return hold(c);
}

static VipsImage *add(VipsImage *a, VipsImage *b)
{
    VipsImage *o = NULL;
    if (vips_add(a, b, &o, NULL)) hold(NULL);
    return hold(o);
}

static VipsImage *linear(VipsImage *a, double mul, double off)
{
    VipsImage *o = NULL;
    if (vips_linear1(a, &o, mul, off, NULL)) hold(NULL);
    return hold(o);
}

static VipsImage *band(VipsImage *a, int i)
{
    VipsImage *o = NULL;
    if (vips_extract_band(a, &o, i, NULL)) hold(NULL);
    return hold(o);
}

/* A w×h 8-bit sRGB picture rendered into memory (the caller unrefs it). Everything smooth is built
   at 1/STEP scale and upsampled once; only the region edges and the grain are made at full size. */
#define STEP 6
static VipsImage *make_base(int w, int h, int seed, double detail)
{
    int s = seed * 16, lw = w / STEP + 4, lh = h / STEP + 4;
    /* Low resolution: luminance from smooth fields at two scales plus a texture and a lighting
       gradient; a smooth chroma offset per channel; the field whose sign marks the regions. */
    VipsImage *texture = NULL, *xy = NULL;
    if (vips_gaussnoise(&texture, lw, lh, "mean", 0.0, "sigma", 3.0 + 10.0 * detail, "seed", s + 1, NULL)) hold(NULL);
    hold(texture);
    if (vips_xyz(&xy, lw, lh, NULL)) hold(NULL);
    hold(xy);
    VipsImage *grad = add(linear(band(xy, 0), 40.0 / lw, 0), linear(band(xy, 1), -50.0 / lh, 133.0));
    VipsImage *lum = add(add(add(field(lw, lh, 400 / STEP, 45.0, s + 2), field(lw, lh, 90 / STEP, 25.0, s + 3)),
                             texture), grad);
    VipsImage *low[4] = {
        add(lum, field(lw, lh, 300 / STEP, 22.0, s + 4)),
        add(lum, field(lw, lh, 300 / STEP, 12.0, s + 5)),
        add(lum, field(lw, lh, 300 / STEP, 22.0, s + 6)),
        field(lw, lh, 150 / STEP, 1.0, s + 7),
    };
    VipsImage *joined = NULL, *up = NULL, *full = NULL;
    if (vips_bandjoin(low, &joined, 4, NULL)) hold(NULL);
    hold(joined);
    if (vips_resize(joined, &up, (double)STEP, "kernel", VIPS_KERNEL_CUBIC, NULL)) hold(NULL);
    hold(up);
    if (vips_crop(up, &full, STEP, STEP, w, h, NULL)) hold(NULL);
    hold(full);
    /* Full resolution: ±20 steps between regions (hard edges), and luminance grain. */
    VipsImage *mask = NULL, *grain = NULL, *rgb = NULL, *u8 = NULL, *srgb = NULL;
    if (vips_moreeq_const1(band(full, 3), &mask, 0.0, NULL)) hold(NULL);
    hold(mask);
    if (vips_gaussnoise(&grain, w, h, "mean", 0.0, "sigma", 4.5 * detail, "seed", s + 8, NULL)) hold(NULL);
    hold(grain);
    VipsImage *edges_grain = add(linear(mask, 40.0 / 255.0, -20.0), grain);
    VipsImage *three = NULL;
    if (vips_extract_band(full, &three, 0, "n", 3, NULL)) hold(NULL);
    hold(three);
    rgb = add(three, edges_grain);
    if (vips_cast_uchar(rgb, &u8, NULL)) hold(NULL);   /* clips to 0..255 */
    hold(u8);
    if (vips_copy(u8, &srgb, "interpretation", VIPS_INTERPRETATION_sRGB, NULL)) hold(NULL);
    hold(srgb);
    VipsImage *mem = vips_image_copy_memory(srgb);
    if (!mem) hold(NULL);
    release_all();
    return mem;
}

/* Saves a w×h window of base at (x, y), mirrored when flip: one more distinct picture. */
static int save_one(VipsImage *base, const char *path, int x, int y, int w, int h, int flip)
{
    VipsImage *c = NULL, *f = NULL;
    if (vips_crop(base, &c, x, y, w, h, NULL)) hold(NULL);
    hold(c);
    if (flip) {
        if (vips_flip(c, &f, VIPS_DIRECTION_HORIZONTAL, NULL)) hold(NULL);
        hold(f);
    }
    int rc = vips_jpegsave(f ? f : c, path, "Q", 90, "subsample_mode", VIPS_FOREIGN_SUBSAMPLE_ON, "strip", TRUE,
                           NULL);
    if (rc) fprintf(stderr, "genimg: %s: %s\n", path, vips_error_buffer());
    release_all();
    return rc;
}

#define MARGIN 240

int main(int argc, char **argv)
{
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: genimg OUTDIR COUNT WIDTH HEIGHT SEED [DETAIL]\n");
        return 2;
    }
    if (VIPS_INIT(argv[0])) return 1;
    vips_cache_set_max(0);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    vips_concurrency_set(cores > 0 ? (int)cores : 1);
    int count = atoi(argv[2]), w = atoi(argv[3]), h = atoi(argv[4]), seed = atoi(argv[5]);
    double detail = argc == 7 ? atof(argv[6]) : 1.0;
    if (count < 1 || w < 64 || h < 64 || detail < 0) {
        fprintf(stderr, "genimg: bad COUNT, WIDTH, HEIGHT or DETAIL\n");
        return 2;
    }
    /* One base picture with a margin; every file is a different window of it (and every other
       one mirrored), so each has its own bytes and its own SHA-256. */
    VipsImage *base = make_base(w + MARGIN, h + MARGIN, seed, detail);
    int rc = 0;
    for (int i = 0; i < count && !rc; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/img_%03d.jpg", argv[1], i);
        int k = i / 2;
        rc = save_one(base, path, (k * 37) % MARGIN, (k * 53 + k / 7) % MARGIN, w, h, i % 2);
    }
    g_object_unref(base);
    vips_shutdown();
    return rc ? 1 : 0;
}
