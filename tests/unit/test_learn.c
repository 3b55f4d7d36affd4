/*
 * test_learn.c — features, logistic regression, metrics and cross-validation against answers
 * worked out independently: by hand, by a Newton iteration written here, or by recomputing the
 * gradient from the returned model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/cv.h"
#include "learn/features.h"
#include "learn/logreg.h"
#include "learn/metrics.h"
#include "unit/rng.h"

/* ---- helpers ---- */

/* cmocka's assert_float_equal compares in float; these answers need double. */
#define assert_near(a, b, tol)                                                              \
    do {                                                                                    \
        double got_ = (a), want_ = (b);                                                     \
        if (!(fabs(got_ - want_) <= (tol)))                                                 \
            fail_msg("%s = %.17g, expected %.17g +- %g", #a, got_, want_, (double)(tol));   \
    } while (0)

static double sigmoid(double t)
{
    return t >= 0 ? 1 / (1 + exp(-t)) : exp(t) / (1 + exp(t));
}

/* 64-bit FNV-1a, written out again so the bucket layout is checked, not assumed. */
static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* ---- tokenizer ---- */

#define MAX_TOKENS 32

typedef struct {
    int n;
    char tok[MAX_TOKENS][FEATURE_TOKEN_MAX + 1];
} token_list;

static void collect(const char *tok, int len, void *ctx)
{
    token_list *t = ctx;
    assert_true(t->n < MAX_TOKENS);
    assert_in_range(len, 1, FEATURE_TOKEN_MAX);
    assert_int_equal(strlen(tok), len);           /* tokens arrive NUL-terminated */
    memcpy(t->tok[t->n], tok, (size_t)len);
    t->tok[t->n][len] = '\0';
    t->n++;
}

static void assert_tokens(const char *name, const char *const *expect, int n)
{
    token_list t = {0};
    features_tokens(name, collect, &t);
    assert_int_equal(t.n, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(t.tok[i], expect[i]);
}

static void test_tokens_camera_name(void **state)
{
    const char *const expect[] = {"img", "#8", "#6", ".jpg"};
    assert_tokens("IMG_20230101_123456.JPG", expect, 4);
}

static void test_tokens_screenshot(void **state)
{
    const char *const expect[] = {"screenshot", "#4", "#2", "#2", "at", "#2", "#2", "#2", ".png"};
    assert_tokens("Screenshot 2024-01-02 at 10.11.12.png", expect, 9);
}

static void test_tokens_high_bytes(void **state)
{
    const char *const cafe[] = {"caf\xc3\xa9", "#2", ".jpg"};
    assert_tokens("Caf\xc3\xa9_01.jpg", cafe, 3);
    const char *const mixed[] = {"ab\xe4\xb8\xad", "#3", "\xff\xfe", ".heic"};
    assert_tokens("AB\xe4\xb8\xad" "123 \xff\xfe.HEIC", mixed, 4);
    const char *const only[] = {"\x80\x81\x82"};
    assert_tokens("\x80\x81\x82", only, 1);
}

static void test_tokens_edges(void **state)
{
    assert_tokens("", NULL, 0);
    assert_tokens("___ - ...", NULL, 0);
    const char *const hidden[] = {"hidden"};
    assert_tokens(".hidden", hidden, 1);
    const char *const trailing_dot[] = {"foo"};
    assert_tokens("foo.", trailing_dot, 1);
    const char *const split[] = {"a", "#1", "b", "#12"};
    assert_tokens("a1B234567890123", split, 4);
    const char *const not_ext[] = {"report", "final", "version"};
    assert_tokens("report.final version", not_ext, 3);

    char long_name[300];
    memset(long_name, 'x', 200);
    strcpy(long_name + 200, ".jpg");
    token_list t = {0};
    features_tokens(long_name, collect, &t);
    assert_int_equal(t.n, 2);
    assert_int_equal(strlen(t.tok[0]), FEATURE_TOKEN_MAX);
    assert_string_equal(t.tok[1], ".jpg");
}

/* ---- features ---- */

enum { E = 8 };

static image_meta sample_meta(void)
{
    image_meta m = {.width = 4000, .height = 3000, .bytes = 2500000};
    strcpy(m.format, "png");
    strcpy(m.make, "Canon");
    strcpy(m.model, "EOS 5D");
    strcpy(m.datetime, "2023:01:01 12:34:56");
    return m;
}

static void test_features_dims(void **state)
{
    assert_int_equal(FEATURE_META_DIM, 29);
    assert_int_equal(features_dim(512, 0), 512 + 29 + 256);
    assert_int_equal(features_token_start(512, 0), 512 + 29);
    assert_int_equal(features_dim(0, 0), 29 + 256);
}

static void test_features_embedding(void **state)
{
    float emb[E] = {3, 4, 0, 0, 0, 0, 0, 0}, out[E + FEATURE_META_DIM + FEATURE_TOKEN_BUCKETS];
    image_meta m = sample_meta();
    features_build(emb, E, NULL, 0, &m, "a.png", out);
    assert_near(out[0], 0.6, 1e-6);
    assert_near(out[1], 0.8, 1e-6);
    double ss = 0;
    for (int i = 0; i < E; i++)
        ss += out[i] * out[i];
    assert_near(ss, 1.0, 1e-6);

    float zero[E] = {0};
    features_build(zero, E, NULL, 0, &m, "a.png", out);
    for (int i = 0; i < E; i++)
        assert_true(out[i] == 0.0f);
}

static void test_features_meta(void **state)
{
    float emb[E] = {1}, out[E + FEATURE_META_DIM + FEATURE_TOKEN_BUCKETS];
    image_meta m = sample_meta();
    features_build(emb, E, NULL, 0, &m, "a.png", out);
    const float *meta = out + E;
    assert_near(meta[0], log1p(2500000.0), 1e-5);
    assert_near(meta[1], log1p(12e6), 1e-5);
    assert_near(meta[2], log(4.0 / 3.0), 1e-6);
    for (int f = 0; f < FEATURE_FORMATS; f++)
        assert_true(meta[3 + f] == (f == 1 ? 1.0f : 0.0f));        /* png is the second */
    assert_true(meta[11] == 1.0f);                                   /* has camera */
    assert_true(meta[12] == 1.0f);                                   /* has datetime */
    int camera = (int)(fnv1a64("Canon EOS 5D") % FEATURE_CAMERA_BUCKETS);
    for (int c = 0; c < FEATURE_CAMERA_BUCKETS; c++)
        assert_true(meta[13 + c] == (c == camera ? 1.0f : 0.0f));

    image_meta bare = {0};
    strcpy(bare.format, "bmp");
    features_build(emb, E, NULL, 0, &bare, "a.bmp", out);
    for (int i = 0; i < FEATURE_META_DIM; i++)
        assert_true(meta[i] == (i == 3 + FEATURE_FORMATS - 1 ? 1.0f : 0.0f));   /* only "other" */

    image_meta model_only = {.width = 10, .height = 0};
    strcpy(model_only.format, "JPEG");
    strcpy(model_only.model, "Pixel 7");
    features_build(emb, E, NULL, 0, &model_only, "a.jpg", out);
    assert_true(meta[1] == 0.0f && meta[2] == 0.0f);                 /* zero height guarded */
    assert_true(meta[3] == 1.0f);                                    /* jpeg, any case */
    assert_true(meta[11] == 1.0f && meta[12] == 0.0f);
    assert_true(meta[13 + fnv1a64(" Pixel 7") % FEATURE_CAMERA_BUCKETS] == 1.0f);
}

static void test_features_token_buckets(void **state)
{
    float emb[E] = {1}, out[E + FEATURE_META_DIM + FEATURE_TOKEN_BUCKETS];
    image_meta m = sample_meta();
    features_build(emb, E, NULL, 0, &m, "IMG_2023_0101_x.JPG", out);
    float expect[FEATURE_TOKEN_BUCKETS] = {0};
    const char *const toks[] = {"img", "#4", "#4", "x", ".jpg"};   /* "#4" twice → count 2 */
    for (int i = 0; i < 5; i++)
        expect[fnv1a64(toks[i]) % FEATURE_TOKEN_BUCKETS] += 1;
    const float *tokens = out + features_token_start(E, 0);
    float total = 0;
    for (int b = 0; b < FEATURE_TOKEN_BUCKETS; b++) {
        assert_true(tokens[b] == expect[b]);
        total += tokens[b];
    }
    assert_true(total == 5.0f);
    assert_true(tokens[fnv1a64("#4") % FEATURE_TOKEN_BUCKETS] >= 2.0f);
}

static void test_features_prompt_columns(void **state)
{
    enum { P = 3 };
    float emb[E] = {1, -2, 0.5f, 3, 0, 0.25f, -1, 2};
    float u[P * E], with[E + FEATURE_META_DIM + P + FEATURE_TOKEN_BUCKETS], without[E + FEATURE_META_DIM + FEATURE_TOKEN_BUCKETS];
    for (int k = 0; k < P; k++) {   /* unit vectors, as the text tower gives them */
        double ss = 0;
        for (int i = 0; i < E; i++) u[k * E + i] = (float)sin(1.0 + 3.0 * k + 0.7 * i), ss += u[k * E + i] * u[k * E + i];
        for (int i = 0; i < E; i++) u[k * E + i] = (float)(u[k * E + i] / sqrt(ss));
    }
    assert_int_equal(features_dim(E, P), E + FEATURE_META_DIM + P + FEATURE_TOKEN_BUCKETS);
    assert_int_equal(features_prompt_start(E), E + FEATURE_META_DIM);
    assert_int_equal(features_token_start(E, P), E + FEATURE_META_DIM + P);
    image_meta m = sample_meta();
    features_build(emb, E, u, P, &m, "IMG_2023_0101_x.JPG", with);
    features_build(emb, E, NULL, 0, &m, "IMG_2023_0101_x.JPG", without);
    double norm = 0;
    for (int i = 0; i < E; i++) norm += (double)emb[i] * emb[i];
    for (int k = 0; k < P; k++) {   /* the cosine of the image with the prompt, against doubles */
        double c = 0;
        for (int i = 0; i < E; i++) c += emb[i] * (double)u[k * E + i];
        assert_near(with[E + FEATURE_META_DIM + k], c / sqrt(norm), 1e-6);
    }
    /* Everything else is where it was, the tokens moved up by P. */
    assert_memory_equal(with, without, sizeof(float) * (E + FEATURE_META_DIM));
    assert_memory_equal(with + E + FEATURE_META_DIM + P, without + E + FEATURE_META_DIM,
                        sizeof(float) * FEATURE_TOKEN_BUCKETS);
}

/* ---- logistic regression ---- */

/* Reference optimum of the 2-parameter problem (weight on x, intercept) by Newton's method on
   the same objective as logreg.h: (1/W) Σ w_i softplus(−s_i(x_i β + b)) + λ/2 β². */
static void newton_reference(const double *x, const int8_t *y, int n, double lambda, int balanced,
                             double *beta, double *b)
{
    int n_pos = 0;
    for (int i = 0; i < n; i++)
        n_pos += y[i];
    double w_pos = balanced ? n / (2.0 * n_pos) : 1, w_neg = balanced ? n / (2.0 * (n - n_pos)) : 1;
    double W = n_pos * w_pos + (n - n_pos) * w_neg;
    *beta = 0, *b = 0;
    for (int it = 0; it < 100; it++) {
        double g0 = lambda * *beta, g1 = 0, h00 = lambda, h01 = 0, h11 = 0;
        for (int i = 0; i < n; i++) {
            double c = (y[i] ? w_pos : w_neg) / W, p = sigmoid(x[i] * *beta + *b), r = c * (p - y[i]);
            double h = c * p * (1 - p);
            g0 += r * x[i], g1 += r;
            h00 += h * x[i] * x[i], h01 += h * x[i], h11 += h;
        }
        double det = h00 * h11 - h01 * h01;
        *beta -= (h11 * g0 - h01 * g1) / det;
        *b -= (h00 * g1 - h01 * g0) / det;
    }
}

static void make_1d(rng *r, int n, double *x, float *xf, int8_t *y)
{
    for (int i = 0; i < n; i++) {
        x[i] = 3 + 2 * rng_normal(r);
        y[i] = rng_uniform(r) < sigmoid(1.5 * (x[i] - 3.5));
        xf[i] = (float)x[i];
        x[i] = xf[i];                    /* the reference sees exactly the floats the solver does */
    }
}

static void test_logreg_1d_raw(void **state)
{
    enum { N = 60 };
    rng r = {1};
    double x[N], beta, b;
    float xf[N];
    int8_t y[N];
    make_1d(&r, N, x, xf, y);
    for (int balanced = 0; balanced <= 1; balanced++) {
        logreg_model m;
        logreg_report rep;
        assert_int_equal(logreg_fit(xf, y, N, 1, 0, 0.0, balanced, &m, &rep), 0);
        newton_reference(x, y, N, 0.0, balanced, &beta, &b);
        assert_true(rep.converged);
        assert_true(beta > 0.5);                          /* a real slope, not a trivial answer */
        assert_near(m.w[0], beta, 1e-5);
        assert_near(m.b, b, 1e-5);
        assert_true(m.mean[0] == 0.0f && m.scale[0] == 1.0f);
        logreg_free(&m);
    }
}

static void test_logreg_1d_standardised(void **state)
{
    enum { N = 80 };
    rng r = {2};
    double x[N], xs[N], beta, b, mean = 0, var = 0;
    float xf[N];
    int8_t y[N];
    make_1d(&r, N, x, xf, y);
    for (int i = 0; i < N; i++)
        mean += x[i] / N;
    for (int i = 0; i < N; i++)
        var += (x[i] - mean) * (x[i] - mean) / N;
    for (int i = 0; i < N; i++)
        xs[i] = (x[i] - mean) / sqrt(var);

    logreg_model m;
    assert_int_equal(logreg_fit(xf, y, N, 1, 1, 0.1, 1, &m, NULL), 0);
    newton_reference(xs, y, N, 0.1, 1, &beta, &b);
    assert_near(m.mean[0], mean, 1e-5);
    assert_near(m.scale[0], sqrt(var), 1e-5);
    assert_near(m.w[0], beta, 1e-5);
    assert_near(m.b, b, 1e-5);
    assert_near(logreg_predict(&m, &xf[0]), sigmoid(beta * xs[0] + b), 1e-6);
    logreg_free(&m);
}

/* Several columns, some standardised, some raw counts, one constant; the test recomputes the
   full gradient from the returned model and requires it to vanish. */
static void test_logreg_gradient_at_solution(void **state)
{
    enum { N = 400, D = 7, STD_END = 5 };
    rng r = {3};
    float X[N * D];
    int8_t y[N];
    const double w_true[D] = {1.0, -0.5, 0.3, 0.0, 0.0, 0.4, -0.6};
    for (int i = 0; i < N; i++) {
        double z = -1.0;
        for (int j = 0; j < D; j++) {
            double v = j < 3 ? 10.0 * j + (1 + j) * rng_normal(&r)
                     : j == 3 ? 7.0                              /* constant: scale must be 1 */
                     : j == 4 ? rng_normal(&r)
                     : (double)(rng_next(&r) % 4);                 /* token-like counts */
            X[i * D + j] = (float)v;
            z += w_true[j] * (j < 3 ? (v - 10.0 * j) / (1 + j) : v);
        }
        y[i] = rng_uniform(&r) < sigmoid(z);
    }
    int n_pos = 0;
    for (int i = 0; i < N; i++)
        n_pos += y[i];
    assert_in_range(n_pos, N / 10, N / 2);               /* imbalanced, so balancing matters */

    const double lambda = 0.01;
    logreg_model m;
    logreg_report rep;
    assert_int_equal(logreg_fit(X, y, N, D, STD_END, lambda, 1, &m, &rep), 0);
    assert_true(rep.converged);
    assert_true(rep.grad_norm < 1e-6);
    assert_in_range(rep.iterations, 1, 500);
    assert_true(m.scale[3] == 1.0f);
    for (int j = STD_END; j < D; j++)
        assert_true(m.mean[j] == 0.0f && m.scale[j] == 1.0f);

    double g[D + 1] = {0};
    for (int i = 0; i < N; i++) {
        double xs[D], z = m.b;
        for (int j = 0; j < D; j++) {
            xs[j] = ((double)X[i * D + j] - m.mean[j]) / m.scale[j];
            z += m.w[j] * xs[j];
        }
        double c = y[i] ? 0.5 / n_pos : 0.5 / (N - n_pos), res = c * (sigmoid(z) - y[i]);
        for (int j = 0; j < D; j++)
            g[j] += res * xs[j];
        g[D] += res;
        assert_near(logreg_predict(&m, X + i * D), sigmoid(z), 1e-9);
    }
    for (int j = 0; j < D; j++)
        g[j] += lambda * m.w[j];
    for (int j = 0; j <= D; j++)
        assert_true(fabs(g[j]) < 1e-5);
    logreg_free(&m);
}

/* Deletes at a_k, keeps at −a_k nine times each: mirror images once classes are balanced, so the
   balanced model must put P = 0.5 at x = 0, while the plain one follows the 10% prior. */
static void test_logreg_balanced(void **state)
{
    enum { K = 10, N = K * 10 };
    float x[N];
    int8_t y[N];
    int n = 0;
    for (int k = 0; k < K; k++) {
        double a = -1 + 4.0 * k / (K - 1);
        x[n] = (float)a, y[n++] = 1;
        for (int rep = 0; rep < 9; rep++)
            x[n] = (float)-a, y[n++] = 0;
    }
    logreg_model bal, plain;
    assert_int_equal(logreg_fit(x, y, N, 1, 1, 0.01, 1, &bal, NULL), 0);
    assert_int_equal(logreg_fit(x, y, N, 1, 1, 0.01, 0, &plain, NULL), 0);

    const float zero = 0.0f;
    assert_near(logreg_predict(&bal, &zero), 0.5, 1e-4);
    double mean = 0;
    int m = 0;
    for (float v = -3.0f; v <= 3.0f; v += 0.5f, m++)              /* symmetric grid */
        mean += logreg_predict(&bal, &v);
    assert_near(mean / m, 0.5, 1e-4);

    double train_mean = 0;
    for (int i = 0; i < N; i++)
        train_mean += logreg_predict(&plain, &x[i]) / N;
    assert_near(train_mean, 0.1, 1e-5);   /* unpenalised intercept: mean p = prior */
    assert_true(logreg_predict(&plain, &zero) < 0.25);
    logreg_free(&bal);
    logreg_free(&plain);
}

static void test_logreg_separable(void **state)
{
    enum { N = 100 };
    float x[N];
    int8_t y[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)(i - 49.5), y[i] = x[i] > 0;
    logreg_model m;
    logreg_report rep;
    assert_int_equal(logreg_fit(x, y, N, 1, 1, 1e-3, 1, &m, &rep), 0);
    assert_true(rep.converged);
    assert_true(isfinite(m.w[0]) && isfinite(m.b));
    assert_true(m.w[0] > 0);
    const float hi = 10.0f, lo = -10.0f;
    assert_true(logreg_predict(&m, &hi) > 0.9);
    assert_true(logreg_predict(&m, &lo) < 0.1);
    logreg_free(&m);
}

static void test_logreg_missing_class(void **state)
{
    float x[4] = {1, 2, 3, 4};
    int8_t keeps[4] = {0, 0, 0, 0}, deletes[4] = {1, 1, 1, 1};
    logreg_model m;
    assert_int_equal(logreg_fit(x, keeps, 4, 1, 1, 0.1, 1, &m, NULL), -1);
    assert_null(m.w);
    logreg_free(&m);                                      /* safe after a failed fit */
    assert_int_equal(logreg_fit(x, deletes, 4, 1, 1, 0.1, 0, &m, NULL), -1);
    assert_int_equal(logreg_fit(x, keeps, 0, 1, 1, 0.1, 1, &m, NULL), -1);
}

/* Fitting on listed rows must equal fitting on a gathered copy of them. */
static void test_logreg_fit_rows(void **state)
{
    enum { N = 120, D = 3 };
    rng r = {4};
    float X[N * D], sub[N / 2 * D];
    int8_t y[N], ysub[N / 2];
    int rows[N / 2];
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < D; j++)
            X[i * D + j] = (float)(rng_normal(&r) + j);
        y[i] = rng_uniform(&r) < sigmoid(X[i * D] - X[i * D + 1] + 1);
    }
    for (int i = 0; i < N / 2; i++) {
        rows[i] = 2 * i + 1;
        memcpy(sub + i * D, X + rows[i] * D, sizeof(float) * D);
        ysub[i] = y[rows[i]];
    }
    logreg_model a, b;
    assert_int_equal(logreg_fit_rows(X, y, rows, N / 2, D, 2, 0.05, 1, &a, NULL), 0);
    assert_int_equal(logreg_fit(sub, ysub, N / 2, D, 2, 0.05, 1, &b, NULL), 0);
    for (int j = 0; j < D; j++)
        assert_near(a.w[j], b.w[j], 1e-12);
    assert_near(a.b, b.b, 1e-12);
    logreg_free(&a);
    logreg_free(&b);
}

/* ---- metrics ---- */

static metrics compute(const double *s, const int8_t *y, int n)
{
    metrics m;
    assert_int_equal(metrics_compute(s, y, n, &m), 0);
    return m;
}

static void test_metrics_extremes(void **state)
{
    const double s[4] = {0.9, 0.8, 0.3, 0.1}, ties[4] = {0.5, 0.5, 0.5, 0.5};
    const int8_t good[4] = {1, 1, 0, 0}, bad[4] = {0, 0, 1, 1}, mixed[4] = {1, 0, 1, 0};
    metrics m = compute(s, good, 4);
    assert_near(m.auc, 1.0, 1e-12);
    assert_near(m.ap, 1.0, 1e-12);
    assert_near(m.bacc, 1.0, 1e-12);
    assert_int_equal(m.n, 4);
    assert_int_equal(m.n_delete, 2);

    m = compute(s, bad, 4);
    assert_near(m.auc, 0.0, 1e-12);
    assert_near(m.ap, (1.0 / 3 + 2.0 / 4) / 2, 1e-12);     /* deletes at ranks 3, 4 */
    assert_near(m.bacc, 0.0, 1e-12);

    m = compute(ties, mixed, 4);
    assert_near(m.auc, 0.5, 1e-12);
    assert_near(m.ap, (1.0 / 3 + 2.0 / 4) / 2, 1e-12);     /* pessimistic: keeps first */
    assert_near(m.bacc, 0.5, 1e-12);                       /* 0.5 counts as delete */
}

static void test_metrics_small_example(void **state)
{
    /* Deletes at ranks 1, 3, 4 of 6: AUC = (3 + 2 + 2) / 9, AP = (1/1 + 2/3 + 3/4) / 3.
       Threshold 0.5 calls the first five delete: recall 3/3 and 1/3. Effort cuts 1, 2, 3 rows. */
    const double s[6] = {0.6, 0.9, 0.4, 0.7, 0.8, 0.5};
    const int8_t y[6] = {1, 1, 0, 1, 0, 0};
    metrics m = compute(s, y, 6);
    assert_near(m.auc, 7.0 / 9, 1e-12);
    assert_near(m.ap, 29.0 / 36, 1e-12);
    assert_near(m.bacc, 2.0 / 3, 1e-12);
    assert_near(m.found[0], 1.0 / 3, 1e-12);
    assert_near(m.found[1], 1.0 / 3, 1e-12);
    assert_near(m.found[2], 2.0 / 3, 1e-12);

    /* A tie across classes: AUC pairs (0.7d vs 0.9k)=0, (0.7d vs 0.7k)=½, 0.2d loses both. */
    const double t[4] = {0.9, 0.7, 0.7, 0.2};
    const int8_t ty[4] = {0, 1, 0, 1};
    m = compute(t, ty, 4);
    assert_near(m.auc, 0.5 / 4, 1e-12);
    assert_near(m.ap, (1.0 / 3 + 2.0 / 4) / 2, 1e-12);
}

static void test_metrics_effort(void **state)
{
    /* Ten rows given out of order; ranked, the deletes sit at ranks 1, 3 and 6. */
    const double s[10] = {0.5, 1.0, 0.2, 0.8, 0.9, 0.3, 0.7, 0.6, 0.1, 0.4};
    const int8_t y[10] = {1, 1, 0, 1, 0, 0, 0, 0, 0, 0};
    metrics m = compute(s, y, 10);
    assert_near(metrics_effort_points[0], 0.10, 0);
    assert_near(m.found[0], 1.0 / 3, 1e-12);     /* first row */
    assert_near(m.found[1], 2.0 / 3, 1e-12);     /* first 3 */
    assert_near(m.found[2], 2.0 / 3, 1e-12);     /* first 5 */
    assert_near(m.auc, (7 + 6 + 4) / 21.0, 1e-12);
}

static void test_metrics_missing_class(void **state)
{
    const double s[3] = {0.1, 0.2, 0.3};
    const int8_t keeps[3] = {0, 0, 0}, deletes[3] = {1, 1, 1};
    metrics m;
    assert_int_equal(metrics_compute(s, keeps, 3, &m), -1);
    assert_int_equal(m.n_delete, 0);
    assert_int_equal(metrics_compute(s, deletes, 3, &m), -1);
    assert_int_equal(metrics_compute(s, keeps, 0, &m), -1);
}

/* ---- cross-validation ---- */

enum { CV_N = 300, CV_K = 5, CV_GROUPS = 75 };

/* 75 groups of 4 rows, interleaved through the rows; a third of the groups are deletes, and a
   few rows elsewhere are deletes too, so some groups are mixed. */
static void make_groups(uint64_t *group, int8_t *y)
{
    for (int i = 0; i < CV_N; i++) {
        int g = i % CV_GROUPS;
        group[i] = 1000003ULL * (uint64_t)g + 17;
        y[i] = g % 3 == 0 || i % 29 == 0;
    }
}

static void test_cv_folds(void **state)
{
    uint64_t group[CV_N];
    int8_t y[CV_N];
    int fold[CV_N], again[CV_N], other[CV_N];
    make_groups(group, y);
    cv_assign_folds(y, group, CV_N, CV_K, 42, fold);

    for (int i = 0; i < CV_N; i++) {
        assert_in_range(fold[i], 0, CV_K - 1);
        assert_int_equal(fold[i], fold[i % CV_GROUPS]);           /* groups stay together */
    }
    int pos[CV_K] = {0}, neg[CV_K] = {0}, n_pos = 0;
    for (int i = 0; i < CV_N; i++) {
        *(y[i] ? &pos[fold[i]] : &neg[fold[i]]) += 1;
        n_pos += y[i];
    }
    for (int f = 0; f < CV_K; f++) {                              /* within one group of even */
        assert_true(fabs(pos[f] - n_pos / (double)CV_K) <= 4);
        assert_true(fabs(neg[f] - (CV_N - n_pos) / (double)CV_K) <= 4);
    }

    cv_assign_folds(y, group, CV_N, CV_K, 42, again);
    assert_memory_equal(fold, again, sizeof fold);
    cv_assign_folds(y, group, CV_N, CV_K, 43, other);
    assert_true(memcmp(fold, other, sizeof fold) != 0);
}

static void test_cv_singletons_exact(void **state)
{
    enum { N = 102 };
    uint64_t group[N];
    int8_t y[N];
    int fold[N], pos[CV_K] = {0}, size[CV_K] = {0};
    for (int i = 0; i < N; i++)
        group[i] = (uint64_t)i * 7919, y[i] = i % 5 == 2;          /* 20 deletes, 82 keeps */
    cv_assign_folds(y, group, N, CV_K, 7, fold);
    for (int i = 0; i < N; i++)
        pos[fold[i]] += y[i], size[fold[i]]++;
    for (int f = 0; f < CV_K; f++) {
        assert_int_equal(pos[f], 4);
        assert_in_range(size[f], 20, 21);
    }
}

static void test_cv_out_of_fold(void **state)
{
    enum { N = 600, D = 20, STD_END = 15 };
    rng r = {5};
    float *X = malloc(sizeof(float) * N * D);
    int8_t y[N];
    uint64_t group[N];
    int fold[N];
    double oof[N], w_true[D];
    for (int j = 0; j < D; j++)
        w_true[j] = j % 3 == 0 ? 1.0 : 0.0;
    for (int i = 0; i < N; i++) {
        double z = 0;
        for (int j = 0; j < D; j++) {
            double v = j < STD_END ? rng_normal(&r) : (double)(rng_next(&r) % 3);
            X[i * D + j] = (float)(j < STD_END ? 5 + 3 * v : v);
            z += w_true[j] * v;
        }
        y[i] = z + 0.5 * rng_normal(&r) > 1.0;
        group[i] = (uint64_t)(i / 2);
    }
    cv_assign_folds(y, group, N, CV_K, 1, fold);
    assert_int_equal(cv_out_of_fold(X, y, fold, N, D, CV_K, STD_END, 0.01, oof), 0);
    for (int i = 0; i < N; i++)
        assert_true(oof[i] > 0 && oof[i] < 1);
    metrics m = compute(oof, y, N);
    assert_true(m.auc > 0.9);
    free(X);
}

static void test_cv_too_few_labels(void **state)
{
    enum { N = 50 };
    float X[N];
    int8_t y[N] = {0};
    uint64_t group[N];
    int fold[N];
    double oof[N];
    for (int i = 0; i < N; i++)
        X[i] = (float)i, group[i] = (uint64_t)i;
    y[3] = 1;                     /* the only delete: its fold's training split has none */
    cv_assign_folds(y, group, N, CV_K, 1, fold);
    assert_int_equal(cv_out_of_fold(X, y, fold, N, 1, CV_K, 1, 0.1, oof), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_camera_name),
        cmocka_unit_test(test_tokens_screenshot),
        cmocka_unit_test(test_tokens_high_bytes),
        cmocka_unit_test(test_tokens_edges),
        cmocka_unit_test(test_features_dims),
        cmocka_unit_test(test_features_prompt_columns),
        cmocka_unit_test(test_features_embedding),
        cmocka_unit_test(test_features_meta),
        cmocka_unit_test(test_features_token_buckets),
        cmocka_unit_test(test_logreg_1d_raw),
        cmocka_unit_test(test_logreg_1d_standardised),
        cmocka_unit_test(test_logreg_gradient_at_solution),
        cmocka_unit_test(test_logreg_balanced),
        cmocka_unit_test(test_logreg_separable),
        cmocka_unit_test(test_logreg_missing_class),
        cmocka_unit_test(test_logreg_fit_rows),
        cmocka_unit_test(test_metrics_extremes),
        cmocka_unit_test(test_metrics_small_example),
        cmocka_unit_test(test_metrics_effort),
        cmocka_unit_test(test_metrics_missing_class),
        cmocka_unit_test(test_cv_folds),
        cmocka_unit_test(test_cv_singletons_exact),
        cmocka_unit_test(test_cv_out_of_fold),
        cmocka_unit_test(test_cv_too_few_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
