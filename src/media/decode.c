/*
 * decode.c — content detection, decode to preview, metadata. See media.h.
 */
#include "media/media.h"
#include "media/jpeg_direct.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <vips/vips.h>
#include <vips/vector.h>
#include <libraw/libraw.h>

/* The libvips loaders cull trusts with user files, by class-name prefix (what
   vips_foreign_find_load_buffer returns), and the format name cull records. Everything else
   libvips could open (PDF, SVG, FITS, CSV, matrix, ...) is not a picture for cull's purposes. */
static const struct {
    const char *loader, *format;
} LOADERS[] = {
    {"VipsForeignLoadJpeg", "jpeg"}, {"VipsForeignLoadPng", "png"},   {"VipsForeignLoadSpng", "png"},
    {"VipsForeignLoadNsgif", "gif"}, {"VipsForeignLoadGif", "gif"},   {"VipsForeignLoadWebp", "webp"},
    {"VipsForeignLoadHeif", "heif"}, {"VipsForeignLoadTiff", "tiff"}, {"VipsForeignLoadJxl", "jxl"},
    {"VipsForeignLoadJp2k", "jp2k"},
};

static void quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    (void)domain, (void)level, (void)msg, (void)data;
}

static int started;    /* main thread only: media_init runs before any decoding thread starts */

int media_init(const char *argv0)
{
    if (started) return 0;
    if (VIPS_INIT(argv0)) return -1;
    started = 1;
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    /* No run-time generated SIMD (liborc): with several decodes in parallel, Debian 12's orc
       0.4.33 crashed cull once (a segfault inside liborc during an index). The plain C paths are
       thread-safe, and shrink-on-load does most of the work anyway. */
    vips_vector_set_enabled(FALSE);
    /* libvips warns on stderr about damaged files; cull reports each file's fate itself. */
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE, quiet_log, NULL);
    return 0;
}

void media_shutdown(void)
{
    if (started) vips_shutdown();
    started = 0;
}

void rgb_image_free(rgb_image *img)
{
    free(img->rgb);
    img->rgb = NULL;
    img->width = img->height = 0;
}

/* The format name for the libvips loader that claims data, or NULL. */
static const char *vips_format(const uint8_t *data, size_t len)
{
    const char *loader = vips_foreign_find_load_buffer(data, len);
    vips_error_clear();
    if (!loader) return NULL;
    for (size_t i = 0; i < sizeof LOADERS / sizeof *LOADERS; i++)
        if (strncmp(loader, LOADERS[i].loader, strlen(LOADERS[i].loader)) == 0) return LOADERS[i].format;
    return NULL;
}

/* Camera RAW containers that are not TIFF-shaped (TIFF-shaped ones — NEF, CR2, ARW, DNG, PEF —
   start like a TIFF and are tried with libraw first). */
static int raw_magic(const uint8_t *d, size_t len)
{
    if (len >= 4 && (memcmp(d, "IIRO", 4) == 0 || memcmp(d, "IIRS", 4) == 0 || memcmp(d, "IIU\0", 4) == 0 ||
                     memcmp(d, "\0MRM", 4) == 0))
        return 1;
    if (len >= 15 && memcmp(d, "FUJIFILMCCD-RAW", 15) == 0) return 1;
    if (len >= 12 && memcmp(d + 4, "ftypcrx ", 8) == 0) return 1;
    return 0;
}

static int tiff_magic(const uint8_t *d, size_t len)
{
    return len >= 4 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0);
}

int media_looks_like_image(const uint8_t *data, size_t len)
{
    return raw_magic(data, len) || tiff_magic(data, len) || vips_format(data, len) != NULL;
}

/* The first line of libvips' error buffer, for a message that names the real cause. */
static void vips_reason(const char *what, char *err, size_t errlen)
{
    char *msg = vips_error_buffer_copy();
    char *nl = msg ? strchr(msg, '\n') : NULL;
    if (nl) *nl = 0;
    snprintf(err, errlen, "%s: %s", what, msg && *msg ? msg : "damaged or unsupported file");
    g_free(msg);
}

/* EXIF strings in libvips read "Canon (Canon, ASCII, 6 components, 6 bytes)": keep the value. */
static void exif_string(VipsImage *im, const char *field, char *out, size_t cap)
{
    const char *s = NULL;
    out[0] = 0;
    if (vips_image_get_typeof(im, field) == 0 || vips_image_get_string(im, field, &s) != 0 || !s) return;
    const char *end = strstr(s, " (");
    size_t n = end ? (size_t)(end - s) : strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == 0)) n--;
    if (n >= cap) n = cap - 1;
    memcpy(out, s, n);
    out[n] = 0;
}

static int orientation_of(VipsImage *im)
{
    int o = 1;
    if (vips_image_get_typeof(im, VIPS_META_ORIENTATION)) vips_image_get_int(im, VIPS_META_ORIENTATION, &o);
    return o;
}

static int check_pixels(int w, int h, int64_t max_pixels, char *err, size_t errlen)
{
    if (w <= 0 || h <= 0) {
        snprintf(err, errlen, "image declares no pixels (%d×%d)", w, h);
        return -1;
    }
    if ((int64_t)w * h > max_pixels) {
        snprintf(err, errlen, "%d×%d pixels is over the limit of %lld (--max-pixels)", w, h, (long long)max_pixels);
        return -1;
    }
    return 0;
}

/* How big a decode should come out: the shortest side at most `side` (encoder previews), or the
   longest (thumbnails and display images). Never enlarged. */
typedef struct {
    int side;
    int longest;
} target_size;

static void thumbnail_box(int upright_w, int upright_h, target_size t, int *bw, int *bh)
{
    if (t.longest) {
        *bw = *bh = t.side;
        return;
    }
    *bw = upright_w <= upright_h ? t.side : VIPS_MAX_COORD;
    *bh = upright_w <= upright_h ? VIPS_MAX_COORD : t.side;
}

/* Any decoded image (grey, CMYK already imported, 16-bit, alpha) → 8-bit sRGB with 3 bands, alpha
   flattened onto white. NULL with the libvips error set. */
static VipsImage *srgb8(VipsImage *in)
{
    VipsImage *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    if (vips_colourspace(in, &a, VIPS_INTERPRETATION_sRGB, NULL)) goto out;
    if (vips_image_hasalpha(a)) {
        VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
        int rc = vips_flatten(a, &b, "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (rc) goto out;
    } else {
        b = a;
        g_object_ref(b);
    }
    if (vips_cast_uchar(b, &c, NULL)) goto out;
    if (c->Bands < 3) vips_error("cull", "unexpected %d-band image after colour conversion", c->Bands);
    else vips_extract_band(c, &d, 0, "n", 3, NULL);
out:
    if (a) g_object_unref(a);
    if (b) g_object_unref(b);
    if (c) g_object_unref(c);
    return d;
}

/* A JPEG shrunk in the DCT by jpeg_dct_shrink, then resized into the box (orientation and ICC as
   vips_thumbnail). vips_thumbnail_buffer itself leaves a factor of two for its final resize, so
   for a 12 MP photo it decodes 1000×750 pixels where 500×375 serve: about 30% slower. */
static int jpeg_thumbnail(const uint8_t *data, size_t len, int w, int h, int bw, int bh, VipsImage **out)
{
    VipsImage *shrunk = NULL;
    if (vips_jpegload_buffer((void *)data, len, &shrunk, "shrink", jpeg_dct_shrink(w, h, bw, bh), "access",
                             VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL))
        return -1;
    int rc = vips_thumbnail_image(shrunk, out, bw, "height", bh, "size", VIPS_SIZE_DOWN, NULL);
    g_object_unref(shrunk);
    return rc;
}

static VipsImage *decode_with_vips(const uint8_t *data, size_t len, const char *format, int64_t max_pixels,
                                   target_size size, image_meta *meta, char *err, size_t errlen)
{
    VipsImage *hdr = vips_image_new_from_buffer(data, len, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!hdr) {
        vips_reason("cannot read image header", err, errlen);
        return NULL;
    }
    int w = vips_image_get_width(hdr), h = vips_image_get_height(hdr), orientation = orientation_of(hdr);
    if (orientation >= 5) {
        int t = w;
        w = h;
        h = t;
    }
    snprintf(meta->format, sizeof meta->format, "%s", format);
    meta->width = w;
    meta->height = h;
    exif_string(hdr, "exif-ifd0-Make", meta->make, sizeof meta->make);
    exif_string(hdr, "exif-ifd0-Model", meta->model, sizeof meta->model);
    exif_string(hdr, "exif-ifd2-DateTimeOriginal", meta->datetime, sizeof meta->datetime);
    if (!meta->datetime[0]) exif_string(hdr, "exif-ifd0-DateTime", meta->datetime, sizeof meta->datetime);
    g_object_unref(hdr);
    if (check_pixels(w, h, max_pixels, err, errlen)) return NULL;

    int bw, bh;
    thumbnail_box(w, h, size, &bw, &bh);
    if (!strcmp(format, "jpeg")) {
        rgb_image fast;
        int rc = jpeg_direct_decode(data, len, w, h, orientation, bw, bh, &fast, err, errlen);
        if (rc == JPEG_DIRECT_FAILED) return NULL;
        if (rc == JPEG_DIRECT_OK) {
            VipsImage *im = vips_image_new_from_memory_copy(fast.rgb, (size_t)fast.width * fast.height * 3,
                                                            fast.width, fast.height, 3, VIPS_FORMAT_UCHAR);
            rgb_image_free(&fast);
            if (im) im->Type = VIPS_INTERPRETATION_sRGB;
            else vips_reason("cannot decode jpeg", err, errlen);
            return im;
        }
    }
    VipsImage *thumb = NULL, *out = NULL;
    if (!strcmp(format, "jpeg") ? jpeg_thumbnail(data, len, w, h, bw, bh, &thumb) == 0
        /* fail_on goes to the loader through option_string: libvips 8.14 does not pass the
           thumbnail's own fail_on on to buffer loaders, and a truncated file would decode grey. */
                                : vips_thumbnail_buffer((void *)data, len, &thumb, bw, "height", bh, "size",
                                                        VIPS_SIZE_DOWN, "option_string", "fail_on=truncated",
                                                        NULL) == 0) {
        out = srgb8(thumb);
        g_object_unref(thumb);
    }
    if (!out) {
        char what[64];
        snprintf(what, sizeof what, "cannot decode %s", format);
        vips_reason(what, err, errlen);
    }
    return out;
}
/* Rotates a RAW preview upright; libraw's flip: 3 = 180°, 5 = 90° counter-clockwise, 6 = 90° clockwise. */
static VipsImage *apply_flip(VipsImage *in, int flip)
{
    VipsImage *out = NULL;
    VipsAngle a = flip == 3 ? VIPS_ANGLE_D180 : flip == 5 ? VIPS_ANGLE_D270 : flip == 6 ? VIPS_ANGLE_D90 : VIPS_ANGLE_D0;
    if (a == VIPS_ANGLE_D0 || vips_rot(in, &out, a, NULL)) {
        g_object_ref(in);
        return in;
    }
    return out;
}

static void raw_meta(libraw_data_t *lr, image_meta *meta)
{
    snprintf(meta->format, sizeof meta->format, "raw");
    snprintf(meta->make, sizeof meta->make, "%s", lr->idata.make);
    snprintf(meta->model, sizeof meta->model, "%s", lr->idata.model);
    int w = lr->sizes.width, h = lr->sizes.height;
    int swap = lr->sizes.flip == 5 || lr->sizes.flip == 6;
    meta->width = swap ? h : w;
    meta->height = swap ? w : h;
    meta->datetime[0] = 0;
    if (lr->other.timestamp > 0) {
        struct tm tm;
        time_t t = lr->other.timestamp;
        if (localtime_r(&t, &tm)) strftime(meta->datetime, sizeof meta->datetime, "%Y:%m:%d %H:%M:%S", &tm);
    }
}

/* Whether a JPEG preview's final bytes are in the file. libraw 0.20 reads a preview that runs past
   the end of the file into an uninitialised buffer, so what libjpeg then sees varies from run to
   run (sometimes a picture with a damaged bottom, sometimes an error); a preview cut short is
   refused here instead, always. Its tail is compared, not its head: libraw may insert an EXIF block
   after the SOI marker. A tail of one repeated byte (the zeros a reader may pad with) is found in
   almost any file, so then the whole run and the 16 bytes before it are looked for. (The C API
   does not give the preview's offset, so the file is searched.) */
static int preview_in_file(const libraw_processed_image_t *p, const uint8_t *data, size_t len)
{
    if (p->type != LIBRAW_IMAGE_JPEG) return 1;
    size_t n = p->data_size, start = n < 64 ? 0 : n - 64;
    if (n == 0) return 0;
    const uint8_t *d = p->data;
    size_t run = n;
    while (run > 0 && d[run - 1] == d[n - 1]) run--;   /* d[run..n) is one repeated byte */
    if (run <= start) start = run >= 16 ? run - 16 : 0;
    return memmem(data, len, d + start, n - start) != NULL;
}

/* A RAW image decoded by libraw (its preview, or a half-size render when it has none or `develop`
   asks) → a VipsImage we own. *rendered is set for a render: libraw_dcraw_make_mem_image has
   already applied sizes.flip (a preview has not). */
static VipsImage *raw_image(libraw_data_t *lr, const uint8_t *data, size_t len, int develop,
                            libraw_processed_image_t **keep, int *rendered, char *err, size_t errlen)
{
    int rc = 0;
    libraw_processed_image_t *p = NULL;
    *rendered = 0;
    int thumb_rc = develop ? LIBRAW_REQUEST_FOR_NONEXISTENT_IMAGE : libraw_unpack_thumb(lr);
    if (thumb_rc == LIBRAW_SUCCESS) p = libraw_dcraw_make_mem_thumb(lr, &rc);
    if (p && !preview_in_file(p, data, len)) {
        libraw_dcraw_clear_mem(p);
        p = NULL;
    }
    if (!p) {
        /* No usable preview: a fast half-size demosaic instead. A damaged preview can make libraw
           recycle the handle (libraw_unpack would then fail as an out-of-order call), so the data
           is opened again first: intact raw data still gives a picture. (libraw_recycle first:
           libraw_open_buffer on an open handle leaks its stream.) */
        if (thumb_rc != LIBRAW_NO_THUMBNAIL) {
            libraw_recycle(lr);
            rc = libraw_open_buffer(lr, (void *)data, len);
        }
        lr->params.half_size = 1;
        if (rc == LIBRAW_SUCCESS && (rc = libraw_unpack(lr)) == LIBRAW_SUCCESS &&
            (rc = libraw_dcraw_process(lr)) == LIBRAW_SUCCESS)
            p = libraw_dcraw_make_mem_image(lr, &rc);
        if (!p) {
            snprintf(err, errlen, "camera RAW has no usable preview and cannot be developed (%s)",
                     libraw_strerror(rc ? rc : LIBRAW_UNSPECIFIED_ERROR));
            return NULL;
        }
        *rendered = 1;
    }
    *keep = p;
    VipsImage *im = NULL;
    /* fail_on: a preview that is damaged inside fails (and is replaced by a render) rather than
       decoding grey. */
    if (p->type == LIBRAW_IMAGE_JPEG)
        im = vips_image_new_from_buffer(p->data, p->data_size, "", "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    else if (p->type == LIBRAW_IMAGE_BITMAP && p->bits == 8 && (p->colors == 3 || p->colors == 1))
        im = vips_image_new_from_memory(p->data, p->data_size, p->width, p->height, p->colors, VIPS_FORMAT_UCHAR);
    if (!im) vips_reason("cannot decode camera RAW preview", err, errlen);
    return im;
}

static void raw_data_error(void *data, const char *file, const int offset) {}

/* Returns an in-memory image (libraw's buffers are freed here), NULL on failure, or *not_raw set
   when libraw does not recognise the data. */
static VipsImage *decode_with_libraw(const uint8_t *data, size_t len, int64_t max_pixels, target_size size,
                                     image_meta *meta, int *not_raw, char *err, size_t errlen)
{
    *not_raw = 0;
    libraw_data_t *lr = libraw_init(0);
    if (!lr) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* libraw's default handler prints "unknown file: Unexpected end of file" on stderr for a
       truncated file; the failing call's status already says so, with the file's name. */
    libraw_set_dataerror_handler(lr, raw_data_error, NULL);
    libraw_processed_image_t *p = NULL;
    VipsImage *im = NULL, *upright = NULL, *thumb = NULL, *rgb = NULL, *out = NULL;
    if (libraw_open_buffer(lr, (void *)data, len) != LIBRAW_SUCCESS) {
        *not_raw = 1;
        goto done;
    }
    raw_meta(lr, meta);
    if (check_pixels(meta->width, meta->height, max_pixels, err, errlen)) goto done;
    /* A preview that does not decode (truncated, damaged) gets a second try as a render. */
    for (int develop = 0; develop < 2 && !out; develop++) {
        int rendered = 0;
        if ((im = raw_image(lr, data, len, develop, &p, &rendered, err, errlen))) {
            /* An embedded JPEG carrying its own orientation is rotated by vips_thumbnail_image, so
               the box is sized for its upright shape (libraw adds an EXIF block with sizes.flip
               to a preview that has none). */
            int o = orientation_of(im);
            upright = rendered || o > 1 ? (g_object_ref(im), im) : apply_flip(im, lr->sizes.flip);
            int uw = vips_image_get_width(upright), uh = vips_image_get_height(upright), bw, bh;
            thumbnail_box(o >= 5 ? uh : uw, o >= 5 ? uw : uh, size, &bw, &bh);
            if (vips_thumbnail_image(upright, &thumb, bw, "height", bh, "size", VIPS_SIZE_DOWN, NULL) == 0 &&
                (rgb = srgb8(thumb)))
                out = vips_image_copy_memory(rgb);
            if (!out) vips_reason("cannot decode camera RAW preview", err, errlen);
        }
        int again = p && !rendered; /* a preview was made but would not decode */
        g_clear_object(&rgb);
        g_clear_object(&thumb);
        g_clear_object(&upright);
        g_clear_object(&im);
        if (p) libraw_dcraw_clear_mem(p);
        p = NULL;
        if (!again) break;
    }
done:
    libraw_close(lr);
    return out;
}

/* Content → upright 8-bit sRGB image of the requested size (lazy for libvips formats: it reads
   data, which must outlive it). */
static VipsImage *decode(const uint8_t *data, size_t len, int64_t max_pixels, target_size size,
                         image_meta *meta, char *err, size_t errlen)
{
    memset(meta, 0, sizeof *meta);
    meta->bytes = (int64_t)len;
    if (raw_magic(data, len) || tiff_magic(data, len)) {
        int not_raw;
        VipsImage *im = decode_with_libraw(data, len, max_pixels, size, meta, &not_raw, err, errlen);
        if (!not_raw) return im;
        memset(meta, 0, sizeof *meta);
        meta->bytes = (int64_t)len;
    }
    const char *format = vips_format(data, len);
    if (!format) {
        snprintf(err, errlen, "not an image (content is not a format cull reads)");
        return NULL;
    }
    return decode_with_vips(data, len, format, max_pixels, size, meta, err, errlen);
}

int media_decode(const uint8_t *data, size_t len, int64_t max_pixels, rgb_image *preview, image_meta *meta,
                 char *err, size_t errlen)
{
    memset(preview, 0, sizeof *preview);
    VipsImage *im = decode(data, len, max_pixels, (target_size){MEDIA_PREVIEW_SIDE, 0}, meta, err, errlen);
    if (!im) return -1;
    /* Pixels are decoded here, lazily: a truncated file fails now. */
    size_t size = 0;
    void *mem = vips_image_write_to_memory(im, &size);
    int rc = -1;
    if (!mem) {
        char what[64];
        snprintf(what, sizeof what, "cannot decode %s", meta->format);
        vips_reason(what, err, errlen);
    } else if (size != (size_t)im->Xsize * im->Ysize * 3 || !(preview->rgb = malloc(size))) {
        snprintf(err, errlen, "%s", size ? "out of memory" : "decoder returned a short image");
    } else {
        memcpy(preview->rgb, mem, size);
        preview->width = im->Xsize;
        preview->height = im->Ysize;
        rc = 0;
    }
    g_free(mem);
    g_object_unref(im);
    return rc;
}

int media_render_jpeg(const uint8_t *data, size_t len, int side, int quality, void **jpeg, size_t *jpeg_len,
                      char *err, size_t errlen)
{
    image_meta meta;
    VipsImage *im = decode(data, len, INT64_MAX, (target_size){side, 1}, &meta, err, errlen);
    if (!im) return -1;
    int rc = vips_jpegsave_buffer(im, jpeg, jpeg_len, "Q", quality, "strip", TRUE, "optimize_coding", TRUE, NULL);
    if (rc) vips_reason("cannot make a JPEG", err, errlen);
    g_object_unref(im);
    return rc;
}

void media_camera_name(const image_meta *m, char *out, size_t cap)
{
    size_t n = strlen(m->make);
    if (n && !strncasecmp(m->model, m->make, n)) snprintf(out, cap, "%s", m->model);
    else snprintf(out, cap, "%s%s%s", m->make, m->make[0] && m->model[0] ? " " : "", m->model);
}
