/*
 * pool.c — average pooling (pool.h). Sums per channel in a row buffer of the output, so the inner
 * loop runs over contiguous channels.
 */
#include "nn/pool.h"

void nn_avgpool_rows(const nn_avgpool *p, const float *in, float *out, size_t row0, size_t row1)
{
    size_t c = (size_t)p->c;
    for (size_t r = row0; r < row1; r++) {
        int b = (int)(r / (size_t)p->oh), oy = (int)(r % (size_t)p->oh);
        int y0 = oy * p->sh - p->pad_top, y1 = y0 + p->kh;
        if (y0 < 0) y0 = 0;
        if (y1 > p->h) y1 = p->h;
        const float *img = in + (size_t)b * p->h * p->w * c;
        for (int ox = 0; ox < p->ow; ox++) {
            int x0 = ox * p->sw - p->pad_left, x1 = x0 + p->kw;
            if (x0 < 0) x0 = 0;
            if (x1 > p->w) x1 = p->w;
            float *o = out + (r * (size_t)p->ow + ox) * c;
            for (size_t ch = 0; ch < c; ch++) o[ch] = 0.0f;
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++) {
                    const float *px = img + ((size_t)y * p->w + x) * c;
                    for (size_t ch = 0; ch < c; ch++) o[ch] += px[ch];
                }
            int count = (y1 > y0 && x1 > x0) ? (y1 - y0) * (x1 - x0) : 0;
            float scale = count ? 1.0f / (float)count : 0.0f;
            for (size_t ch = 0; ch < c; ch++) o[ch] *= scale;
        }
    }
}
