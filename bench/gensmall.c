/*
 * gensmall.c — a synthetic large library for the scale benchmark: N small, distinct JPEGs in
 * folders of 100. Even folders hold photo-like pictures (smooth colour fields with noise, named
 * IMG_…), odd folders screenshot-like ones (flat background, dark text bars, named Screenshot_…),
 * so labelling folders gives a learnable problem.
 *   usage: gensmall OUTDIR N [WIDTH HEIGHT]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <vips/vips.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void paint(uint8_t *px, int w, int h, int photo)
{
    int r0 = next() % 256, g0 = next() % 256, b0 = next() % 256;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = px + 3 * (y * w + x);
            if (photo) {
                int n = (int)(next() % 41) - 20;
                p[0] = (uint8_t)((r0 + x * 2 + n) & 255);
                p[1] = (uint8_t)((g0 + y * 3 + n) & 255);
                p[2] = (uint8_t)((b0 + (x + y) + n) & 255);
            } else {
                int bar = (y / 6) % 2 == 1 && x > 4 && x < 4 + (int)((r0 + y * 7) % (w - 8));
                p[0] = p[1] = p[2] = bar ? (uint8_t)(g0 / 8) : (uint8_t)(230 + b0 % 26);
            }
        }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gensmall OUTDIR N [WIDTH HEIGHT]\n");
        return 2;
    }
    if (VIPS_INIT(argv[0])) return 1;
    int n = atoi(argv[2]), w = argc > 4 ? atoi(argv[3]) : 64, h = argc > 4 ? atoi(argv[4]) : 48;
    uint8_t *px = malloc((size_t)w * h * 3);
    char path[4096];
    for (int i = 0; i < n; i++) {
        int folder = i / 100, photo = folder % 2 == 0;
        if (i % 100 == 0) {
            snprintf(path, sizeof path, "%s/d%04d", argv[1], folder);
            mkdir(path, 0755);
        }
        paint(px, w, h, photo);
        VipsImage *im = vips_image_new_from_memory(px, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
        snprintf(path, sizeof path, "%s/d%04d/%s_%06d.jpg", argv[1], folder, photo ? "IMG" : "Screenshot", i);
        if (!im || vips_image_write_to_file(im, path, "Q", 85, NULL)) {
            fprintf(stderr, "gensmall: %s: %s\n", path, vips_error_buffer());
            return 1;
        }
        g_object_unref(im);
    }
    free(px);
    vips_shutdown();
    return 0;
}
