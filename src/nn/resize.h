/*
 * resize.h — bilinear resizing of an 8-bit RGB raster into a float tensor, the way TensorFlow.js's
 * CPU backend does tf.image.resizeBilinear (halfPixelCenters false), after dividing the bytes by 255.
 *
 * With align_corners, the corner pixels of input and output coincide: scale = (in − 1) / (out − 1)
 * per axis (when out > 1), else scale = in / out. Output pixel y samples source row y·scale: the rows
 * floor and ceil of it (clamped to the image), weighted by its fractional part; columns likewise.
 * Arithmetic in double on the float32 values pixel / 255, rounded to float once, as tfjs does.
 */
#ifndef CULL_NN_RESIZE_H
#define CULL_NN_RESIZE_H

#include <stdint.h>

/* src: w × h × 3 bytes, row-major; dst: oh × ow × 3 floats. w, h, ow, oh ≥ 1. */
void nn_resize_bilinear_rgb8(const uint8_t *src, int w, int h, float *dst, int ow, int oh, int align_corners);

#endif
