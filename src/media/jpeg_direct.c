/*
 * jpeg_direct.c — plain JPEGs straight through libjpeg (jpeg_direct.h).
 *
 * The same choices as the libvips path, so a file gives the same preview either way (to within a
 * grey level or two: tests/unit/test_media.c): the largest DCT scale 1/8, 1/4 or 1/2 that still
 * covers the box, libjpeg's default (accurate integer) IDCT and fancy upsampling, a truncated file
 * is an error (libvips' fail_on=truncated) while libjpeg's other warnings are not, then an
 * area-average resize (an exact box filter at any ratio) and the EXIF rotation.
 */
#include "media/jpeg_direct.h"

#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int truncated;
    char msg[JMSG_LENGTH_MAX];
} error_mgr;

static void on_error(j_common_ptr c)
{
    error_mgr *e = (error_mgr *)c->err;
    e->pub.format_message(c, e->msg);
    longjmp(e->jump, 1);
}

static void on_message(j_common_ptr c, int level)
{
    error_mgr *e = (error_mgr *)c->err;
    if (level == -1 && e->pub.msg_code == JWRN_JPEG_EOF) e->truncated = 1;
}

/* An ICC profile means colour management, which is libvips' job. */
static int has_icc_profile(j_decompress_ptr c)
{
    for (jpeg_saved_marker_ptr m = c->marker_list; m; m = m->next)
        if (m->marker == JPEG_APP0 + 2 && m->data_length >= 12 && !memcmp(m->data, "ICC_PROFILE", 12)) return 1;
    return 0;
}

/* One dimension of an area-average resize: output i covers source [i·r, (i+1)·r), r = n_in / n_out
   ≥ 1, and each source sample counts by how much of it lies inside, divided by r. */
typedef struct {
    int *first, *count;   /* per output: its first source sample, and how many */
    float *w;             /* per output, from offset[i]: the weights */
    int *offset;
} spans;

static void spans_free(spans *s)
{
    free(s->first), free(s->count), free(s->w), free(s->offset);
}

static int spans_make(spans *s, int n_in, int n_out)
{
    double r = (double)n_in / n_out;
    int most = (int)ceil(r) + 1;
    s->first = malloc((size_t)n_out * sizeof *s->first);
    s->count = malloc((size_t)n_out * sizeof *s->count);
    s->offset = malloc((size_t)n_out * sizeof *s->offset);
    s->w = malloc((size_t)n_out * (size_t)most * sizeof *s->w);
    if (!s->first || !s->count || !s->offset || !s->w) return -1;
    int o = 0;
    for (int i = 0; i < n_out; i++) {
        double a = i * r, b = (i + 1) * r;
        int j0 = (int)a, j1 = (int)ceil(b) - 1;
        if (j1 >= n_in) j1 = n_in - 1;
        if (j1 < j0) j1 = j0;
        s->first[i] = j0;
        s->count[i] = j1 - j0 + 1;
        s->offset[i] = o;
        for (int j = j0; j <= j1; j++) s->w[o++] = (float)((fmin(j + 1, b) - fmax(j, a)) / r);
    }
    return 0;
}

/* src sw×sh RGB → dst dw×dh RGB (dw ≤ sw, dh ≤ sh), rows then columns. */
static int area_resize(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh)
{
    spans sx = {0}, sy = {0};
    float *rows = malloc((size_t)sh * dw * 3 * sizeof *rows);
    int rc = -1;
    if (!rows || spans_make(&sx, sw, dw) || spans_make(&sy, sh, dh)) goto done;
    for (int y = 0; y < sh; y++) {
        const uint8_t *line = src + (size_t)y * sw * 3;
        float *o = rows + (size_t)y * dw * 3;
        for (int x = 0; x < dw; x++, o += 3) {
            const uint8_t *p = line + (size_t)sx.first[x] * 3;
            const float *w = sx.w + sx.offset[x];
            float r = 0, g = 0, b = 0;
            for (int k = 0; k < sx.count[x]; k++, p += 3) r += w[k] * p[0], g += w[k] * p[1], b += w[k] * p[2];
            o[0] = r, o[1] = g, o[2] = b;
        }
    }
    size_t stride = (size_t)dw * 3;
    for (int y = 0; y < dh; y++) {
        const float *w = sy.w + sy.offset[y], *in = rows + (size_t)sy.first[y] * stride;
        uint8_t *out = dst + (size_t)y * stride;
        for (size_t x = 0; x < stride; x++) {
            float acc = 0.5f;
            for (int k = 0; k < sy.count[y]; k++) acc += w[k] * in[(size_t)k * stride + x];
            out[x] = (uint8_t)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
        }
    }
    rc = 0;
done:
    spans_free(&sx), spans_free(&sy), free(rows);
    return rc;
}

/* The stored sw×sh raster turned upright for EXIF orientation o (1–8) into dst. */
static void orient(const uint8_t *src, int sw, int sh, int o, uint8_t *dst)
{
    int swap = o >= 5, dw = swap ? sh : sw, dh = swap ? sw : sh;
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            int u, v; /* the stored pixel shown at (x, y) */
            switch (o) {
            case 2: u = sw - 1 - x, v = y; break;
            case 3: u = sw - 1 - x, v = sh - 1 - y; break;
            case 4: u = x, v = sh - 1 - y; break;
            case 5: u = y, v = x; break;
            case 6: u = y, v = sh - 1 - x; break;
            case 7: u = sw - 1 - y, v = sh - 1 - x; break;
            case 8: u = sw - 1 - y, v = x; break;
            default: u = x, v = y; break;
            }
            memcpy(dst + ((size_t)y * dw + x) * 3, src + ((size_t)v * sw + u) * 3, 3);
        }
}

int jpeg_dct_shrink(int w, int h, int bw, int bh)
{
    double need = fmax((double)w / bw, (double)h / bh);
    return need >= 8 ? 8 : need >= 4 ? 4 : need >= 2 ? 2 : 1;
}

int jpeg_direct_decode(const uint8_t *data, size_t len, int w, int h, int orientation, int bw, int bh,
                       rgb_image *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct jpeg_decompress_struct c;
    error_mgr e;
    uint8_t *volatile raster = NULL;
    volatile int rc = JPEG_DIRECT_FAILED;
    c.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = on_error;
    e.pub.emit_message = on_message;
    e.truncated = 0;
    if (setjmp(e.jump)) {
        snprintf(err, errlen, "cannot decode jpeg: %s", e.msg);
        goto done;
    }
    jpeg_create_decompress(&c);
    jpeg_mem_src(&c, data, (unsigned long)len);
    jpeg_save_markers(&c, JPEG_APP0 + 2, 0xffff);
    jpeg_read_header(&c, TRUE);
    J_COLOR_SPACE cs = c.jpeg_color_space;
    if (has_icc_profile(&c) || !((c.num_components == 3 && (cs == JCS_YCbCr || cs == JCS_RGB)) ||
                                 (c.num_components == 1 && cs == JCS_GRAYSCALE))) {
        rc = JPEG_DIRECT_DECLINED;
        goto done;
    }
    c.scale_num = 1;
    c.scale_denom = (unsigned)jpeg_dct_shrink(w, h, bw, bh);
    c.out_color_space = JCS_RGB;
    jpeg_start_decompress(&c);
    int sw = (int)c.output_width, sh = (int)c.output_height;
    raster = malloc((size_t)sw * sh * 3);
    if (!raster) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    while (c.output_scanline < c.output_height) {
        JSAMPROW row = raster + (size_t)c.output_scanline * sw * 3;
        jpeg_read_scanlines(&c, &row, 1);
    }
    jpeg_finish_decompress(&c);
    if (e.truncated) {
        snprintf(err, errlen, "cannot decode jpeg: the data ends early (truncated file)");
        goto done;
    }
    /* The box in stored orientation, and the size that fits it, as vips_thumbnail rounds. */
    int swap = orientation >= 5, sbw = swap ? bh : bw, sbh = swap ? bw : bh;
    double f = fmin(1.0, fmin((double)sbw / sw, (double)sbh / sh));
    int tw = (int)lround(sw * f), th = (int)lround(sh * f);
    if (tw < 1) tw = 1;
    if (th < 1) th = 1;
    uint8_t *small = malloc((size_t)tw * th * 3), *upright = malloc((size_t)tw * th * 3);
    if (!small || !upright || area_resize(raster, sw, sh, small, tw, th)) {
        free(small), free(upright);
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    orient(small, tw, th, orientation, upright);
    free(small);
    out->rgb = upright;
    out->width = swap ? th : tw;
    out->height = swap ? tw : th;
    rc = JPEG_DIRECT_OK;
done:
    free(raster);
    jpeg_destroy_decompress(&c);
    return rc;
}
