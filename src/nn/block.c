/*
 * block.c — the fused 1×1 → depthwise → 1×1 chain (block.h).
 */
#include "nn/block.h"

static int clamp(size_t v, int lo, int hi)
{
    return v < (size_t)lo ? lo : v > (size_t)hi ? hi : (int)v;
}

size_t nn_block_prepare(nn_block *b, size_t bytes)
{
    const nn_depthwise *d = b->dw;
    size_t in_row = (size_t)d->w * d->c, out_row = (size_t)d->ow * d->c * d->mult;
    size_t half = bytes / sizeof(float) / 2; /* for the ring, and for the depthwise rows */
    int span = (d->kh - 1) * d->dh + 1;
    b->group = clamp(half / in_row, d->sh, 64);
    b->ring_rows = span + b->group;
    b->dw_rows = clamp(half / out_row, 1, 64);
    return (b->expand ? (size_t)b->ring_rows * in_row : 0) + (b->project ? (size_t)b->dw_rows * out_row : 0);
}

/* Computes expanded rows [first, last] into their ring slots, splitting where the ring wraps. */
static void expand_rows(const nn_block *b, const float *x, float *ring, int first, int last)
{
    size_t in_row = (size_t)b->dw->w * b->expand->c, ring_row = (size_t)b->dw->w * b->dw->c;
    while (first <= last) {
        int slot = first % b->ring_rows, n = last - first + 1;
        if (slot + n > b->ring_rows) n = b->ring_rows - slot;
        nn_pointwise(b->expand, x + (size_t)first * in_row, (size_t)n * b->dw->w, ring + (size_t)slot * ring_row);
        first += n;
    }
}

void nn_block_rows(const nn_block *b, const float *in, float *out, int image, int oy0, int oy1, float *scratch)
{
    const nn_depthwise *d = b->dw;
    size_t ring_row = (size_t)d->w * d->c, dw_row = (size_t)d->ow * d->c * d->mult;
    size_t in_image = (size_t)d->h * d->w * (b->expand ? b->expand->c : d->c);
    const float *x = in + (size_t)image * in_image;
    float *ring = scratch, *dbuf = scratch + (b->expand ? (size_t)b->ring_rows * ring_row : 0);
    size_t out_pixel = b->project ? (size_t)b->project->oc : (size_t)d->c * d->mult;
    float *y = out + (size_t)image * d->oh * d->ow * out_pixel;
    const float *rows[NN_DEPTHWISE_MAX_K];
    int next = oy0 * d->sh - d->pad_top; /* first expanded row not yet in the ring */
    if (next < 0) next = 0;
    int pending = 0, pending_start = oy0; /* depthwise rows in dbuf awaiting the project GEMM */
    for (int oy = oy0; oy < oy1; oy++) {
        int lo = oy * d->sh - d->pad_top, hi = lo + (d->kh - 1) * d->dh;
        if (hi > d->h - 1) hi = d->h - 1;
        int lo_in = lo < 0 ? 0 : lo;
        if (b->expand)
            while (next <= hi) { /* up to a group ahead, never over a row the window still needs */
                int last = next + b->group - 1;
                if (last > d->h - 1) last = d->h - 1;
                if (last > lo_in + b->ring_rows - 1) last = lo_in + b->ring_rows - 1;
                expand_rows(b, x, ring, next, last);
                next = last + 1;
            }
        for (int ky = 0; ky < d->kh; ky++) {
            int iy = lo + ky * d->dh;
            rows[ky] = iy < 0 || iy >= d->h ? NULL
                       : b->expand      ? ring + (size_t)(iy % b->ring_rows) * ring_row
                                        : x + (size_t)iy * ring_row;
        }
        if (!b->project) {
            nn_depthwise_row(d, rows, oy, y + (size_t)oy * dw_row);
            continue;
        }
        nn_depthwise_row(d, rows, oy, dbuf + (size_t)pending * dw_row);
        if (++pending == b->dw_rows || oy == oy1 - 1) {
            nn_pointwise(b->project, dbuf, (size_t)pending * d->ow, y + (size_t)pending_start * d->ow * out_pixel);
            pending = 0;
            pending_start = oy + 1;
        }
    }
}
