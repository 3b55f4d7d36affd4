/*
 * test_lite.c — the lite encoder on rasters generated here: shapes of the output, edge cases, and
 * that each feature group moves the right way between images that differ in one respect.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "encoders/encoder.h"

/* Indices from the layout comment in src/encoders/lite.c (fixed for id "lite-1"). */
enum {
    Y_MEAN = 0, Y_STD = 1, Y_P5 = 2, Y_P50 = 3, Y_P95 = 4, Y_HIST = 5,
    CLIP_BLACK = 13, CLIP_WHITE = 14, Y_ENTROPY = 15,
    MEAN_R = 16, MEAN_G = 17, MEAN_B = 18, SAT_MEAN = 19, SAT_STD = 20, HUE_HIST = 21,
    GREY = 29, COLOURFUL = 30,
    LAP = 31, ENERGY = 32, EDGES = 33, LAP_HALF = 34, ENERGY_HALF = 35, EDGES_HALF = 36,
    CENTRE_FOCUS = 37,
    FLAT = 38, COLOURS = 39, TOP_COLOUR = 40, COLOUR_ENTROPY = 41, EDGES_ON_FLAT = 42,
    AXIS_EDGES = 43, HV_BALANCE = 44,
    NOISE = 45, NOISE_SMOOTH = 46, ASPECT = 47,
    DIM = 48
};

/* ---- rasters ---- */

static rgb_image make_image(int w, int h)
{
    rgb_image img = {w, h, calloc((size_t)w * h * 3, 1)};
    assert_non_null(img.rgb);
    return img;
}

static void set_px(rgb_image *img, int x, int y, int r, int g, int b)
{
    uint8_t *p = img->rgb + ((size_t)y * img->width + x) * 3;
    p[0] = (uint8_t)r;
    p[1] = (uint8_t)g;
    p[2] = (uint8_t)b;
}

static void fill(rgb_image *img, int r, int g, int b)
{
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++)
            set_px(img, x, y, r, g, b);
}

static void fill_rect(rgb_image *img, int x0, int y0, int w, int h, int v)
{
    for (int y = y0; y < y0 + h && y < img->height; y++)
        for (int x = x0; x < x0 + w && x < img->width; x++)
            set_px(img, x, y, v, v, v);
}

static uint64_t rng_state;

static double uniform01(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((rng_state >> 11) + 0.5) / 9007199254740992.0;
}

/* Box–Muller. The draws are sequenced, so every compiler makes the same rasters. */
static double gaussian(void)
{
    double u = uniform01(), v = uniform01();
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static uint8_t clamp_byte(double v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
}

static rgb_image random_noise(int w, int h)
{
    rgb_image img = make_image(w, h);
    rng_state = 1;
    for (size_t i = 0; i < (size_t)w * h * 3; i++)
        img.rgb[i] = (uint8_t)(uniform01() * 256);
    return img;
}

/* A smooth, colourful scene with soft blobs, plus Gaussian noise of the given σ (0..255 units). */
static rgb_image photo_like(int w, int h, double sigma)
{
    rgb_image img = make_image(w, h);
    rng_state = 42;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double u = (double)x / w, v = (double)y / h;
            double blob = 60 * sin(7 * u + 2 * v) * cos(5 * v - 3 * u);
            double r = 90 + 100 * v + blob, g = 120 + 60 * u - 0.5 * blob, b = 170 - 90 * v + 0.3 * blob;
            r += sigma * gaussian();
            g += sigma * gaussian();
            b += sigma * gaussian();
            set_px(&img, x, y, clamp_byte(r), clamp_byte(g), clamp_byte(b));
        }
    return img;
}

/* White page, a grey title bar, and lines of black "words" made of glyph-sized strokes. */
static rgb_image screenshot_like(int w, int h)
{
    rgb_image img = make_image(w, h);
    fill(&img, 255, 255, 255);
    fill_rect(&img, 0, 0, w, 24, 230);
    rng_state = 7;
    for (int line = 40; line + 10 < h; line += 18)
        for (int x = 8; x < w - 12;) {
            int word = 3 + (int)(uniform01() * 6);
            for (int c = 0; c < word && x < w - 12; c++, x += 6) {
                fill_rect(&img, x, line, 1, 10, 0);      /* stem */
                fill_rect(&img, x, line + 4, 4, 1, 0);   /* bar */
                fill_rect(&img, x + 3, line + 4, 1, 6, 0);
            }
            x += 6;
        }
    return img;
}

static rgb_image checkerboard(int w, int h, int cell, int lo, int hi)
{
    rgb_image img = make_image(w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = ((x / cell + y / cell) & 1) ? hi : lo;
            set_px(&img, x, y, v, v, v);
        }
    return img;
}

/* A 5×5 box blur, done as two passes of a 3×3 box with clamped borders. */
static void blur(rgb_image *img)
{
    int w = img->width, h = img->height;
    uint8_t *tmp = malloc((size_t)w * h * 3);
    assert_non_null(tmp);
    for (int pass = 0; pass < 2; pass++) {
        memcpy(tmp, img->rgb, (size_t)w * h * 3);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) {
                    int sum = 0;
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++) {
                            int yy = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy;
                            int xx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx;
                            sum += tmp[((size_t)yy * w + xx) * 3 + c];
                        }
                    img->rgb[((size_t)y * w + x) * 3 + c] = (uint8_t)((sum + 4) / 9);
                }
    }
    free(tmp);
}

/* ---- encoding ---- */

static encoder *lite;

static int setup(void **state)
{
    char err[256];
    lite = encoder_open("lite", err, sizeof err);
    return lite ? 0 : -1;
}

static int teardown(void **state)
{
    encoder_close(lite);
    return 0;
}

/* Encodes img into out (DIM floats), asserting success and that every value is finite and sane. */
static void encode_ok(const rgb_image *img, float *out)
{
    char err[256] = "";
    assert_int_equal(lite->encode(lite, img, out, err, sizeof err), 0);
    for (int i = 0; i < DIM; i++) {
        assert_true(isfinite(out[i]));
        assert_true(fabsf(out[i]) <= 4.0f);
    }
}

static void encode_and_free(rgb_image img, float *out)
{
    encode_ok(&img, out);
    free(img.rgb);
}

/* ---- tests ---- */

static void test_identity(void **state)
{
    assert_string_equal(lite->name, "lite");
    assert_string_equal(lite->id, "lite-1");
    assert_int_equal(lite->dim, DIM);
}

/* The registry grows (model-based encoders come later), so this pins only what lite adds to it. */
static void test_registry(void **state)
{
    char err[256] = "";
    encoder *def = encoder_open(NULL, err, sizeof err);
    assert_non_null(def);
    assert_string_equal(def->name, encoder_default_name());
    encoder_close(def);
    encoder_close(NULL);

    static const char unknown[] = "unknown encoder 'nope' (known: lite";
    assert_null(encoder_open("nope", err, sizeof err));
    assert_memory_equal(err, unknown, sizeof unknown - 1);
    assert_null(encoder_open("nope", NULL, 0));
}

static void test_rejects_empty(void **state)
{
    float out[DIM];
    char err[256];
    rgb_image no_pixels = {0, 0, NULL};
    uint8_t px[3] = {0};
    rgb_image zero_wide = {0, 1, px};

    err[0] = '\0';
    assert_int_equal(lite->encode(lite, NULL, out, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    err[0] = '\0';
    assert_int_equal(lite->encode(lite, &no_pixels, out, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    err[0] = '\0';
    assert_int_equal(lite->encode(lite, &zero_wide, out, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
}

static void test_tiny_and_thin(void **state)
{
    static const int sizes[][2] = {{1, 1}, {2, 1}, {1, 2}, {2, 2}, {3, 3}, {4, 3}, {1, 300}, {300, 1}, {5, 2}};
    float out[DIM];
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        encode_and_free(random_noise(sizes[s][0], sizes[s][1]), out);

    rgb_image one = make_image(1, 1);
    set_px(&one, 0, 0, 200, 10, 10);
    encode_and_free(one, out);
    assert_float_equal(out[FLAT], 1.0, 1e-6);
    assert_float_equal(out[NOISE], 0.0, 1e-6);
    assert_float_equal(out[ASPECT], 0.0, 1e-6);
    assert_float_equal(out[MEAN_R], 200 / 255.0, 1e-5);
}

static void test_uniform(void **state)
{
    float grey[DIM], black[DIM], white[DIM];
    rgb_image img = make_image(64, 48);
    fill(&img, 128, 128, 128);
    encode_ok(&img, grey);
    fill(&img, 0, 0, 0);
    encode_ok(&img, black);
    fill(&img, 255, 255, 255);
    encode_ok(&img, white);
    free(img.rgb);

    assert_float_equal(grey[Y_STD], 0, 1e-6);
    assert_float_equal(grey[Y_P5], grey[Y_P95], 1e-6);
    assert_float_equal(grey[Y_MEAN], 128 / 255.0, 1e-5);
    assert_float_equal(grey[Y_HIST + 4], 1, 1e-6);
    assert_float_equal(grey[Y_ENTROPY], 0, 1e-6);
    assert_float_equal(grey[SAT_MEAN], 0, 1e-6);
    assert_float_equal(grey[GREY], 1, 1e-6);
    assert_float_equal(grey[LAP], 0, 1e-6);
    assert_float_equal(grey[EDGES], 0, 1e-6);
    assert_float_equal(grey[FLAT], 1, 1e-6);
    assert_float_equal(grey[TOP_COLOUR], 1, 1e-6);
    assert_float_equal(grey[NOISE], 0, 1e-6);
    assert_float_equal(grey[CENTRE_FOCUS], 0, 1e-6);
    assert_true(grey[ASPECT] > 0);

    assert_float_equal(black[CLIP_BLACK], 1, 1e-6);
    assert_float_equal(black[Y_HIST + 0], 1, 1e-6);
    assert_float_equal(white[CLIP_WHITE], 1, 1e-6);
    assert_float_equal(white[Y_P50], 1, 1e-6);
    assert_float_equal(white[Y_HIST + 7], 1, 1e-6);
}

static void test_random_noise_and_large(void **state)
{
    float out[DIM];
    encode_and_free(random_noise(256, 341), out);
    assert_true(out[COLOURS] > 0.99f);      /* 87k random pixels hit every one of 4096 cells */
    assert_true(out[FLAT] < 0.01f);
    assert_true(out[Y_STD] > 0.2f);
    assert_true(out[NOISE] > 0.5f);

    encode_and_free(photo_like(2000, 1500, 3), out);
    encode_and_free(random_noise(256, 4096), out);
    assert_true(out[ASPECT] < -2.5f);
}

static void test_sharp_beats_blurred(void **state)
{
    float sharp[DIM], soft[DIM];
    /* Mid contrast, so that blurring takes the steps below the strong-edge threshold; a full-range
     * step stays strong when blurred and only spreads over more pixels. */
    rgb_image img = checkerboard(128, 128, 4, 80, 176);
    encode_ok(&img, sharp);
    blur(&img);
    encode_ok(&img, soft);
    free(img.rgb);

    assert_true(sharp[LAP] > soft[LAP]);
    assert_true(sharp[ENERGY] > soft[ENERGY]);
    assert_true(sharp[EDGES] > soft[EDGES]);
    assert_true(sharp[LAP_HALF] > soft[LAP_HALF]);
    assert_true(sharp[ENERGY_HALF] > soft[ENERGY_HALF]);
    /* All its edges are horizontal or vertical except at the corners, a third of its edge pixels. */
    assert_true(sharp[AXIS_EDGES] > 0.6f);
}

static void test_centre_focus(void **state)
{
    float centred[DIM], framed[DIM];
    rgb_image a = make_image(96, 96), b = make_image(96, 96);
    fill(&a, 128, 128, 128);
    fill(&b, 128, 128, 128);
    for (int y = 0; y < 96; y++)
        for (int x = 0; x < 96; x++) {
            int in_centre = x >= 32 && x < 64 && y >= 32 && y < 64;
            int v = ((x / 2 + y / 2) & 1) ? 200 : 60;
            if (in_centre)
                set_px(&a, x, y, v, v, v);
            else
                set_px(&b, x, y, v, v, v);
        }
    encode_and_free(a, centred);
    encode_and_free(b, framed);
    assert_true(centred[CENTRE_FOCUS] > 0.5f);
    assert_true(framed[CENTRE_FOCUS] < -0.5f);
}

static void test_screenshot_vs_photo(void **state)
{
    float shot[DIM], photo[DIM], noise[DIM];
    encode_and_free(screenshot_like(256, 341), shot);
    encode_and_free(photo_like(256, 341, 4), photo);
    encode_and_free(random_noise(256, 341), noise);

    assert_true(shot[FLAT] > 0.5f);
    assert_true(photo[FLAT] < 0.05f);
    assert_true(shot[COLOURS] < photo[COLOURS]);
    assert_true(shot[TOP_COLOUR] > 0.5f);
    assert_true(shot[TOP_COLOUR] > photo[TOP_COLOUR]);
    assert_true(shot[COLOUR_ENTROPY] < photo[COLOUR_ENTROPY]);
    assert_true(shot[EDGES_ON_FLAT] > 0.9f);
    assert_true(shot[EDGES_ON_FLAT] > photo[EDGES_ON_FLAT]);
    /* Edges of random orientation give about 0.25; glyph corners read diagonal, so text stays well
     * below 1. (The smooth photo has no strong edges at all, hence compare with noise.) */
    assert_true(shot[AXIS_EDGES] > 0.45f);
    assert_float_equal(noise[AXIS_EDGES], 0.25, 0.03);
    assert_true(shot[GREY] > 0.99f);
    assert_true(shot[CLIP_WHITE] > 0.5f);
    assert_true(shot[NOISE_SMOOTH] < photo[NOISE_SMOOTH]); /* clean page: only strokes, excluded */
    assert_true(photo[COLOURFUL] > shot[COLOURFUL]);
}

static void test_red_vs_grey(void **state)
{
    float red[DIM], grey[DIM];
    rgb_image img = make_image(32, 32);
    fill(&img, 220, 20, 20);
    encode_ok(&img, red);
    fill(&img, 90, 90, 90);
    encode_ok(&img, grey);
    free(img.rgb);

    assert_true(red[SAT_MEAN] > 0.85f);
    assert_float_equal(grey[SAT_MEAN], 0, 1e-6);
    assert_float_equal(red[HUE_HIST + 0], 200 / 255.0, 1e-5); /* all chroma in the red bin */
    for (int b = 1; b < 8; b++)
        assert_float_equal(red[HUE_HIST + b], 0, 1e-6);
    for (int b = 0; b < 8; b++)
        assert_float_equal(grey[HUE_HIST + b], 0, 1e-6);
    assert_true(red[MEAN_R] > red[MEAN_G] && red[MEAN_R] > red[MEAN_B]);
    assert_true(red[COLOURFUL] > 0.5f);
    assert_float_equal(grey[COLOURFUL], 0, 1e-6);
    assert_float_equal(red[GREY], 0, 1e-6);
}

/* Primaries and secondaries land in the bin whose centre (a multiple of 45°) is nearest their hue:
 * yellow 60° → 45°, green 120° → 135°, cyan 180°, blue 240° → 225°, magenta 300° → 315°. */
static void test_hue_bins(void **state)
{
    static const struct { uint8_t r, g, b; int bin; } colours[] = {
        {255, 0, 0, 0}, {255, 255, 0, 1}, {0, 255, 0, 3}, {0, 255, 255, 4},
        {0, 0, 255, 5}, {255, 0, 255, 7}, {255, 128, 0, 1}, {128, 0, 255, 6},
    };
    float out[DIM];
    rgb_image img = make_image(4, 4);
    for (size_t c = 0; c < sizeof colours / sizeof colours[0]; c++) {
        fill(&img, colours[c].r, colours[c].g, colours[c].b);
        encode_ok(&img, out);
        for (int b = 0; b < 8; b++)
            assert_float_equal(out[HUE_HIST + b], b == colours[c].bin ? 1 : 0, 1e-6);
    }
    free(img.rgb);
}

static void test_noise_grows_with_sigma(void **state)
{
    static const double sigmas[] = {0, 3, 8, 20};
    float prev[DIM], cur[DIM];
    for (size_t s = 0; s < sizeof sigmas / sizeof sigmas[0]; s++) {
        encode_and_free(photo_like(200, 150, sigmas[s]), cur);
        if (s > 0) {
            assert_true(cur[NOISE] > prev[NOISE]);
            assert_true(cur[NOISE_SMOOTH] > prev[NOISE_SMOOTH]);
        }
        memcpy(prev, cur, sizeof cur);
    }
}

static void test_deterministic(void **state)
{
    float a[DIM], b[DIM];
    rgb_image img = photo_like(256, 341, 5);
    encode_ok(&img, a);
    encode_ok(&img, b);
    free(img.rgb);
    assert_memory_equal(a, b, sizeof a);
}

typedef struct {
    const rgb_image *img;
    const float *expect;
    int mismatches;
} thread_job;

static void *encode_repeatedly(void *arg)
{
    thread_job *job = arg;
    char err[256];
    for (int i = 0; i < 20; i++) {
        float out[DIM];
        if (lite->encode(lite, job->img, out, err, sizeof err) != 0 || memcmp(out, job->expect, sizeof out))
            job->mismatches++;
    }
    return NULL;
}

static void test_threads_agree(void **state)
{
    float expect[DIM];
    rgb_image img = screenshot_like(256, 341);
    encode_ok(&img, expect);
    thread_job jobs[2] = {{&img, expect, 0}, {&img, expect, 0}};
    pthread_t tid[2];
    for (int t = 0; t < 2; t++)
        assert_int_equal(pthread_create(&tid[t], NULL, encode_repeatedly, &jobs[t]), 0);
    for (int t = 0; t < 2; t++)
        assert_int_equal(pthread_join(tid[t], NULL), 0);
    free(img.rgb);
    assert_int_equal(jobs[0].mismatches, 0);
    assert_int_equal(jobs[1].mismatches, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_rejects_empty),
        cmocka_unit_test(test_tiny_and_thin),
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_random_noise_and_large),
        cmocka_unit_test(test_sharp_beats_blurred),
        cmocka_unit_test(test_centre_focus),
        cmocka_unit_test(test_screenshot_vs_photo),
        cmocka_unit_test(test_red_vs_grey),
        cmocka_unit_test(test_hue_bins),
        cmocka_unit_test(test_noise_grows_with_sigma),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_threads_agree),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
