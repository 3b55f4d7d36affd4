/*
 * Unit tests for reading, hashing and decoding (media/).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>

#include "media/media.h"

static void test_sha256_known_vectors(void **state)
{
    (void)state;
    uint8_t sha[32];
    char hex[65];
    media_sha256("abc", 3, sha);
    media_sha256_hex(sha, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    media_sha256("", 0, sha);
    media_sha256_hex(sha, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* An encoded test image made with libvips itself: a horizontal gradient, w×h. */
static void *encode(int w, int h, const char *suffix, size_t *len)
{
    VipsImage *x = NULL, *scaled = NULL, *rgb = NULL, *u8 = NULL;
    void *buf = NULL;
    assert_int_equal(vips_xyz(&x, w, h, NULL), 0);
    VipsImage *band = NULL;
    assert_int_equal(vips_extract_band(x, &band, 0, NULL), 0);
    assert_int_equal(vips_linear1(band, &scaled, 255.0 / w, 0, NULL), 0);
    VipsImage *bands[3] = {scaled, scaled, scaled};
    assert_int_equal(vips_bandjoin(bands, &rgb, 3, NULL), 0);
    assert_int_equal(vips_cast_uchar(rgb, &u8, NULL), 0);
    u8->Type = VIPS_INTERPRETATION_sRGB;
    assert_int_equal(vips_image_write_to_buffer(u8, suffix, &buf, len, NULL), 0);
    g_object_unref(x);
    g_object_unref(band);
    g_object_unref(scaled);
    g_object_unref(rgb);
    g_object_unref(u8);
    return buf;
}

static void test_decode_shrinks_to_preview(void **state)
{
    (void)state;
    size_t len;
    void *jpg = encode(1000, 500, ".jpg", &len);
    rgb_image img;
    image_meta meta;
    char err[256];
    assert_true(media_looks_like_image(jpg, len));
    assert_int_equal(media_decode(jpg, len, MEDIA_DEFAULT_MAX_PIXELS, &img, &meta, err, sizeof err), 0);
    assert_int_equal(meta.width, 1000);
    assert_int_equal(meta.height, 500);
    assert_string_equal(meta.format, "jpeg");
    assert_int_equal(meta.bytes, (int64_t)len);
    assert_int_equal(img.height, MEDIA_PREVIEW_SIDE);
    assert_int_equal(img.width, 2 * MEDIA_PREVIEW_SIDE);
    /* The gradient survives: dark on the left, bright on the right. */
    int row = img.height / 2;
    assert_true(img.rgb[(row * img.width + 2) * 3] < 30);
    assert_true(img.rgb[(row * img.width + img.width - 3) * 3] > 220);
    rgb_image_free(&img);
    g_free(jpg);
}

/* A w×h JPEG whose red channel ramps left to right, green top to bottom, blue across. */
static void *encode_ramps(int w, int h, size_t *len)
{
    VipsImage *xy = NULL, *x = NULL, *y = NULL, *r = NULL, *g = NULL, *sum = NULL, *b = NULL, *rgb = NULL,
              *u8 = NULL;
    void *buf = NULL;
    assert_int_equal(vips_xyz(&xy, w, h, NULL), 0);
    assert_int_equal(vips_extract_band(xy, &x, 0, NULL), 0);
    assert_int_equal(vips_extract_band(xy, &y, 1, NULL), 0);
    assert_int_equal(vips_linear1(x, &r, 255.0 / w, 0, NULL), 0);
    assert_int_equal(vips_linear1(y, &g, 255.0 / h, 0, NULL), 0);
    assert_int_equal(vips_add(r, g, &sum, NULL), 0);
    assert_int_equal(vips_linear1(sum, &b, 0.5, 0, NULL), 0);
    VipsImage *bands[3] = {r, g, b};
    assert_int_equal(vips_bandjoin(bands, &rgb, 3, NULL), 0);
    assert_int_equal(vips_cast_uchar(rgb, &u8, NULL), 0);
    u8->Type = VIPS_INTERPRETATION_sRGB;
    assert_int_equal(vips_jpegsave_buffer(u8, &buf, len, "Q", 95, NULL), 0);
    VipsImage *all[] = {xy, x, y, r, g, sum, b, rgb, u8};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) g_object_unref(all[i]);
    return buf;
}

/* Mean |difference| per byte between img and a full-resolution image resized to img's size. */
static double mean_diff_from(VipsImage *full, const rgb_image *img)
{
    VipsImage *small = NULL;
    assert_int_equal(vips_resize(full, &small, (double)img->width / full->Xsize, "vscale",
                                 (double)img->height / full->Ysize, NULL),
                     0);
    size_t size;
    uint8_t *ref = vips_image_write_to_memory(small, &size);
    assert_int_equal(size, (size_t)img->width * img->height * 3);
    double diff = 0;
    for (size_t i = 0; i < size; i++) diff += abs((int)ref[i] - (int)img->rgb[i]);
    g_free(ref);
    g_object_unref(small);
    return diff / (double)size;
}

/* cull shrinks JPEGs in the DCT by 8, 4 or 2 (whatever still covers the preview), then resizes:
   the preview must match a full decode resized to the same size. */
static void test_dct_shrink_matches_full_decode(void **state)
{
    (void)state;
    static const int sizes[][2] = {{4096, 2304}, {3000, 2000}, {1200, 900}, {700, 600}, {300, 260}};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        int w = sizes[k][0], h = sizes[k][1];
        size_t len;
        void *jpg = encode_ramps(w, h, &len);
        rgb_image img;
        image_meta meta;
        char err[256];
        assert_int_equal(media_decode(jpg, len, MEDIA_DEFAULT_MAX_PIXELS, &img, &meta, err, sizeof err), 0);
        assert_int_equal(img.height, MEDIA_PREVIEW_SIDE);
        assert_true(abs(img.width - (int)((double)w * MEDIA_PREVIEW_SIDE / h + 0.5)) <= 1);

        VipsImage *full = vips_image_new_from_buffer(jpg, len, "", NULL);
        assert_non_null(full);
        double diff = mean_diff_from(full, &img);
        if (diff >= 1.5) fail_msg("%d×%d: preview differs from a full decode by %.2f/255 on average", w, h, diff);
        g_object_unref(full);
        rgb_image_free(&img);
        g_free(jpg);
    }
}

/* EXIF orientations 1–8: the preview is what libvips' own autorotation of the full image gives,
   resized to the same size. */
static void test_orientations_match_libvips(void **state)
{
    (void)state;
    for (int o = 1; o <= 8; o++) {
        size_t len;
        void *plain = encode_ramps(1600, 900, &len), *tagged = NULL;
        VipsImage *im = vips_image_new_from_buffer(plain, len, "", NULL), *copy = NULL;
        assert_non_null(im);
        assert_int_equal(vips_copy(im, &copy, NULL), 0);
        vips_image_set_int(copy, VIPS_META_ORIENTATION, o);
        assert_int_equal(vips_jpegsave_buffer(copy, &tagged, &len, "Q", 95, NULL), 0);
        rgb_image img;
        image_meta meta;
        char err[256];
        assert_int_equal(media_decode(tagged, len, MEDIA_DEFAULT_MAX_PIXELS, &img, &meta, err, sizeof err), 0);
        assert_int_equal(meta.width, o >= 5 ? 900 : 1600);
        assert_int_equal(meta.height, o >= 5 ? 1600 : 900);

        VipsImage *full = vips_image_new_from_buffer(tagged, len, "", NULL), *up = NULL;
        assert_int_equal(vips_autorot(full, &up, NULL), 0);
        assert_int_equal(up->Xsize, meta.width);
        double diff = mean_diff_from(up, &img);
        if (diff >= 1.5) fail_msg("orientation %d: preview differs from libvips' by %.2f/255 on average", o, diff);
        VipsImage *all[] = {im, copy, full, up};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) g_object_unref(all[i]);
        rgb_image_free(&img);
        g_free(plain);
        g_free(tagged);
    }
}

/* A JPEG cut short is an error, not a preview with a grey bottom. */
static void test_truncated_jpeg_fails(void **state)
{
    (void)state;
    size_t len;
    uint8_t *jpg = encode_ramps(1200, 900, &len);
    rgb_image img;
    image_meta meta;
    char err[256];
    assert_int_equal(media_decode(jpg, len * 2 / 3, MEDIA_DEFAULT_MAX_PIXELS, &img, &meta, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot decode jpeg"));
    g_free(jpg);
}

static void test_small_images_are_not_enlarged(void **state)
{
    (void)state;
    size_t len;
    void *png = encode(40, 30, ".png", &len);
    rgb_image img;
    image_meta meta;
    char err[256];
    assert_int_equal(media_decode(png, len, MEDIA_DEFAULT_MAX_PIXELS, &img, &meta, err, sizeof err), 0);
    assert_int_equal(img.width, 40);
    assert_int_equal(img.height, 30);
    assert_string_equal(meta.format, "png");
    rgb_image_free(&img);
    g_free(png);
}

static void test_pixel_limit_refuses_before_decoding(void **state)
{
    (void)state;
    size_t len;
    void *png = encode(400, 300, ".png", &len);
    rgb_image img;
    image_meta meta;
    char err[256];
    assert_int_equal(media_decode(png, len, 1000, &img, &meta, err, sizeof err), -1);
    assert_non_null(strstr(err, "400×300 pixels is over the limit of 1000"));
    assert_null(img.rgb);
    g_free(png);
}

static void test_not_an_image(void **state)
{
    (void)state;
    const char text[] = "hello, this is text and not a picture";
    rgb_image img;
    image_meta meta;
    char err[256];
    assert_false(media_looks_like_image((const uint8_t *)text, sizeof text));
    assert_int_equal(media_decode((const uint8_t *)text, sizeof text, MEDIA_DEFAULT_MAX_PIXELS, &img, &meta, err,
                                  sizeof err), -1);
    assert_non_null(strstr(err, "not an image"));
}

static void test_read_file(void **state)
{
    (void)state;
    char path[] = "/tmp/cull-test-media-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "abc", 3), 3);
    close(fd);
    file_buffer fb;
    char err[256];
    assert_int_equal(media_read_file(path, 100, &fb, err, sizeof err), 0);
    assert_int_equal(fb.len, 3);
    assert_memory_equal(fb.data, "abc", 3);
    file_buffer_free(&fb);
    assert_int_equal(media_read_file(path, 2, &fb, err, sizeof err), -1);
    assert_non_null(strstr(err, "over the limit"));
    unlink(path);
    assert_int_equal(media_read_file(path, 100, &fb, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
}

int main(int argc, char **argv)
{
    (void)argc;
    if (media_init(argv[0])) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known_vectors),
        cmocka_unit_test(test_decode_shrinks_to_preview),
        cmocka_unit_test(test_dct_shrink_matches_full_decode),
        cmocka_unit_test(test_orientations_match_libvips),
        cmocka_unit_test(test_truncated_jpeg_fails),
        cmocka_unit_test(test_small_images_are_not_enlarged),
        cmocka_unit_test(test_pixel_limit_refuses_before_decoding),
        cmocka_unit_test(test_not_an_image),
        cmocka_unit_test(test_read_file),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    media_shutdown();
    return rc;
}
