#include "util/fp16.h"

#include <string.h>

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float float_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

uint16_t fp16_from_float(float f)
{
    uint32_t u = bits_of(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    uint32_t abs = u & 0x7fffffff;
    if (abs >= 0x7f800000) /* inf or NaN */
        return sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0);
    if (abs >= 0x477ff000) /* rounds to ≥ 65520: overflow */
        return sign | 0x7c00;
    if (abs < 0x38800000) { /* below the smallest normal half: subnormal or zero */
        /* Adding 0.5 makes the FPU round the value into the subnormal grid for us. */
        float shifted = float_of(abs) + 0.5f;
        return sign | (uint16_t)(bits_of(shifted) - bits_of(0.5f));
    }
    uint32_t mant_odd = (abs >> 13) & 1;
    abs += 0xc8000fff + mant_odd; /* rebias exponent (−112 << 23) and round to nearest even */
    return sign | (uint16_t)(abs >> 13);
}

float fp16_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 0x1f) return float_of(sign | 0x7f800000 | (mant << 13));
    if (exp == 0) return (sign ? -1.0f : 1.0f) * (float)mant * 0x1p-24f;
    return float_of(sign | ((exp + 112) << 23) | (mant << 13));
}
