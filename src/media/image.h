/*
 * image.h — a decoded image as every encoder sees it.
 *
 * The decoder hands encoders an 8-bit sRGB RGB raster, already rotated upright from EXIF and with
 * any alpha flattened onto white. It is a preview, not the full image: the shortest side is at most
 * MEDIA_PREVIEW_SIDE pixels (shrink-on-load), which is all a 224×224 encoder needs.
 * Pixels are row-major, interleaved RGB, stride = width * 3.
 */
#ifndef CULL_MEDIA_IMAGE_H
#define CULL_MEDIA_IMAGE_H

#include <stdint.h>
#include <stddef.h>

#define MEDIA_PREVIEW_SIDE 256

typedef struct {
    int width, height;      /* of the preview raster */
    uint8_t *rgb;           /* width * height * 3 bytes, owned */
} rgb_image;

/* Facts about the original file, stored in the library and used as classifier features. */
typedef struct {
    int width, height;      /* of the original, upright (after EXIF rotation) */
    int64_t bytes;          /* file size */
    char format[16];        /* "jpeg", "png", "gif", "webp", "heif", "tiff", "raw", ... */
    char make[64];          /* EXIF camera make, "" when absent */
    char model[64];         /* EXIF camera model, "" when absent */
    char datetime[32];      /* EXIF DateTimeOriginal (or DateTime), "YYYY:MM:DD HH:MM:SS", "" when absent */
} image_meta;

void rgb_image_free(rgb_image *img);

#endif
