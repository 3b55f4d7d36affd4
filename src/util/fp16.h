/*
 * fp16.h — IEEE 754 half precision, for storing embeddings at 2 bytes per value.
 * Round to nearest even; overflow goes to ±inf, NaN stays NaN, subnormals are kept.
 */
#ifndef CULL_UTIL_FP16_H
#define CULL_UTIL_FP16_H

#include <stdint.h>

uint16_t fp16_from_float(float f);
float fp16_to_float(uint16_t h);

#endif
