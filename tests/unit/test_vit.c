/*
 * test_vit.c — the ViT's kernels against plain loops written here (in double), its forward pass
 * against a naive one written here from the architecture's definition, its config and weight
 * loading on good and broken inputs, and properties of its preprocessing. (Numbers against PyTorch
 * on files written by tests/reference/vit_reference.py: tests/e2e/vit.sh.)
 *
 * Tolerances: exp relative 5e-7; erf absolute 1e-6; GELUs absolute 2e-6 · max(1, |x|); layer
 * norm, attention, the forward pass: 1e-4 × the largest |reference| value (float accumulation
 * against double).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encoders/encoder.h"
#include "encoders/safetensors.h"
#include "encoders/vit.h"
#include "nn/activation.h"
#include "nn/attention.h"
#include "nn/gemm.h"
#include "nn/layernorm.h"
#include "nn/parallel.h"
#include "util/fp16.h"

/* ---- helpers ---- */

static uint32_t rng = 777;

static float frand(void) /* uniform in [-1, 1) */
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) / 8388608.0 - 1.0);
}

static float *random_floats(size_t n, float scale)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) p[i] = frand() * scale;
    return p;
}

static void assert_close(const float *got, const double *want, size_t n, double tol)
{
    double scale = 0;
    for (size_t i = 0; i < n; i++) scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
    if (scale == 0) scale = 1;
    for (size_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= tol * scale))
            fail_msg("element %zu: got %.8g, want %.8g (scale %.3g)", i, got[i], want[i], scale);
}

/* ---- element-wise ---- */

static void test_exp(void **state)
{
    (void)state;
    enum { N = 20001 };
    float *x = malloc(N * sizeof *x);
    for (int i = 0; i < N; i++) x[i] = -87.0f + 175.0f * i / (N - 1);
    float *y = malloc(N * sizeof *y);
    memcpy(y, x, N * sizeof *y);
    nn_exp(y, N);
    for (int i = 0; i < N; i++) {
        double want = exp((double)x[i]);
        if (fabs(y[i] - want) > 5e-7 * want) fail_msg("exp(%.7g) = %.9g, want %.9g", x[i], y[i], want);
    }
    /* far outside the range: finite, no NaN; odd lengths go through the same code */
    float far[5] = {-1e4f, -100.0f, 100.0f, 1e4f, 0.0f};
    nn_exp(far, 5);
    for (int i = 0; i < 5; i++) assert_true(isfinite(far[i]) && far[i] >= 0);
    assert_true(far[0] < 1e-37f && far[3] > 1e38f && far[4] == 1.0f);
    free(x);
    free(y);
}

static void test_erf(void **state)
{
    (void)state;
    enum { N = 30001 };
    float *x = malloc(N * sizeof *x);
    for (int i = 0; i < N; i++) x[i] = -7.5f + 15.0f * i / (N - 1);
    float *y = malloc(N * sizeof *y);
    memcpy(y, x, N * sizeof *y);
    nn_erf(y, N);
    for (int i = 0; i < N; i++)
        if (fabs(y[i] - erf((double)x[i])) > 1e-6) fail_msg("erf(%.7g) = %.9g, want %.9g", x[i], y[i], erf(x[i]));
    free(x);
    free(y);
}

static void check_gelu(nn_gelu_kind kind, size_t rows, size_t cols)
{
    size_t ld = cols + 3;
    float *x = random_floats(rows * ld, 6.0f), *bias = random_floats(cols, 1.0f);
    float *orig = malloc(rows * ld * sizeof *orig);
    memcpy(orig, x, rows * ld * sizeof *x);
    nn_bias_gelu(x, rows, cols, ld, bias, kind);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < ld; c++) {
            double v = (double)orig[r * ld + c];
            if (c >= cols) { /* outside the block: untouched */
                assert_true(x[r * ld + c] == orig[r * ld + c]);
                continue;
            }
            v += bias[c];
            double want = kind == NN_GELU ? 0.5 * v * (1 + erf(v / sqrt(2.0))) : v / (1 + exp(-1.702 * v));
            if (fabs(x[r * ld + c] - want) > 2e-6 * fmax(1.0, fabs(v)))
                fail_msg("%s(%.7g) = %.9g, want %.9g", kind == NN_GELU ? "gelu" : "quick_gelu", v, x[r * ld + c], want);
        }
    free(x);
    free(bias);
    free(orig);
}

static void test_gelu(void **state)
{
    (void)state;
    check_gelu(NN_GELU, 7, 37);
    check_gelu(NN_QUICK_GELU, 7, 37);
    check_gelu(NN_GELU, 3, 64);
    check_gelu(NN_QUICK_GELU, 2, 5);
}

/* ---- layer norm ---- */

static void check_layernorm(size_t rows, size_t cols, float offset)
{
    size_t ld = cols + 5;
    float *x = random_floats(rows * ld, 3.0f), *g = random_floats(cols, 1.0f), *b = random_floats(cols, 1.0f);
    for (size_t i = 0; i < rows * ld; i++) x[i] += offset; /* a large mean must not cost precision */
    float *y = calloc(rows * cols, sizeof *y);
    double *want = calloc(rows * cols, sizeof *want);
    nn_layernorm_rows(x, ld, y, cols, cols, g, b, 1e-5f, 0, rows);
    for (size_t r = 0; r < rows; r++) {
        double mean = 0, var = 0;
        for (size_t c = 0; c < cols; c++) mean += x[r * ld + c];
        mean /= (double)cols;
        for (size_t c = 0; c < cols; c++) var += (x[r * ld + c] - mean) * (x[r * ld + c] - mean);
        var /= (double)cols;
        for (size_t c = 0; c < cols; c++)
            want[r * cols + c] = (x[r * ld + c] - mean) / sqrt(var + 1e-5) * g[c] + b[c];
    }
    assert_close(y, want, rows * cols, 1e-5);
    /* in place */
    nn_layernorm_rows(x, ld, x, ld, cols, g, b, 1e-5f, 0, rows);
    for (size_t r = 0; r < rows; r++) assert_close(x + r * ld, want + r * cols, cols, 1e-5);
    free(x), free(g), free(b), free(y), free(want);
}

static void test_layernorm(void **state)
{
    (void)state;
    check_layernorm(5, 768, 0.0f);
    check_layernorm(3, 37, 0.0f);
    check_layernorm(4, 64, 1000.0f);
}

/* ---- attention ---- */

/* causal: query i sees keys 0..i (the text tower's mask). */
static void check_attention(size_t t, size_t d, size_t heads, int causal)
{
    size_t ld = 3 * d * heads + 5; /* rows wider than q, k, v: strides are honoured */
    float *qkv = random_floats(t * ld, 2.0f), *out = calloc(t * d * heads, sizeof *out);
    float *scratch = malloc(nn_attention_scratch(t, d) * sizeof *scratch);
    float scale = 1.0f / sqrtf((float)d);
    double *want = calloc(t * d * heads, sizeof *want), *s = calloc(t, sizeof *s);
    for (size_t h = 0; h < heads; h++) {
        const float *q = qkv + h * d, *k = q + d * heads, *v = q + 2 * d * heads;
        nn_attention_head(q, k, v, ld, out + h * d, d * heads, t, d, scale, causal, scratch);
        for (size_t i = 0; i < t; i++) {
            double max = -1e300, sum = 0;
            size_t seen = causal ? i + 1 : t;
            for (size_t j = 0; j < seen; j++) {
                s[j] = 0;
                for (size_t c = 0; c < d; c++) s[j] += (double)q[i * ld + c] * k[j * ld + c];
                s[j] *= scale;
                max = s[j] > max ? s[j] : max;
            }
            for (size_t j = 0; j < seen; j++) sum += s[j] = exp(s[j] - max);
            for (size_t c = 0; c < d; c++) {
                double acc = 0;
                for (size_t j = 0; j < seen; j++) acc += s[j] / sum * v[j * ld + c];
                want[i * d * heads + h * d + c] = acc;
            }
        }
    }
    assert_close(out, want, t * d * heads, 1e-5);
    free(qkv), free(out), free(scratch), free(want), free(s);
}

static void test_attention(void **state)
{
    (void)state;
    check_attention(13, 8, 3, 0);    /* d not a multiple of 16: the scalar output path */
    check_attention(50, 64, 2, 0);   /* ViT-B/32's head */
    check_attention(197, 64, 1, 0);  /* ViT-B/16's */
    check_attention(17, 80, 1, 0);   /* 64 + 16 columns; 17 tokens: 32 padded */
    check_attention(1, 16, 1, 0);
    check_attention(77, 64, 2, 1);   /* a CLIP text tower's head, causal */
    check_attention(13, 8, 3, 1);    /* causal, scalar output path */
    check_attention(33, 80, 1, 1);   /* causal across the 16-wide padding steps */
}

/* ---- nn_gemm: A · Bᵀ, both paths (few rows: its own kernel; more: BLAS) ---- */

static void check_gemm(size_t m, size_t n, size_t k, float beta)
{
    size_t lda = k + 3, ldb = k + 5, ldc = n + 2; /* strides wider than the rows */
    float *a = random_floats(m * lda, 1.0f), *b = random_floats(n * ldb, 1.0f), *c = random_floats(m * ldc, 1.0f);
    double *want = calloc(m * n, sizeof *want);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double acc = 0;
            for (size_t q = 0; q < k; q++) acc += (double)a[i * lda + q] * b[j * ldb + q];
            want[i * n + j] = acc + (double)beta * c[i * ldc + j];
        }
    nn_gemm(0, 1, m, n, k, a, lda, b, ldb, beta, c, ldc);
    for (size_t i = 0; i < m; i++) assert_close(c + i * ldc, want + i * n, n, 1e-4 * sqrt((double)k));
    free(a), free(b), free(c), free(want);
}

static void test_gemm(void **state)
{
    (void)state;
    check_gemm(8, 96, 512, 0.0f);     /* a short prompt's rows: the few-rows kernel */
    check_gemm(5, 33, 37, 1.0f);      /* rows not a multiple of 4, k not of 16, adding to C */
    check_gemm(1, 17, 15, 0.5f);      /* one row, k under 16: only the scalar tail */
    check_gemm(16, 40, 64, 0.0f);     /* the last size the kernel takes */
    check_gemm(17, 40, 64, 1.0f);     /* BLAS from here */
}

static void test_softmax_extreme(void **state)
{
    (void)state;
    float x[2][5] = {{1e4f, -1e4f, 3e4f, 3e4f, 0}, {-5e4f, -5e4f, -5e4f, -5e4f, -5e4f}};
    nn_softmax_scaled(&x[0][0], 2, 5, 5, 1.0f);
    float want[2][5] = {{0, 0, 0.5f, 0.5f, 0}, {0.2f, 0.2f, 0.2f, 0.2f, 0.2f}};
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 5; c++) assert_true(fabsf(x[r][c] - want[r][c]) < 1e-6f);
}

/* ---- a tiny model: random weights, a naive forward pass in double ---- */

static vit_config tiny_config(int hidden, int heads, int inter, int layers, int image, int patch, int proj,
                              nn_gelu_kind act)
{
    vit_config c = {hidden, inter, layers, heads, image, patch, proj, act, 1e-5f, 0, 0, 0};
    char err[128];
    assert_int_equal(vit_config_finish(&c, "tiny", err, sizeof err), 0);
    return c;
}

static void random_model(vit_model *m, const vit_config *c)
{
    assert_int_equal(vit_model_alloc(m, c), 0);
    for (size_t i = 0; i < m->arena_floats; i++) m->arena[i] = frand() * 0.3f;
    /* layer-norm gains near 1 */
    float *g[] = {(float *)m->pre_ln.w, (float *)m->post_ln.w};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < c->hidden; i++) g[k][i] += 1.0f;
}

static void ln_ref(double *x, size_t n, const float *g, const float *b, double eps)
{
    double mean = 0, var = 0;
    for (size_t i = 0; i < n; i++) mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
    var /= (double)n;
    for (size_t i = 0; i < n; i++) x[i] = (x[i] - mean) / sqrt(var + eps) * g[i] + b[i];
}

/* y[o] = Σ_i W[o][i]·x[i] + b[o] */
static void lin_ref(const double *x, size_t in, const float *w, const float *b, size_t out, double *y)
{
    for (size_t o = 0; o < out; o++) {
        double s = b ? b[o] : 0;
        for (size_t i = 0; i < in; i++) s += w[o * in + i] * x[i];
        y[o] = s;
    }
}

/* One image [3, S, S] through the network, from the definition (no batching, no im2col). */
static void forward_ref(const vit_model *m, const float *px, double *out)
{
    const vit_config *c = &m->cfg;
    size_t D = (size_t)c->hidden, T = (size_t)c->tokens, I = (size_t)c->intermediate, P = (size_t)c->patch_size;
    size_t S = (size_t)c->image_size, G = (size_t)c->grid, H = (size_t)c->heads, hd = D / H;
    double *x = calloc(T * D, sizeof *x), *h = calloc(T * D, sizeof *h), *q = calloc(T * D, sizeof *q);
    double *k = calloc(T * D, sizeof *k), *v = calloc(T * D, sizeof *v), *a = calloc(T * D, sizeof *a);
    double *f = calloc(I, sizeof *f), *tmp = calloc(D > I ? D : I, sizeof *tmp), *s = calloc(T, sizeof *s);
    for (size_t d = 0; d < D; d++) x[d] = m->class_emb[d] + m->pos_emb[d];
    for (size_t gy = 0; gy < G; gy++)
        for (size_t gx = 0; gx < G; gx++) {
            size_t tok = 1 + gy * G + gx;
            for (size_t d = 0; d < D; d++) {
                double acc = 0;
                for (size_t ch = 0; ch < 3; ch++)
                    for (size_t ky = 0; ky < P; ky++)
                        for (size_t kx = 0; kx < P; kx++)
                            acc += (double)m->patch_w[((d * 3 + ch) * P + ky) * P + kx] *
                                   px[(ch * S + gy * P + ky) * S + gx * P + kx];
                x[tok * D + d] = acc + m->pos_emb[tok * D + d];
            }
        }
    for (size_t t = 0; t < T; t++) ln_ref(x + t * D, D, m->pre_ln.w, m->pre_ln.b, c->ln_eps);
    for (int l = 0; l < c->layers; l++) {
        const vit_layer *L = &m->layer[l];
        memcpy(h, x, T * D * sizeof *h);
        for (size_t t = 0; t < T; t++) {
            ln_ref(h + t * D, D, L->ln1.w, L->ln1.b, c->ln_eps);
            lin_ref(h + t * D, D, L->qkv_w, L->qkv_b, D, q + t * D);
            lin_ref(h + t * D, D, L->qkv_w + D * D, L->qkv_b + D, D, k + t * D);
            lin_ref(h + t * D, D, L->qkv_w + 2 * D * D, L->qkv_b + 2 * D, D, v + t * D);
        }
        for (size_t hh = 0; hh < H; hh++)
            for (size_t i = 0; i < T; i++) {
                double max = -1e300, sum = 0;
                for (size_t j = 0; j < T; j++) {
                    s[j] = 0;
                    for (size_t e = 0; e < hd; e++) s[j] += q[i * D + hh * hd + e] * k[j * D + hh * hd + e];
                    s[j] /= sqrt((double)hd);
                    max = s[j] > max ? s[j] : max;
                }
                for (size_t j = 0; j < T; j++) sum += s[j] = exp(s[j] - max);
                for (size_t e = 0; e < hd; e++) {
                    double acc = 0;
                    for (size_t j = 0; j < T; j++) acc += s[j] / sum * v[j * D + hh * hd + e];
                    a[i * D + hh * hd + e] = acc;
                }
            }
        for (size_t t = 0; t < T; t++) {
            lin_ref(a + t * D, D, L->out_w, L->out_b, D, tmp);
            for (size_t d = 0; d < D; d++) x[t * D + d] += tmp[d];
            memcpy(h + t * D, x + t * D, D * sizeof *h);
            ln_ref(h + t * D, D, L->ln2.w, L->ln2.b, c->ln_eps);
            lin_ref(h + t * D, D, L->fc1_w, L->fc1_b, I, f);
            for (size_t i = 0; i < I; i++)
                f[i] = c->act == NN_GELU ? 0.5 * f[i] * (1 + erf(f[i] / sqrt(2.0))) : f[i] / (1 + exp(-1.702 * f[i]));
            lin_ref(f, I, L->fc2_w, L->fc2_b, D, tmp);
            for (size_t d = 0; d < D; d++) x[t * D + d] += tmp[d];
        }
    }
    ln_ref(x, D, m->post_ln.w, m->post_ln.b, c->ln_eps);
    lin_ref(x, D, m->proj_w, NULL, (size_t)c->projection, out);
    free(x), free(h), free(q), free(k), free(v), free(a), free(f), free(tmp), free(s);
}

static void check_forward(vit_config c, int n)
{
    vit_model m;
    random_model(&m, &c);
    size_t px = 3 * (size_t)c.image_size * (size_t)c.image_size, e = (size_t)c.projection;
    vit_state s = {0};
    assert_int_equal(vit_state_reserve(&s, &c, n, 2), 0);
    for (size_t i = 0; i < (size_t)n * px; i++) s.pixels[i] = frand() * 2;
    float *images = malloc((size_t)n * px * sizeof *images);
    memcpy(images, s.pixels, (size_t)n * px * sizeof *images);
    double *want = calloc((size_t)n * e, sizeof *want);
    for (int i = 0; i < n; i++) forward_ref(&m, images + (size_t)i * px, want + (size_t)i * e);

    float *got = calloc((size_t)n * e, sizeof *got), *one = calloc(e, sizeof *one);
    vit_forward(&m, &s, n, NULL, got); /* the whole batch on this thread */
    assert_close(got, want, (size_t)n * e, 1e-4);
    nn_pool *pool = nn_pool_create(2); /* and split across two threads */
    memcpy(s.pixels, images, (size_t)n * px * sizeof *images);
    memset(got, 0, (size_t)n * e * sizeof *got);
    vit_forward(&m, &s, n, pool, got);
    assert_close(got, want, (size_t)n * e, 1e-4);
    /* each image alone gives its row of the batch */
    for (int i = 0; i < n; i++) {
        memcpy(s.pixels, images + (size_t)i * px, px * sizeof *images);
        vit_forward(&m, &s, 1, pool, one);
        assert_close(one, want + (size_t)i * e, e, 1e-4);
    }
    nn_pool_destroy(pool);
    vit_state_free(&s);
    vit_model_free(&m);
    free(images), free(want), free(got), free(one);
}

static void test_forward(void **state)
{
    (void)state;
    nn_gemm_init();
    check_forward(tiny_config(32, 4, 64, 2, 64, 16, 12, NN_QUICK_GELU), 3);
    check_forward(tiny_config(24, 3, 40, 1, 32, 8, 7, NN_GELU), 2); /* widths not multiples of 16 */
    check_forward(tiny_config(16, 1, 16, 1, 16, 16, 4, NN_GELU), 1); /* one patch, one head */
}

/* ---- config.json ---- */

static int parse(const char *json, vit_config *c, char *err, size_t errlen)
{
    return vit_config_parse(json, strlen(json), "config.json", c, err, errlen);
}

static void test_config(void **state)
{
    (void)state;
    vit_config c;
    char err[256];
    /* CLIPModel layout: vision_config inside, projection_dim at the top; defaults fill the rest */
    assert_int_equal(parse("{\"projection_dim\": 768, \"text_config\": {\"hidden_size\": 512},"
                           " \"vision_config\": {\"hidden_act\": \"gelu\", \"patch_size\": 16}}", &c, err, sizeof err), 0);
    assert_int_equal(c.hidden, 768);
    assert_int_equal(c.projection, 768);
    assert_int_equal(c.patch_size, 16);
    assert_int_equal(c.act, NN_GELU);
    assert_int_equal(c.tokens, 197);
    assert_int_equal(c.patch_dim, 768);
    assert_true(c.ln_eps == 1e-5f);
    /* vision-only layout: everything at the top */
    assert_int_equal(parse("{\"hidden_size\": 64, \"num_attention_heads\": 4, \"intermediate_size\": 100,"
                           " \"num_hidden_layers\": 3, \"image_size\": 64, \"patch_size\": 32, \"projection_dim\": 8,"
                           " \"layer_norm_eps\": 1e-6, \"hidden_act\": \"quick_gelu\"}", &c, err, sizeof err), 0);
    assert_int_equal(c.hidden, 64);
    assert_int_equal(c.grid, 2);
    assert_int_equal(c.tokens, 5);
    assert_true(c.ln_eps == 1e-6f);
    assert_int_equal(c.act, NN_QUICK_GELU);
    /* refusals, each naming the problem */
    static const struct {
        const char *json, *want;
    } bad[] = {
        {"{\"hidden_act\": \"relu\"}", "hidden_act 'relu'"},
        {"{\"hidden_act\": 3}", "hidden_act"},
        {"{\"hidden_size\": 100, \"num_attention_heads\": 12}", "not a multiple of num_attention_heads"},
        {"{\"image_size\": 100, \"patch_size\": 32}", "not a multiple of patch_size"},
        {"{\"image_size\": 4096, \"patch_size\": 1}", "patches"},
        {"{\"hidden_size\": -5}", "hidden_size"},
        {"{\"hidden_size\": \"768\"}", "hidden_size"},
        {"{\"num_hidden_layers\": 100000}", "num_hidden_layers"},
        {"{\"layer_norm_eps\": -1}", "layer_norm_eps"},
        {"{\"layer_norm_eps\": \"x\"}", "layer_norm_eps"},
        {"[1]", "not a JSON object"},
        {"{", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        if (parse(bad[i].json, &c, err, sizeof err) == 0) fail_msg("accepted %s", bad[i].json);
        if (!strstr(err, "config.json") || !strstr(err, bad[i].want))
            fail_msg("%s: error '%s' lacks '%s'", bad[i].json, err, bad[i].want);
    }
}

/* ---- loading a folder ---- */

/* Writes m's weights as dir/model.safetensors (F32, or F16 when half) + a matching config.json;
   skip names one tensor to leave out, reshape one to give a wrong shape. */
static void write_model(const char *dir, const vit_model *m, int half, const char *skip, const char *reshape)
{
    const vit_config *c = &m->cfg;
    char path[512];
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"vision_config\": {\"hidden_size\": %d, \"intermediate_size\": %d, \"num_hidden_layers\": %d,"
               " \"num_attention_heads\": %d, \"image_size\": %d, \"patch_size\": %d, \"hidden_act\": \"%s\"},"
               " \"projection_dim\": %d}",
            c->hidden, c->intermediate, c->layers, c->heads, c->image_size, c->patch_size,
            c->act == NN_GELU ? "gelu" : "quick_gelu", c->projection);
    fclose(f);
    /* name, data, shape */
    enum { MAXT = 64 };
    st_tensor ts[MAXT];
    const float *src[MAXT];
    size_t n = 0;
    uint64_t D = (uint64_t)c->hidden, I = (uint64_t)c->intermediate, P = (uint64_t)c->patch_size;
    char names[MAXT][96];
#define ADD(nm, ptr, r, a, b, cc, d)                                                                   \
    do {                                                                                               \
        snprintf(names[n], sizeof names[n], "%s", nm);                                                 \
        if (skip && strcmp(skip, names[n]) == 0) break;                                                \
        ts[n] = (st_tensor){.name = names[n], .dtype = half ? ST_F16 : ST_F32, .rank = r, .shape = {a, b, cc, d}}; \
        ts[n].elems = 1;                                                                               \
        for (int q_ = 0; q_ < r; q_++) ts[n].elems *= ts[n].shape[q_];                                 \
        if (reshape && strcmp(reshape, names[n]) == 0 && r == 2) {                                     \
            uint64_t t_ = ts[n].shape[0];                                                              \
            ts[n].shape[0] = ts[n].shape[1], ts[n].shape[1] = t_;                                      \
        }                                                                                              \
        src[n++] = ptr;                                                                                \
    } while (0)
    ADD("vision_model.embeddings.patch_embedding.weight", m->patch_w, 4, D, 3, P, P);
    ADD("vision_model.embeddings.class_embedding", m->class_emb, 1, D, 0, 0, 0);
    ADD("vision_model.embeddings.position_embedding.weight", m->pos_emb, 2, (uint64_t)c->tokens, D, 0, 0);
    ADD("vision_model.pre_layrnorm.weight", m->pre_ln.w, 1, D, 0, 0, 0);
    ADD("vision_model.pre_layrnorm.bias", m->pre_ln.b, 1, D, 0, 0, 0);
    char nm[96];
    for (int l = 0; l < c->layers; l++) {
        const vit_layer *L = &m->layer[l];
        static const char *const qkv[3] = {"q", "k", "v"};
        for (int k = 0; k < 3; k++) {
            snprintf(nm, sizeof nm, "vision_model.encoder.layers.%d.self_attn.%s_proj.weight", l, qkv[k]);
            ADD(nm, L->qkv_w + k * D * D, 2, D, D, 0, 0);
            snprintf(nm, sizeof nm, "vision_model.encoder.layers.%d.self_attn.%s_proj.bias", l, qkv[k]);
            ADD(nm, L->qkv_b + k * D, 1, D, 0, 0, 0);
        }
#define LAY(sfx, ptr, r, a, b)                                                                         \
    snprintf(nm, sizeof nm, "vision_model.encoder.layers.%d.%s", l, sfx);                              \
    ADD(nm, ptr, r, a, b, 0, 0)
        LAY("self_attn.out_proj.weight", L->out_w, 2, D, D);
        LAY("self_attn.out_proj.bias", L->out_b, 1, D, 0);
        LAY("layer_norm1.weight", L->ln1.w, 1, D, 0);
        LAY("layer_norm1.bias", L->ln1.b, 1, D, 0);
        LAY("mlp.fc1.weight", L->fc1_w, 2, I, D);
        LAY("mlp.fc1.bias", L->fc1_b, 1, I, 0);
        LAY("mlp.fc2.weight", L->fc2_w, 2, D, I);
        LAY("mlp.fc2.bias", L->fc2_b, 1, D, 0);
        LAY("layer_norm2.weight", L->ln2.w, 1, D, 0);
        LAY("layer_norm2.bias", L->ln2.b, 1, D, 0);
#undef LAY
    }
    ADD("vision_model.post_layernorm.weight", m->post_ln.w, 1, D, 0, 0, 0);
    ADD("vision_model.post_layernorm.bias", m->post_ln.b, 1, D, 0, 0, 0);
    ADD("visual_projection.weight", m->proj_w, 2, (uint64_t)c->projection, D, 0, 0);
    ADD("text_model.embeddings.position_ids", m->proj_w, 1, 2, 0, 0, 0); /* unneeded: never read */
    ts[n - 1].dtype = ST_I64;
#undef ADD
    size_t hlen;
    uint8_t *hdr = st_build_header(ts, n, NULL, &hlen);
    assert_non_null(hdr);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(hdr, 1, hlen, f);
    for (size_t i = 0; i < n; i++) {
        if (ts[i].dtype == ST_I64) {
            int64_t z[2] = {0, 1};
            fwrite(z, 8, 2, f);
        } else if (half) {
            for (uint64_t k = 0; k < ts[i].elems; k++) {
                uint16_t h = fp16_from_float(src[i][k]);
                fwrite(&h, 2, 1, f);
            }
        } else {
            fwrite(src[i], 4, ts[i].elems, f);
        }
    }
    fclose(f);
    free(hdr);
}

static void test_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/cull-vit-XXXXXX", err[512], path[600];
    assert_non_null(mkdtemp(dir));
    vit_config c = tiny_config(16, 2, 24, 2, 32, 16, 6, NN_GELU);
    vit_model m, got;
    random_model(&m, &c);
    for (int half = 0; half < 2; half++) {
        write_model(dir, &m, half, NULL, NULL);
        assert_int_equal(vit_model_load(&got, dir, err, sizeof err), 0);
        assert_int_equal(got.cfg.tokens, c.tokens);
        assert_int_equal(got.cfg.act, NN_GELU);
        assert_int_equal(got.arena_floats, m.arena_floats);
        /* every weight where it belongs: the arenas share one layout, padding aside */
        const struct {
            const float *a, *b;
            size_t n;
        } same[] = {
            {got.patch_w, m.patch_w, (size_t)c.hidden * c.patch_dim},
            {got.pos_emb, m.pos_emb, (size_t)c.tokens * c.hidden},
            {got.layer[1].qkv_w, m.layer[1].qkv_w, 3 * (size_t)c.hidden * c.hidden},
            {got.layer[1].qkv_b, m.layer[1].qkv_b, 3 * (size_t)c.hidden},
            {got.layer[0].fc1_w, m.layer[0].fc1_w, (size_t)c.intermediate * c.hidden},
            {got.layer[0].fc2_b, m.layer[0].fc2_b, (size_t)c.hidden},
            {got.post_ln.b, m.post_ln.b, (size_t)c.hidden},
            {got.proj_w, m.proj_w, (size_t)c.projection * c.hidden},
        };
        for (size_t k = 0; k < sizeof same / sizeof *same; k++)
            for (size_t i = 0; i < same[k].n; i++) {
                float want = half ? fp16_to_float(fp16_from_float(same[k].b[i])) : same[k].b[i];
                if (same[k].a[i] != want) fail_msg("tensor %zu value %zu: %g, want %g", k, i, same[k].a[i], want);
            }
        vit_model_free(&got);
    }
    /* a missing tensor, a transposed one: refused with the tensor's name */
    write_model(dir, &m, 0, "vision_model.encoder.layers.1.mlp.fc1.bias", NULL);
    assert_int_equal(vit_model_load(&got, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "no tensor 'vision_model.encoder.layers.1.mlp.fc1.bias'"));
    write_model(dir, &m, 0, NULL, "vision_model.encoder.layers.0.mlp.fc2.weight");
    assert_int_equal(vit_model_load(&got, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "has shape [24, 16]; config.json implies [16, 24]"));
    /* a truncated file */
    write_model(dir, &m, 0, NULL, NULL);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    assert_int_equal(truncate(path, 1000), 0);
    assert_int_equal(vit_model_load(&got, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "model.safetensors"));
    /* no config */
    unlink(path);
    snprintf(path, sizeof path, "%s/config.json", dir);
    unlink(path);
    assert_int_equal(vit_model_load(&got, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "config.json"));
    rmdir(dir);
    vit_model_free(&m);
}

typedef struct {
    encoder *enc;
    const rgb_image *imgs;
    const float *want;  /* 5 floats per image */
    int first, bad;
} thread_job;

static void *encode_some(void *arg)
{
    thread_job *j = arg;
    char err[256];
    float v[5];
    for (int i = j->first; i < 200; i += 4) {
        if (j->enc->encode(j->enc, &j->imgs[i], v, err, sizeof err)) j->bad++;
        for (int k = 0; k < 5; k++)
            if (fabsf(v[k] - j->want[i * 5 + k]) > 1e-5f * fmaxf(1.0f, fabsf(v[k]))) j->bad++;
    }
    return NULL;
}

/* The encoder on a folder: encode_batch over several chunks gives what encode gives per image,
   and the id is "vit-" + the start of the file's SHA-256. */
static void test_encoder_batch(void **state)
{
    (void)state;
    char dir[] = "/tmp/cull-vit-XXXXXX", err[512], path[600];
    assert_non_null(mkdtemp(dir));
    vit_config c = tiny_config(16, 2, 24, 1, 16, 8, 5, NN_QUICK_GELU); /* 5 tokens: 320 images a chunk */
    vit_model m;
    random_model(&m, &c);
    write_model(dir, &m, 0, NULL, NULL);
    vit_model_free(&m);
    encoder *enc = encoder_open(dir, err, sizeof err);
    assert_non_null(enc);
    assert_int_equal(enc->dim, 5);
    assert_memory_equal(enc->id, "vit-", 4);
    assert_int_equal(strlen(enc->id), 16);
    enum { N = 700 };
    rgb_image *imgs = calloc(N, sizeof *imgs);
    for (int i = 0; i < N; i++) {
        imgs[i].width = 10 + i % 23;
        imgs[i].height = 9 + i % 17;
        imgs[i].rgb = malloc((size_t)imgs[i].width * imgs[i].height * 3);
        for (int k = 0; k < imgs[i].width * imgs[i].height * 3; k++) imgs[i].rgb[k] = (uint8_t)(k * 7 + i * 13);
    }
    float *batch = calloc((size_t)N * 5, sizeof *batch), one[5];
    assert_int_equal(enc->encode_batch(enc, imgs, N, batch, err, sizeof err), 0);
    for (int i = 0; i < N; i += 7) {
        assert_int_equal(enc->encode(enc, &imgs[i], one, err, sizeof err), 0);
        for (int k = 0; k < 5; k++)
            if (fabsf(one[k] - batch[i * 5 + k]) > 1e-5f * fmaxf(1.0f, fabsf(one[k])))
                fail_msg("image %d value %d: batch %.8g, alone %.8g", i, k, batch[i * 5 + k], one[k]);
    }
    /* a batch of three (fewer than two per thread): each step split across the threads instead */
    float small[3 * 5];
    assert_int_equal(enc->encode_batch(enc, imgs + 100, 3, small, err, sizeof err), 0);
    for (int i = 0; i < 15; i++)
        if (fabsf(small[i] - batch[100 * 5 + i]) > 1e-5f * fmaxf(1.0f, fabsf(small[i])))
            fail_msg("small batch value %d: %.8g, in the big batch %.8g", i, small[i], batch[100 * 5 + i]);
    /* encode() from four threads at once: each call gets its own working state */
    thread_job jobs[4];
    pthread_t th[4];
    for (int t = 0; t < 4; t++) {
        jobs[t] = (thread_job){enc, imgs, batch, t, 0};
        assert_int_equal(pthread_create(&th[t], NULL, encode_some, &jobs[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(jobs[t].bad, 0);
    }
    /* an empty image in a batch: an error naming it, not a crash */
    free(imgs[3].rgb);
    imgs[3].rgb = NULL;
    assert_int_equal(enc->encode_batch(enc, imgs, 10, batch, err, sizeof err), -1);
    assert_non_null(strstr(err, "image 3"));
    assert_int_equal(enc->encode_batch(enc, imgs + 2, 2, batch, err, sizeof err), -1);
    assert_non_null(strstr(err, "image 1"));
    for (int i = 0; i < N; i++) free(imgs[i].rgb);
    free(imgs);
    free(batch);
    encoder_close(enc);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/model.safetensors.sha256", dir);
    assert_int_equal(access(path, F_OK), 0); /* the checksum was cached */
    unlink(path);
    snprintf(path, sizeof path, "%s/config.json", dir);
    unlink(path);
    rmdir(dir);
}

/* ---- preprocessing ---- */

static const float MEAN[3] = {0.48145466f, 0.4578275f, 0.40821073f};
static const float STD[3] = {0.26862954f, 0.26130258f, 0.27577711f};

static rgb_image make_image(int w, int h)
{
    rgb_image img = {w, h, malloc((size_t)w * h * 3)};
    for (size_t i = 0; i < (size_t)w * h * 3; i++) img.rgb[i] = (uint8_t)(rng = rng * 1664525u + 1013904223u) >> 24;
    return img;
}

static void test_preprocess(void **state)
{
    (void)state;
    int S = 224;
    float *out = malloc(3 * (size_t)S * S * sizeof *out);
    char err[256];
    /* 224 × 224: no resampling at all, just the normalisation */
    rgb_image a = make_image(224, 224);
    assert_int_equal(vit_preprocess(&a, S, out, err, sizeof err), 0);
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < S * S; i++)
            assert_true(out[c * S * S + i] == ((float)a.rgb[i * 3 + c] / 255.0f - MEAN[c]) / STD[c]);
    /* 224 wide, 300 tall: no resampling either; the crop starts at row (300 − 224) / 2 = 38 */
    rgb_image b = make_image(224, 300);
    assert_int_equal(vit_preprocess(&b, S, out, err, sizeof err), 0);
    for (int y = 0; y < S; y += 37)
        for (int x = 0; x < S; x += 5)
            assert_true(out[y * S + x] == ((float)b.rgb[((y + 38) * 224 + x) * 3] / 255.0f - MEAN[0]) / STD[0]);
    /* 301 wide, 224 tall: crop column (301 − 224) // 2 = 38 */
    rgb_image b2 = make_image(301, 224);
    assert_int_equal(vit_preprocess(&b2, S, out, err, sizeof err), 0);
    assert_true(out[2 * S * S + 5 * S + 7] == ((float)b2.rgb[(5 * 301 + 7 + 38) * 3 + 2] / 255.0f - MEAN[2]) / STD[2]);
    /* a flat colour stays exactly that colour through any resize (weights sum to one) */
    int sizes[][2] = {{300, 240}, {17, 30}, {256, 1000}, {1, 1}, {2, 500}};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        rgb_image f = {sizes[k][0], sizes[k][1], malloc((size_t)sizes[k][0] * sizes[k][1] * 3)};
        for (size_t i = 0; i < (size_t)f.width * f.height; i++) f.rgb[3 * i] = 200, f.rgb[3 * i + 1] = 7, f.rgb[3 * i + 2] = 255;
        assert_int_equal(vit_preprocess(&f, S, out, err, sizeof err), 0);
        const uint8_t col[3] = {200, 7, 255};
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < S * S; i += 97)
                assert_true(out[c * S * S + i] == ((float)col[c] / 255.0f - MEAN[c]) / STD[c]);
        rgb_image_free(&f);
    }
    /* absurd elongation and empty images: refused with a reason */
    rgb_image thin = {1, 20000000, NULL};
    assert_int_equal(vit_preprocess(&thin, S, out, err, sizeof err), -1);
    thin.rgb = malloc(3);
    thin.height = 1, thin.width = 1;
    thin.width = 0;
    assert_int_equal(vit_preprocess(&thin, S, out, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
    free(thin.rgb);
    rgb_image_free(&a);
    rgb_image_free(&b);
    rgb_image_free(&b2);
    free(out);
}

int main(void)
{
    /* These tests hold the encoder to float32 exactness (batch = alone to 1e-5); the bf16 path
       (the default where AMX exists) is checked by test_gemm_bf16 and tests/e2e/vit.sh. */
    setenv("CULL_PRECISION", "f32", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp),
        cmocka_unit_test(test_erf),
        cmocka_unit_test(test_gelu),
        cmocka_unit_test(test_layernorm),
        cmocka_unit_test(test_attention),
        cmocka_unit_test(test_softmax_extreme),
        cmocka_unit_test(test_gemm),
        cmocka_unit_test(test_forward),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_encoder_batch),
        cmocka_unit_test(test_preprocess),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
