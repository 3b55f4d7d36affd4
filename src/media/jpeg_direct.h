/*
 * jpeg_direct.h — the fast path for plain JPEGs (internal to media/): libjpeg directly, scaled in
 * the DCT, area-averaged into the box, turned upright.
 *
 * Measured on a 12 MP photo: libjpeg alone decodes it at 1/8 scale in 33 ms; libvips' loader and
 * thumbnail pipeline around the same libjpeg take 43 ms, a sixth of cull's per-image budget on 2
 * cores. The fast path takes only files it decodes exactly as libvips would, without colour
 * management: 1- or 3-component JPEGs (greyscale, YCbCr, RGB) that carry no ICC profile. It
 * declines the rest (CMYK, YCCK, ICC-tagged), which go through libvips.
 */
#ifndef CULL_MEDIA_JPEG_DIRECT_H
#define CULL_MEDIA_JPEG_DIRECT_H

#include <stddef.h>
#include <stdint.h>

#include "media/image.h"

/* The largest DCT scale-down, 8, 4 or 2 (else 1), that keeps a w×h JPEG at least as big as the
   bw×bh box asks: a DCT-scaled decode is an exact 8×8 (4×4, 2×2) box average, so no margin for
   a later resize is needed. Both JPEG paths decode at it. */
int jpeg_dct_shrink(int w, int h, int bw, int bh);

enum { JPEG_DIRECT_OK = 0, JPEG_DIRECT_FAILED = -1, JPEG_DIRECT_DECLINED = 1 };

/* Decodes data (a JPEG of upright size w×h, EXIF orientation 1–8) to an upright 8-bit RGB raster
   that fits the bw×bh box (never enlarged). JPEG_DIRECT_OK with *out filled (free with
   rgb_image_free), JPEG_DIRECT_FAILED with a reason (damaged or truncated data), or
   JPEG_DIRECT_DECLINED when the file needs libvips. */
int jpeg_direct_decode(const uint8_t *data, size_t len, int w, int h, int orientation, int bw, int bh,
                       rgb_image *out, char *err, size_t errlen);

#endif
