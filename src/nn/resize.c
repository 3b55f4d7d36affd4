/*
 * resize.c — bilinear resize (resize.h). The arithmetic follows tfjs-backend-cpu's ResizeBilinear
 * kernel line by line, so results agree to the float rounding.
 */
#include "nn/resize.h"

#include <math.h>
#include <stddef.h>

/* Source coordinate of output index i along an axis of in → out samples. */
static void source(int i, double scale, int in, int *lo, int *hi, double *frac)
{
    double s = scale * i;
    int l = (int)floor(s);
    if (l < 0) l = 0;
    int h = (int)ceil(s);
    if (h > in - 1) h = in - 1;
    *lo = l;
    *hi = h;
    *frac = s - l;
}

void nn_resize_bilinear_rgb8(const uint8_t *src, int w, int h, float *dst, int ow, int oh, int align_corners)
{
    float lut[256]; /* tfjs divides in float32 first: x / 255 rounded to float */
    for (int v = 0; v < 256; v++) lut[v] = (float)((double)v / 255.0);
    double sy = align_corners && oh > 1 ? (double)(h - 1) / (oh - 1) : (double)h / oh;
    double sx = align_corners && ow > 1 ? (double)(w - 1) / (ow - 1) : (double)w / ow;
    size_t stride = (size_t)w * 3;
    for (int y = 0; y < oh; y++) {
        int top, bottom;
        double fy;
        source(y, sy, h, &top, &bottom, &fy);
        const uint8_t *rt = src + (size_t)top * stride, *rb = src + (size_t)bottom * stride;
        for (int x = 0; x < ow; x++) {
            int left, right;
            double fx;
            source(x, sx, w, &left, &right, &fx);
            float *o = dst + ((size_t)y * ow + x) * 3;
            for (int c = 0; c < 3; c++) {
                double tl = lut[rt[left * 3 + c]], tr = lut[rt[right * 3 + c]];
                double bl = lut[rb[left * 3 + c]], br = lut[rb[right * 3 + c]];
                double t = tl + (tr - tl) * fx;
                double b = bl + (br - bl) * fx;
                o[c] = (float)(t + (b - t) * fy);
            }
        }
    }
}
