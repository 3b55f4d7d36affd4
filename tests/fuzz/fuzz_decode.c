/*
 * fuzz_decode.c — arbitrary bytes through cull's content sniffing and decode path (libvips,
 * libraw, cull's own EXIF string handling and colour conversion). Must never crash, leak or
 * allocate without bound: the pixel limit is kept small so bombs are refused fast.
 */
#include <stdint.h>
#include <stdlib.h>

#include "media/media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) ready = media_init("fuzz_decode") == 0;
    rgb_image img;
    image_meta meta;
    char err[256];
    media_looks_like_image(data, size);
    if (media_decode(data, size, 4000000, &img, &meta, err, sizeof err) == 0) rgb_image_free(&img);
    return 0;
}
