/*
 * test_select.c — the model-choice machinery: the skinny products against plain loops, the
 * batched cross-validation against cv_out_of_fold and logreg_fit, the stored model format (both
 * kinds, the old v1 format, damage), and select_fit's grouping and choice.
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

#include "learn/cv.h"
#include "learn/features.h"
#include "learn/logreg_cv.h"
#include "learn/model.h"
#include "learn/select.h"
#include "learn/skinny.h"
#include "unit/rng.h"

#include <jansson.h>

/* ---- skinny products ---- */

static void check_skinny(int n, int k, int m, int lda)
{
    rng r = {(uint64_t)(n * 131 + k * 7 + m)};
    float *A = malloc(sizeof(float) * (size_t)n * lda), *B = malloc(sizeof(float) * (size_t)k * m);
    float *R = malloc(sizeof(float) * (size_t)n * m), *U = malloc(sizeof(float) * (size_t)n * m);
    float *G = malloc(sizeof(float) * (size_t)k * m);
    for (int i = 0; i < n * lda; i++) A[i] = (float)rng_normal(&r);
    for (int i = 0; i < k * m; i++) B[i] = (float)rng_normal(&r);
    for (int i = 0; i < n * m; i++) R[i] = (float)rng_normal(&r);
    skinny_ab(n, k, m, A, lda, B, U);
    skinny_atb(n, k, m, A, lda, R, G);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < m; c++) {
            double s = 0;
            for (int j = 0; j < k; j++) s += (double)A[i * lda + j] * B[j * m + c];
            if (fabs(U[i * m + c] - s) > 1e-4 * (1 + sqrt(k))) fail_msg("A·B [%d][%d] = %g, want %g", i, c, U[i * m + c], s);
        }
    for (int j = 0; j < k; j++)
        for (int c = 0; c < m; c++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += (double)A[i * lda + j] * R[i * m + c];
            if (fabs(G[j * m + c] - s) > 1e-4 * (1 + sqrt(n))) fail_msg("Aᵀ·R [%d][%d] = %g, want %g", j, c, G[j * m + c], s);
        }
    free(A), free(B), free(R), free(U), free(G);
}

static void test_skinny_products(void **state)
{
    check_skinny(37, 19, 1, 19);     /* odd sizes: partial row groups and chunks */
    check_skinny(37, 19, 17, 23);    /* a leading dimension wider than k */
    check_skinny(1000, 70, 33, 70);  /* three chunks, several threads */
    check_skinny(3, 5, 16, 5);
}

/* ---- batched cross-validation ---- */

enum { CN = 500, CD = 12, C_STD_END = 9, CK = 4 };
#define ALL_COLUMNS ((logreg_view){C_STD_END, 0, 0})

static void make_linear(float *X, int8_t *y, uint64_t seed)
{
    rng r = {seed};
    for (int i = 0; i < CN; i++) {
        double z = 0;
        for (int j = 0; j < CD; j++) {
            double v = j < C_STD_END ? rng_normal(&r) : (double)(rng_next(&r) % 3);
            X[i * CD + j] = (float)(j < C_STD_END ? 4 + 2 * v : v);
            z += (j % 4 == 0 ? 1.0 : 0.1) * v;
        }
        y[i] = z + rng_normal(&r) > 1.5;
    }
}

static void test_logreg_cv_matches_one_by_one(void **state)
{
    float *X = malloc(sizeof(float) * CN * CD);
    int8_t y[CN];
    uint64_t group[CN];
    int fold[CN];
    make_linear(X, y, 11);
    for (int i = 0; i < CN; i++) group[i] = (uint64_t)(i / 3);
    cv_assign_folds(y, group, CN, CK, 5, fold);
    const double lambdas[] = {1e-3, 1e-1};
    double oof[2 * CN], ref[CN];
    logreg_model fin[2];
    assert_int_equal(logreg_cv(X, y, fold, CN, CD, CK, ALL_COLUMNS, lambdas, 2, 1e-7, oof, fin), 0);
    for (int l = 0; l < 2; l++) {
        assert_int_equal(cv_out_of_fold(X, y, fold, CN, CD, CK, C_STD_END, lambdas[l], ref), 0);
        for (int i = 0; i < CN; i++)
            if (fabs(oof[l * CN + i] - ref[i]) > 1e-4) fail_msg("λ %g row %d: %g, one by one %g", lambdas[l], i, oof[l * CN + i], ref[i]);
        logreg_model one;
        assert_int_equal(logreg_fit(X, y, CN, CD, C_STD_END, lambdas[l], 1, &one, NULL), 0);
        assert_true(fin[l].lambda == lambdas[l]);
        for (int i = 0; i < CN; i++)
            assert_true(fabs(logreg_predict(&fin[l], X + i * CD) - logreg_predict(&one, X + i * CD)) < 1e-4);
        for (int j = C_STD_END; j < CD; j++) assert_true(fabs(fin[l].mean[j]) < 1e-6 && fabs(fin[l].scale[j] - 1) < 1e-6);
        logreg_free(&one);
        logreg_free(&fin[l]);
    }
    /* Without final models, the same out-of-fold predictions. */
    double again[CN];
    assert_int_equal(logreg_cv(X, y, fold, CN, CD, CK, ALL_COLUMNS, lambdas + 1, 1, 1e-7, again, NULL), 0);
    for (int i = 0; i < CN; i++) assert_true(fabs(again[i] - oof[CN + i]) < 1e-5);
    free(X);
}

/* Ignored columns: the same fits as on a copy of X without them (one standardised, one not), and
   the final models give them no weight. */
static void test_logreg_cv_ignores_columns(void **state)
{
    enum { A = 3, B = 10, D0 = CD - (B - A) };   /* drops 6 standardised columns and 1 token column */
    float *X = malloc(sizeof(float) * CN * CD), *X0 = malloc(sizeof(float) * CN * D0);
    int8_t y[CN];
    uint64_t group[CN];
    int fold[CN];
    make_linear(X, y, 12);
    for (int i = 0; i < CN; i++) {
        group[i] = (uint64_t)i;
        for (int j = 0, o = 0; j < CD; j++)
            if (j < A || j >= B) X0[i * D0 + o++] = X[i * CD + j];
    }
    cv_assign_folds(y, group, CN, CK, 7, fold);
    const double lambda = 1e-2;
    double oof[CN], ref[CN];
    logreg_model fin, fin0;
    assert_int_equal(logreg_cv(X, y, fold, CN, CD, CK, (logreg_view){C_STD_END, A, B}, &lambda, 1, 1e-7, oof, &fin), 0);
    assert_int_equal(logreg_cv(X0, y, fold, CN, D0, CK, (logreg_view){C_STD_END - (B - A) + 1, 0, 0}, &lambda, 1,
                               1e-7, ref, &fin0), 0);
    for (int i = 0; i < CN; i++)
        if (fabs(oof[i] - ref[i]) > 1e-5) fail_msg("row %d: %g, on the copy %g", i, oof[i], ref[i]);
    for (int j = A; j < B; j++) assert_true(fin.w[j] == 0);
    for (int i = 0; i < CN; i++)
        assert_true(fabs(logreg_predict(&fin, X + i * CD) - logreg_predict(&fin0, X0 + i * D0)) < 1e-5);
    logreg_free(&fin), logreg_free(&fin0);
    free(X), free(X0);
}

static void test_logreg_cv_missing_class(void **state)
{
    float X[40];
    int8_t y[40] = {0};
    int fold[40];
    double oof[40];
    for (int i = 0; i < 40; i++) X[i] = (float)i, fold[i] = i % 4;
    y[3] = 1;   /* the only delete, in fold 3: the other folds' training rows lack it */
    const double l = 0.1;
    assert_int_equal(logreg_cv(X, y, fold, 40, 1, 4, (logreg_view){1, 0, 0}, &l, 1, 1e-6, oof, NULL), -1);
}

/* ---- the stored model ---- */

static void fill_common(cull_model *m, int embed_dim)
{
    memset(m, 0, sizeof *m);
    snprintf(m->encoder_id, sizeof m->encoder_id, "lite-1");
    m->embed_dim = embed_dim;
    m->folds = 5;
    m->cv = (metrics){.n = 3, .n_delete = 1, .auc = 0.9, .ap = 0.8, .bacc = 0.7, .found = {0.1, 0.3, 0.5}};
    m->n_keep = 2, m->n_delete = 1, m->label_version = 42;
    snprintf(m->requested, sizeof m->requested, "auto");
    m->auc_logreg = 0.9, m->auc_mlp = NAN, m->lambda = 0.01, m->weight_decay = NAN, m->auc_exact_groups = 0.95;
    m->dupes_threshold = 0.985f, m->near_groups = 1, m->near_rows = 2;
    m->n_oof = 3;
    m->oof_id = malloc(sizeof(int64_t) * 3);
    m->oof_p = malloc(sizeof(float) * 3);
    for (int i = 0; i < 3; i++) m->oof_id[i] = 10 * (i + 1), m->oof_p[i] = 0.25f * (float)(i + 1);
}

static void test_model_roundtrip(void **state)
{
    enum { E = 4 };
    int dim = features_dim(E, 0);
    float *x = malloc(sizeof(float) * dim), *scratch = malloc(sizeof(float) * dim);
    const float emb[E] = {0.1f, 0.5f, -0.2f, 0.3f};
    image_meta meta = {.width = 640, .height = 480, .bytes = 12345};
    snprintf(meta.format, sizeof meta.format, "jpeg");
    for (int kind = 0; kind < 2; kind++) {
        cull_model m, back;
        fill_common(&m, E);
        rng r = {7};
        if (kind == 0) {
            m.kind = MODEL_LOGREG;
            m.lr = (logreg_model){.dim = dim, .lambda = 0.01, .b = -0.3};
            m.lr.mean = malloc(sizeof(float) * dim), m.lr.scale = malloc(sizeof(float) * dim);
            m.lr.w = malloc(sizeof(double) * dim);
            for (int j = 0; j < dim; j++) m.lr.mean[j] = (float)rng_normal(&r), m.lr.scale[j] = 1.5f, m.lr.w[j] = rng_normal(&r);
        } else {
            m.kind = MODEL_MLP;
            m.mlp = (mlp_model){.dim = dim, .hidden = 3, .b2 = 0.2f, .weight_decay = 0.1};
            m.mlp.mean = malloc(sizeof(float) * dim), m.mlp.scale = malloc(sizeof(float) * dim);
            m.mlp.w1 = malloc(sizeof(float) * dim * 3), m.mlp.b1 = malloc(sizeof(float) * 3), m.mlp.w2 = malloc(sizeof(float) * 3);
            for (int j = 0; j < dim; j++) m.mlp.mean[j] = (float)rng_normal(&r), m.mlp.scale[j] = 2.0f;
            for (int j = 0; j < dim * 3; j++) m.mlp.w1[j] = (float)rng_normal(&r);
            for (int u = 0; u < 3; u++) m.mlp.b1[u] = 0.1f * u, m.mlp.w2[u] = 1.0f - u;
        }
        char *json = cull_model_to_json(&m);
        assert_non_null(json);
        char err[256];
        assert_int_equal(cull_model_from_json(json, &back, err, sizeof err), 0);
        assert_int_equal(back.kind, m.kind);
        assert_string_equal(back.requested, "auto");
        assert_true(isnan(back.auc_mlp) && fabs(back.auc_exact_groups - 0.95) < 1e-9);
        assert_int_equal(back.n_oof, 3);
        assert_true(fabs(cull_model_oof(&back, 20) - 0.5) < 1e-6);
        assert_true(cull_model_oof(&back, 15) < 0);
        assert_true(fabs(cull_model_score(&back, emb, &meta, "IMG_1.jpg", scratch) -
                         cull_model_score(&m, emb, &meta, "IMG_1.jpg", x)) < 1e-6);
        free(json);
        cull_model_free(&back);
        cull_model_free(&m);
    }
    free(x), free(scratch);
}

static void test_model_v1_still_loads(void **state)
{
    enum { E = 2 };
    int dim = features_dim(E, 0);
    size_t cap = 64 * (size_t)dim + 1024;
    char *json = malloc(cap), *p = json;
    p += sprintf(p, "{\"format\":\"cull-logreg-1\",\"encoder\":\"lite-1\",\"embed_dim\":%d,\"dim\":%d,\"lambda\":0.001,"
                    "\"bias\":0.5,\"mean\":[", E, dim);
    for (int k = 0; k < 3; k++) {
        for (int j = 0; j < dim; j++) p += sprintf(p, "%s%s", j ? "," : "", k == 1 ? "1" : "0");
        p += sprintf(p, k == 0 ? "],\"scale\":[" : k == 1 ? "],\"weights\":[" : "]");
    }
    sprintf(p, ",\"folds\":5,\"cv\":{\"n\":10,\"n_delete\":4,\"auc\":0.9,\"ap\":0.8,\"bacc\":0.7,"
               "\"found_at_10_30_50\":[0.1,0.3,0.5]},\"n_keep\":6,\"n_delete\":4,\"label_version\":3}");
    cull_model m;
    char err[256];
    assert_int_equal(cull_model_from_json(json, &m, err, sizeof err), 0);
    assert_int_equal(m.kind, MODEL_LOGREG);
    assert_string_equal(m.requested, "logreg");
    assert_int_equal(m.n_oof, 0);   /* suspects retrains for these */
    assert_true(fabs(m.lr.b - 0.5) < 1e-12 && m.lambda == 0.001);
    cull_model_free(&m);
    free(json);
}

static void test_model_damage(void **state)
{
    cull_model m, back;
    char err[256];
    fill_common(&m, 2);
    int dim = features_dim(2, 0);
    m.kind = MODEL_LOGREG;
    m.lr = (logreg_model){.dim = dim, .lambda = 0.01};
    m.lr.mean = calloc((size_t)dim, sizeof(float)), m.lr.scale = malloc(sizeof(float) * dim);
    m.lr.w = calloc((size_t)dim, sizeof(double));
    for (int j = 0; j < dim; j++) m.lr.scale[j] = 1;
    m.oof_id[2] = 5;   /* ids must ascend */
    char *json = cull_model_to_json(&m);
    assert_int_equal(cull_model_from_json(json, &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "retrain"));
    free(json);
    m.oof_id[2] = 30;
    m.lr.scale[3] = 0;   /* would divide by zero */
    json = cull_model_to_json(&m);
    assert_int_equal(cull_model_from_json(json, &back, err, sizeof err), -1);
    free(json);
    assert_int_equal(cull_model_from_json("{\"format\":\"cull-model-99\"}", &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown format"));
    assert_int_equal(cull_model_from_json("[1,", &back, err, sizeof err), -1);
    cull_model_free(&m);
}

static void fill_logreg(cull_model *m, rng *r)
{
    int dim = cull_model_dim(m);
    m->kind = MODEL_LOGREG;
    m->lr = (logreg_model){.dim = dim, .lambda = 0.01, .b = -0.3};
    m->lr.mean = malloc(sizeof(float) * dim), m->lr.scale = malloc(sizeof(float) * dim);
    m->lr.w = malloc(sizeof(double) * dim);
    for (int j = 0; j < dim; j++) m->lr.mean[j] = (float)rng_normal(r), m->lr.scale[j] = 1.5f, m->lr.w[j] = rng_normal(r);
}

/* A model trained with prompts keeps them, vectors and all, and scores the same after a round trip;
   a model whose prompts are lost or damaged is refused. */
static void test_model_prompts_roundtrip(void **state)
{
    enum { E = 4, P = 2 };
    cull_model m, back;
    char err[256];
    fill_common(&m, E);
    m.prompts.dim = E;
    const float u0[E] = {1, 0, 0, 0}, u1[E] = {0, 0.6f, 0.8f, 0};
    const char *family = "a photo of my \"family\"\n\twith \xc3\xa9";
    assert_int_equal(model_prompts_add(&m.prompts, 3, 1, "a screenshot of a chat", u0), 0);
    assert_int_equal(model_prompts_add(&m.prompts, 7, 0, family, u1), 0);
    assert_int_equal(cull_model_dim(&m), features_dim(E, P));
    rng r = {9};
    fill_logreg(&m, &r);
    for (int j = 0; j < m.lr.dim; j++) m.lr.w[j] *= 0.01;   /* far from saturating the sigmoid */
    m.lr.w[features_prompt_start(E)] = 2;
    m.auc_without_prompts = 0.75;
    char *json = cull_model_to_json(&m);
    assert_int_equal(cull_model_from_json(json, &back, err, sizeof err), 0);
    free(json);
    assert_int_equal(back.prompts.n, P);
    assert_int_equal(back.prompts.dim, E);
    assert_true(back.prompts.id[0] == 3 && back.prompts.id[1] == 7);
    assert_true(back.prompts.label[0] == 1 && back.prompts.label[1] == 0);
    assert_string_equal(back.prompts.text[1], family);
    assert_memory_equal(back.prompts.u, m.prompts.u, sizeof(float) * E * P);
    assert_true(fabs(back.auc_without_prompts - 0.75) < 1e-9);
    assert_int_equal(model_prompts_find(&back.prompts, 7, family), 1);
    assert_int_equal(model_prompts_find(&back.prompts, 7, "a screenshot of a chat"), -1);   /* the text counts too */
    float x[512], y[512];
    image_meta meta = {.width = 640, .height = 480, .bytes = 12345};
    const float emb[2][E] = {{0.1f, 0.5f, 0.7f, 0.3f}, {0.9f, -0.1f, 0, 0.2f}};
    for (int i = 0; i < 2; i++)
        assert_true(fabs(cull_model_score(&back, emb[i], &meta, "a.jpg", x) - cull_model_score(&m, emb[i], &meta, "a.jpg", y)) <
                    1e-9);
    /* The prompt columns count: with the first prompt's vector zeroed the score moves. */
    double before = cull_model_score(&back, emb[1], &meta, "a.jpg", x);
    memset(back.prompts.u, 0, sizeof(float) * E);
    assert_true(fabs(cull_model_score(&back, emb[1], &meta, "a.jpg", x) - before) > 1e-3);
    cull_model_free(&back);

    m.prompts.n = 0;   /* the row still has P prompt columns: the layout no longer adds up */
    json = cull_model_to_json(&m);
    m.prompts.n = P;
    assert_int_equal(cull_model_from_json(json, &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "layout"));
    free(json);

    json = cull_model_to_json(&m);
    json_t *o = json_loads(json, 0, NULL), *v = json_object_get(json_array_get(json_object_get(o, "prompts"), 0), "vector");
    json_array_append_new(v, json_real(0.5));   /* one float too many */
    free(json);
    json = json_dumps(o, JSON_COMPACT);
    assert_int_equal(cull_model_from_json(json, &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "damaged prompts"));
    free(json);
    json_array_remove(v, json_array_size(v) - 1);
    json_object_set_new(json_array_get(json_object_get(o, "prompts"), 1), "label", json_string("maybe"));
    json = json_dumps(o, JSON_COMPACT);
    assert_int_equal(cull_model_from_json(json, &back, err, sizeof err), -1);
    free(json);
    json_decref(o);
    cull_model_free(&m);
}

/* ---- select_fit ---- */

enum { SE = 6 };

/* Feature rows of n images whose embeddings are e (n × SE). */
static float *feature_rows(const float *e, int n)
{
    int dim = features_dim(SE, 0);
    float *X = malloc(sizeof(float) * (size_t)n * dim);
    image_meta meta = {.width = 100, .height = 100, .bytes = 1000};
    for (int i = 0; i < n; i++) features_build(e + i * SE, SE, NULL, 0, &meta, "", X + (size_t)i * dim);
    return X;
}

/* Step 6: the comparison without prompts is exactly the logistic regression on the rows without
   the prompt columns, on the same folds. */
static void test_select_prompt_comparison(void **state)
{
    enum { N = 300 };
    float e[N * SE], u[SE];
    int8_t y[N];
    uint64_t group[N];
    rng r = {33};
    double ss = 0;
    for (int j = 0; j < SE; j++) u[j] = (float)rng_normal(&r), ss += u[j] * u[j];
    for (int j = 0; j < SE; j++) u[j] = (float)(u[j] / sqrt(ss));
    for (int i = 0; i < N; i++) {
        double c = 0;
        for (int j = 0; j < SE; j++) e[i * SE + j] = (float)rng_normal(&r), c += e[i * SE + j] * u[j];
        y[i] = c + rng_normal(&r) > 0.3;   /* deletes look like the prompt, with noise */
        group[i] = rng_next(&r);
    }
    int dim = features_dim(SE, 1), dim0 = features_dim(SE, 0);
    float *X = malloc(sizeof(float) * (size_t)N * dim), *X0 = feature_rows(e, N);
    image_meta meta = {.width = 100, .height = 100, .bytes = 1000};
    for (int i = 0; i < N; i++) features_build(e + i * SE, SE, u, 1, &meta, "", X + (size_t)i * dim);
    select_data d = {.X = X, .y = y, .group = group, .n = N, .dim = dim, .embed_dim = SE, .n_prompts = 1,
                     .dupes_threshold = 2};
    select_data d0 = {.X = X0, .y = y, .group = group, .n = N, .dim = dim0, .embed_dim = SE, .dupes_threshold = 2};
    select_options o = {.kind = SELECT_LOGREG, .compare_prompts = 1};
    select_result with, without;
    char err[256];
    assert_int_equal(select_fit(&d, &o, &with, err, sizeof err), 0);
    assert_int_equal(select_fit(&d0, &o, &without, err, sizeof err), 0);
    assert_true(isfinite(with.auc_without_prompts));
    assert_true(fabs(with.auc_without_prompts - without.auc_logreg) < 1e-9);
    assert_true(isnan(without.auc_without_prompts));   /* no prompt columns: nothing to compare */
    assert_int_equal(with.lr.dim, dim);
    select_result_free(&with);
    o.compare_prompts = 0;
    assert_int_equal(select_fit(&d, &o, &with, err, sizeof err), 0);
    assert_true(isnan(with.auc_without_prompts));
    select_result_free(&with);
    select_result_free(&without);
    free(X), free(X0);
}

static void test_select_groups_and_choice(void **state)
{
    enum { N = 400 };
    float e[N * SE];
    int8_t y[N];
    uint64_t group[N];
    rng r = {21};
    for (int i = 0; i < N; i++) {
        group[i] = rng_next(&r);
        if (i % 10 == 9) {   /* a near-duplicate of the row before: same label, tiny change */
            for (int j = 0; j < SE; j++) e[i * SE + j] = e[(i - 1) * SE + j] * (float)(1 + 0.001 * rng_normal(&r));
            y[i] = y[i - 1];
            continue;
        }
        for (int j = 0; j < SE; j++) e[i * SE + j] = (float)(2 * rng_uniform(&r) - 1);
        y[i] = e[i * SE] * e[i * SE + 1] > 0;   /* XOR: only the MLP can rank it */
    }
    float *X = feature_rows(e, N);
    select_data d = {.X = X, .y = y, .group = group, .n = N, .dim = features_dim(SE, 0), .embed_dim = SE,
                     .dupes_threshold = 0.9999f};
    select_options o = {.kind = SELECT_AUTO, .compare_grouping = 1};
    select_result res;
    char err[256];
    assert_int_equal(select_fit(&d, &o, &res, err, sizeof err), 0);
    assert_true(res.near_groups >= 36 && res.near_groups <= 40);   /* the 40 planted pairs (a few may chain) */
    assert_true(res.near_rows >= 2 * res.near_groups);
    /* The promise: a picture and its near-duplicate never in training and test at once, in the
       folds the metrics really came from (not only in the groups handed to the fold call). */
    assert_false(res.near_dropped);
    for (int i = 9; i < N; i += 10) assert_int_equal(res.fold[i], res.fold[i - 1]);
    assert_int_equal(res.kind, MODEL_MLP);
    assert_true(res.auc_mlp > res.auc_logreg + 0.2);
    assert_true(isfinite(res.auc_exact_groups));
    assert_true(fabs(res.cv.auc - res.auc_mlp) < 1e-12);
    for (int i = 0; i < N; i++) assert_true(res.oof[i] > 0 && res.oof[i] < 1);
    select_result_free(&res);

    o.kind = SELECT_LOGREG;
    assert_int_equal(select_fit(&d, &o, &res, err, sizeof err), 0);
    assert_int_equal(res.kind, MODEL_LOGREG);
    assert_true(isnan(res.auc_mlp));
    assert_true(res.lambda >= 1e-4 && res.lambda <= 1);
    select_result_free(&res);

    for (int i = 2; i < N; i++) y[i] = 0;   /* 2 deletes: too few for 2 folds with an MLP split */
    y[0] = y[1] = 1;
    o.kind = SELECT_MLP;
    assert_int_equal(select_fit(&d, &o, &res, err, sizeof err), 1);
    o.kind = SELECT_AUTO;   /* auto falls back to the logistic regression */
    assert_int_equal(select_fit(&d, &o, &res, err, sizeof err), 0);
    assert_int_equal(res.kind, MODEL_LOGREG);
    select_result_free(&res);
    y[1] = 0;
    assert_int_equal(select_fit(&d, &o, &res, err, sizeof err), 1);
    free(X);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skinny_products),
        cmocka_unit_test(test_logreg_cv_matches_one_by_one),
        cmocka_unit_test(test_logreg_cv_ignores_columns),
        cmocka_unit_test(test_logreg_cv_missing_class),
        cmocka_unit_test(test_model_roundtrip),
        cmocka_unit_test(test_model_v1_still_loads),
        cmocka_unit_test(test_model_damage),
        cmocka_unit_test(test_model_prompts_roundtrip),
        cmocka_unit_test(test_select_groups_and_choice),
        cmocka_unit_test(test_select_prompt_comparison),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
