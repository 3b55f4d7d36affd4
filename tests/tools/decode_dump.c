/*
 * decode_dump.c — writes the preview cull decodes from a file (what the encoders see) as a binary
 * PPM, so an end-to-end test can look at pixels: where a corner of the picture landed tells a
 * right orientation from a wrong one, which embeddings made of global statistics cannot (a picture
 * turned 180° has the same histograms).
 *
 *     decode_dump FILE OUT.ppm     prints "WxH" of the preview; exit 1 with the reason on failure
 */
#include <stdio.h>

#include "media/media.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: decode_dump FILE OUT.ppm\n");
        return 2;
    }
    if (media_init(argv[0])) return 1;
    char err[512];
    file_buffer fb;
    rgb_image img;
    image_meta meta;
    int rc = 1;
    if (media_read_file(argv[1], MEDIA_DEFAULT_MAX_BYTES, &fb, err, sizeof err) == 0) {
        if (media_decode(fb.data, fb.len, MEDIA_DEFAULT_MAX_PIXELS, &img, &meta, err, sizeof err) == 0) {
            FILE *f = fopen(argv[2], "wb");
            size_t n = (size_t)img.width * img.height * 3;
            if (f && fprintf(f, "P6\n%d %d\n255\n", img.width, img.height) > 0 && fwrite(img.rgb, 1, n, f) == n &&
                fclose(f) == 0) {
                printf("%dx%d\n", img.width, img.height);
                rc = 0;
            } else {
                snprintf(err, sizeof err, "cannot write %s", argv[2]);
            }
            rgb_image_free(&img);
        }
        file_buffer_free(&fb);
    }
    if (rc) fprintf(stderr, "decode_dump: %s: %s\n", argv[1], err);
    media_shutdown();
    return rc;
}
