/*
 * test_explain.c — what explanations rest on: the nearest-neighbour search against a brute-force
 * double-precision loop (across query batches and reference blocks, with rows skipped and ties),
 * a logistic regression's terms adding up to its log-odds (a token bucket shared by two tokens
 * included), an MLP's occlusion values against the network evaluated directly, and the cost of
 * reviewing N on a hand-made set of out-of-fold scores.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/explain.h"
#include "learn/features.h"
#include "learn/neighbours.h"
#include "learn/review_cost.h"
#include "unit/rng.h"
#include "util/plural.h"

static float *unit_rows(int n, int dim, rng *r)
{
    float *X = malloc(sizeof(float) * (size_t)n * dim);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < dim; j++) X[(size_t)i * dim + j] = (float)rng_normal(r);
        features_unit_vector(X + (size_t)i * dim, dim, X + (size_t)i * dim);
    }
    return X;
}

static void test_neighbours_match_brute_force(void **state)
{
    (void)state;
    rng r = {7};
    const int n = 2500, q = 300, dim = 24, k = 7;   /* 3 reference blocks, 2 query batches */
    float *R = unit_rows(n, dim, &r), *Q = unit_rows(q, dim, &r);
    int32_t *skip = malloc(sizeof(int32_t) * q);
    for (int i = 0; i < q; i++) {
        skip[i] = i % 3 == 0 ? (int32_t)(i * 7 % n) : -1;
        if (i % 5 == 0) memcpy(Q + (size_t)i * dim, R + (size_t)(i * 7 % n) * dim, sizeof(float) * dim);
    }
    neighbour *got = malloc(sizeof *got * (size_t)q * k);
    assert_int_equal(neighbours_top_k(R, n, Q, q, dim, k, skip, got), 0);
    double *cos = malloc(sizeof(double) * n);
    for (int i = 0; i < q; i++) {
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int d = 0; d < dim; d++) s += (double)Q[(size_t)i * dim + d] * R[(size_t)j * dim + d];
            cos[j] = j == skip[i] ? -INFINITY : s;
        }
        for (int rank = 0; rank < k; rank++) {
            int best = -1;
            for (int j = 0; j < n; j++)
                if (best < 0 || cos[j] > cos[best]) best = j;
            /* float GEMM against double: a near tie may swap two rows, never change the cosine */
            assert_true(fabs(got[(size_t)i * k + rank].cos - cos[best]) < 1e-5);
            if (got[(size_t)i * k + rank].row != best)
                assert_true(fabs(cos[got[(size_t)i * k + rank].row] - cos[best]) < 1e-5);
            cos[best] = -INFINITY;
        }
        assert_true(got[(size_t)i * k].row != skip[i]);
    }
    free(R), free(Q), free(skip), free(got), free(cos);
}

static void test_neighbours_ties_and_few_rows(void **state)
{
    (void)state;
    float R[3 * 2] = {1, 0, 1, 0, 0, 1}, Q[2] = {1, 0};
    neighbour got[5];
    assert_int_equal(neighbours_top_k(R, 3, Q, 1, 2, 5, NULL, got), 0);
    assert_int_equal(got[0].row, 0);   /* equal cosines: the lower row first */
    assert_int_equal(got[1].row, 1);
    assert_int_equal(got[2].row, 2);
    assert_int_equal(got[3].row, -1);  /* fewer rows than k */
    assert_int_equal(got[4].row, -1);
}

/* Two different tokens in one bucket, found by search (the hash is fixed by features.h). */
static void colliding_tokens(char a[8], char b[8])
{
    int first[FEATURE_TOKEN_BUCKETS];
    char names[FEATURE_TOKEN_BUCKETS][8];
    for (int i = 0; i < FEATURE_TOKEN_BUCKETS; i++) first[i] = 0;
    for (int i = 0;; i++) {
        char t[8];
        snprintf(t, sizeof t, "w%c%c", 'a' + i % 26, 'a' + i / 26 % 26);
        int bucket = features_token_bucket(t, (int)strlen(t));
        if (first[bucket]) {
            strcpy(a, names[bucket]), strcpy(b, t);
            return;
        }
        first[bucket] = 1;
        strcpy(names[bucket], t);
    }
}

/* n_prompts random unit prompt vectors, numbered 1, 2, ... (odd numbers delete). */
static void random_prompts(cull_model *m, int n_prompts, rng *r)
{
    int E = m->embed_dim;
    float *u = malloc(sizeof(float) * (size_t)E);
    m->prompts.dim = E;
    for (int k = 0; k < n_prompts; k++) {
        double ss = 0;
        for (int j = 0; j < E; j++) u[j] = (float)rng_normal(r), ss += u[j] * u[j];
        for (int j = 0; j < E; j++) u[j] = (float)(u[j] / sqrt(ss));
        char text[32];
        snprintf(text, sizeof text, "prompt number %d", k + 1);
        assert_int_equal(model_prompts_add(&m->prompts, k + 1, (k + 1) % 2, text, u), 0);
    }
    free(u);
}

static cull_model random_logreg(int E, int n_prompts, rng *r)
{
    cull_model m = {0};
    m.kind = MODEL_LOGREG;
    m.embed_dim = E;
    random_prompts(&m, n_prompts, r);
    int D = cull_model_dim(&m), t0 = features_token_start(E, n_prompts);
    m.lr.dim = D;
    m.lr.mean = malloc(sizeof(float) * D), m.lr.scale = malloc(sizeof(float) * D), m.lr.w = malloc(sizeof(double) * D);
    for (int j = 0; j < D; j++) {
        m.lr.mean[j] = j < t0 ? (float)(0.1 * rng_normal(r)) : 0;
        m.lr.scale[j] = j < t0 ? (float)(0.5 + rng_uniform(r)) : 1;
        m.lr.w[j] = rng_normal(r);
    }
    m.lr.b = 0.3;
    return m;
}

static void test_logreg_terms_add_up(void **state)
{
    (void)state;
    rng r = {11};
    const int E = 16;
    cull_model m = random_logreg(E, 0, &r);
    float emb[16];
    for (int j = 0; j < E; j++) emb[j] = (float)rng_normal(&r);
    image_meta meta = {.bytes = 123456, .width = 800, .height = 600};
    strcpy(meta.format, "png"), strcpy(meta.make, "Canon"), strcpy(meta.model, "EOS");
    char a[8], b[8], name[64];
    colliding_tokens(a, b);
    snprintf(name, sizeof name, "%s_%s_%s_2024.png", a, b, a);
    explanation e;
    assert_int_equal(explain_score(&m, emb, &meta, name, &e), 0);
    float *x = malloc(sizeof(float) * features_dim(E, 0));
    features_build(emb, E, NULL, 0, &meta, name, x);
    assert_true(fabs(e.log_odds - logreg_log_odds(&m.lr, x)) < 1e-12);
    double sum = 0, va = NAN, vb = NAN;
    int tokens = 0;
    for (int i = 0; i < e.n_terms; i++) {
        sum += e.terms[i].value;
        if (i) assert_true(fabs(e.terms[i - 1].value) >= fabs(e.terms[i].value));
        if (e.terms[i].kind != EXPLAIN_TOKEN) continue;
        tokens++;
        if (!strcmp(e.terms[i].name, a)) va = e.terms[i].value, assert_int_equal(e.terms[i].count, 2);
        if (!strcmp(e.terms[i].name, b)) vb = e.terms[i].value;
    }
    assert_true(fabs(sum - e.log_odds) < 1e-9);
    assert_int_equal(tokens, 4);   /* a (twice: one term), b, #4, .png */
    /* a (twice) and b share a bucket counting 3: a gets 2/3 of its term, b 1/3. */
    int col = features_token_start(E, 0) + features_token_bucket(a, (int)strlen(a));
    assert_true(fabs(va - logreg_term(&m.lr, x, col) * 2 / 3) < 1e-12);
    assert_true(fabs(vb - logreg_term(&m.lr, x, col) / 3) < 1e-12);
    assert_true(fabs(e.p_delete - 1 / (1 + exp(-e.log_odds))) < 1e-12);
    explanation_free(&e);
    free(x);
    logreg_free(&m.lr);
}

/* Makes m (embed_dim and prompts set) an MLP of H hidden units with random weights; every column's
   scale is scale. */
static void random_mlp(cull_model *m, int H, float scale, rng *r)
{
    int D = cull_model_dim(m);
    mlp_model *net = &m->mlp;
    m->kind = MODEL_MLP;
    *net = (mlp_model){.dim = D, .hidden = H, .b2 = 0.1f};
    net->mean = malloc(sizeof(float) * D), net->scale = malloc(sizeof(float) * D);
    net->w1 = malloc(sizeof(float) * D * H), net->b1 = malloc(sizeof(float) * H), net->w2 = malloc(sizeof(float) * H);
    for (int j = 0; j < D; j++) net->mean[j] = (float)(0.2 * rng_normal(r)), net->scale[j] = scale;
    for (int j = 0; j < D * H; j++) net->w1[j] = (float)rng_normal(r);
    for (int u = 0; u < H; u++) net->b1[u] = (float)rng_normal(r), net->w2[u] = (float)rng_normal(r);
}

/* A model trained with prompts: a term per prompt, its column's share of the log-odds (exact), or
   what taking its column away costs (MLP). */
static void test_prompt_terms(void **state)
{
    (void)state;
    rng r = {17};
    const int E = 12, P = 3;
    cull_model m = random_logreg(E, P, &r);
    float emb[12];
    for (int j = 0; j < E; j++) emb[j] = (float)rng_normal(&r);
    image_meta meta = {.bytes = 999, .width = 30, .height = 40};
    strcpy(meta.format, "png");
    explanation e;
    assert_int_equal(explain_score(&m, emb, &meta, "chat.png", &e), 0);
    float *x = malloc(sizeof(float) * cull_model_dim(&m));
    features_build(emb, E, m.prompts.u, P, &meta, "chat.png", x);
    double sum = 0;
    int seen = 0;
    for (int i = 0; i < e.n_terms; i++) {
        const explain_term *t = &e.terms[i];
        sum += t->value;
        if (t->kind != EXPLAIN_PROMPT) continue;
        int k = (int)t->prompt_id - 1;
        assert_true(k >= 0 && k < P);
        assert_true(fabs(t->value - logreg_term(&m.lr, x, features_prompt_start(E) + k)) < 1e-12);
        assert_int_equal(t->prompt_label, (k + 1) % 2);
        assert_string_equal(t->text, m.prompts.text[k]);
        seen |= 1 << k;
    }
    assert_int_equal(seen, 7);
    assert_true(fabs(sum - e.log_odds) < 1e-9);
    assert_true(fabs(e.log_odds - logreg_log_odds(&m.lr, x)) < 1e-12);
    explanation_free(&e);
    logreg_free(&m.lr);

    /* The same prompts under an MLP: occlusion sets the prompt's column to its training mean. */
    random_mlp(&m, 4, 0.5f, &r);
    const mlp_model *net = &m.mlp;
    assert_int_equal(explain_score(&m, emb, &meta, "chat.png", &e), 0);
    double base = mlp_log_odds(net, x);
    seen = 0;
    for (int i = 0; i < e.n_terms; i++) {
        const explain_term *t = &e.terms[i];
        if (t->kind != EXPLAIN_PROMPT) continue;
        int col = features_prompt_start(E) + (int)t->prompt_id - 1;
        float kept = x[col];
        x[col] = net->mean[col];
        assert_true(fabs(t->value - (base - mlp_log_odds(net, x))) < 1e-9);
        x[col] = kept;
        seen++;
    }
    assert_int_equal(seen, P);
    explanation_free(&e);
    free(x);
    cull_model_free(&m);
}

static void test_mlp_occlusion(void **state)
{
    (void)state;
    rng r = {13};
    const int E = 8, H = 5;
    cull_model m = {.embed_dim = E};
    random_mlp(&m, H, 1, &r);
    int D = cull_model_dim(&m);
    mlp_model *net = &m.mlp;
    float emb[8];
    for (int j = 0; j < E; j++) emb[j] = (float)rng_normal(&r);
    image_meta meta = {.bytes = 5000, .width = 10, .height = 20};
    strcpy(meta.format, "jpeg");
    explanation e;
    assert_int_equal(explain_score(&m, emb, &meta, "cat.jpg", &e), 0);
    assert_int_equal(e.exact, 0);
    float *x = malloc(sizeof(float) * D);
    features_build(emb, E, NULL, 0, &meta, "cat.jpg", x);
    double base = mlp_log_odds(net, x);
    assert_true(fabs(e.log_odds - base) < 1e-12);
    for (int j = 0; j < E; j++) x[j] = net->mean[j];
    double no_embedding = mlp_log_odds(net, x);
    features_build(emb, E, NULL, 0, &meta, "cat.jpg", x);
    x[features_token_start(E, 0) + features_token_bucket("cat", 3)] -= 1;
    double no_cat = mlp_log_odds(net, x);
    int seen = 0;
    for (int i = 0; i < e.n_terms; i++) {
        assert_int_not_equal(e.terms[i].kind, EXPLAIN_INTERCEPT);
        if (e.terms[i].kind == EXPLAIN_EMBEDDING) assert_true(fabs(e.terms[i].value - (base - no_embedding)) < 1e-9), seen++;
        if (e.terms[i].kind == EXPLAIN_TOKEN && !strcmp(e.terms[i].name, "cat"))
            assert_true(fabs(e.terms[i].value - (base - no_cat)) < 1e-9), seen++;
    }
    assert_int_equal(seen, 2);
    explanation_free(&e);
    free(x);
    mlp_free(net);
}

static void test_review_cost(void **state)
{
    (void)state;
    /* Six images with out-of-fold scores: four deletes (0.9, 0.8, 0.6, 0.2), one keep, and one
       whose label was removed since. */
    int64_t ids[6] = {1, 2, 3, 4, 5, 6};
    float oof[6] = {0.9f, 0.2f, 0.8f, 0.7f, 0.6f, 0.95f};
    int8_t is_delete[6] = {1, 1, 1, 0, 1, -1};
    cull_model m = {0};
    m.n_oof = 6, m.oof_id = ids, m.oof_p = oof;
    review_cost c;
    assert_int_equal(review_cost_init(&c, &m, is_delete), 0);
    assert_int_equal(c.n_labels, 5);
    assert_int_equal(c.n_delete, 4);
    assert_true(fabs(review_cost_share(&c, 0.85) - 0.25) < 1e-12);
    assert_true(fabs(review_cost_share(&c, 0.8f) - 0.5) < 1e-12);   /* ≥: a delete at the score is found */
    assert_true(fabs(review_cost_share(&c, 0.1) - 1.0) < 1e-12);
    double list[5] = {0.99, 0.85, 0.65, 0.5, 0.1};   /* shares 0, .25, .5, .75, 1 */
    assert_int_equal(review_cost_until(&c, list, 5, 0.5), 3);
    assert_int_equal(review_cost_until(&c, list, 5, 0.75), 4);
    assert_int_equal(review_cost_until(&c, list, 5, 0.8), 5);
    assert_int_equal(review_cost_until(&c, list, 4, 0.8), 4);   /* never reached: the whole list */
    char text[512];
    review_cost_text(&c, list, 5, 2, text, sizeof text);
    assert_string_equal(text, "reviewing the first 2 of 5 should find about 25% of the deletes "
                              "(cross-validated on your 5 labels)");
    review_cost_text(&c, list, 5, 0, text, sizeof text);
    assert_string_equal(text, "of these 5, reviewing the first 3 should find about half the deletes, the first 5 "
                              "about 80%, the first 5 about 90% (cross-validated on your 5 labels)");
    review_cost_text(&c, list, 2, 0, text, sizeof text);
    assert_string_equal(text, "reviewing all 2 should find about 25% of the deletes (cross-validated on your 5 labels)");
    review_cost_free(&c);
}

static void test_thousands(void **state)
{
    (void)state;
    char s[32];
    assert_string_equal(plural_thousands(0, s, sizeof s), "0");
    assert_string_equal(plural_thousands(999, s, sizeof s), "999");
    assert_string_equal(plural_thousands(1000, s, sizeof s), "1,000");
    assert_string_equal(plural_thousands(2340, s, sizeof s), "2,340");
    assert_string_equal(plural_thousands(1234567, s, sizeof s), "1,234,567");
    assert_string_equal(plural_thousands(-100000, s, sizeof s), "-100,000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_neighbours_match_brute_force),
        cmocka_unit_test(test_neighbours_ties_and_few_rows),
        cmocka_unit_test(test_logreg_terms_add_up),
        cmocka_unit_test(test_mlp_occlusion),
        cmocka_unit_test(test_prompt_terms),
        cmocka_unit_test(test_review_cost),
        cmocka_unit_test(test_thousands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
