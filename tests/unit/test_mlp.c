/*
 * test_mlp.c — the one-hidden-layer MLP: it learns an XOR-like rule the logistic regression
 * cannot, early stopping keeps the best round's weights, training is deterministic, batched and
 * single-row predictions agree, and bad input is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/logreg.h"
#include "learn/metrics.h"
#include "learn/mlp.h"
#include "unit/rng.h"

enum { N = 2000, D = 8, N_TRAIN = 1200, N_VAL = 400 };   /* the rest is test */

/* XOR-like: delete when x0·x1 > 0; six more columns of noise, on other scales. */
static void make_xor(float *X, int8_t *y, uint64_t seed)
{
    rng r = {seed};
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < D; j++) X[i * D + j] = (float)((2 * rng_uniform(&r) - 1) * (j < 2 ? 1 : 3 + j));
        y[i] = X[i * D] * X[i * D + 1] > 0;
    }
}

static void ranges(int *train, int *val, int *test)
{
    for (int i = 0; i < N_TRAIN; i++) train[i] = i;
    for (int i = 0; i < N_VAL; i++) val[i] = N_TRAIN + i;
    for (int i = 0; i < N - N_TRAIN - N_VAL; i++) test[i] = N_TRAIN + N_VAL + i;
}

static double test_auc(const double *p, const int8_t *y, const int *test, int n)
{
    int8_t *yt = malloc((size_t)n);
    for (int i = 0; i < n; i++) yt[i] = y[test[i]];
    metrics m;
    assert_int_equal(metrics_compute(p, yt, n, &m), 0);
    free(yt);
    return m.auc;
}

static void test_learns_xor(void **state)
{
    float *X = malloc(sizeof(float) * N * D);
    int8_t y[N];
    int train[N_TRAIN], val[N_VAL], test[N - N_TRAIN - N_VAL];
    enum { NT = N - N_TRAIN - N_VAL };
    double p[NT];
    make_xor(X, y, 1);
    ranges(train, val, test);

    logreg_model lr;
    assert_int_equal(logreg_fit_rows(X, y, train, N_TRAIN, D, D, 1e-3, 1, &lr, NULL), 0);
    for (int i = 0; i < NT; i++) p[i] = logreg_predict(&lr, X + test[i] * D);
    double auc_lr = test_auc(p, y, test, NT);
    logreg_free(&lr);

    const double wd[] = {1e-3, 1e-1};
    mlp_options opt;
    mlp_default_options(&opt);
    mlp_model m;
    mlp_report rep;
    assert_int_equal(mlp_fit(X, y, D, D, train, N_TRAIN, val, N_VAL, wd, 2, &opt, &m, &rep), 0);
    assert_int_equal(mlp_predict_rows(&m, X, test, NT, p), 0);
    double auc_mlp = test_auc(p, y, test, NT);
    assert_true(auc_lr < 0.65);            /* no linear rule ranks XOR */
    assert_true(auc_mlp > 0.9);            /* one hidden layer does */
    assert_true(m.weight_decay == wd[0] || m.weight_decay == wd[1]);
    assert_true(rep.weight_decay == m.weight_decay);
    assert_int_equal(m.hidden, 32);
    assert_int_equal(m.dim, D);
    mlp_free(&m);
    free(X);
}

/* Balanced log loss of the model on rows, as mlp_fit measures validation loss. */
static double balanced_loss(const mlp_model *m, const float *X, const int8_t *y, const int *rows, int n)
{
    int pos = 0;
    for (int i = 0; i < n; i++) pos += y[rows[i]];
    double loss = 0;
    for (int i = 0; i < n; i++) {
        double p = mlp_predict(m, X + (size_t)rows[i] * D);
        loss += y[rows[i]] ? -0.5 / pos * log(p) : -0.5 / (n - pos) * log(1 - p);
    }
    return loss;
}

static void test_early_stopping(void **state)
{
    /* Labels that are pure noise: the validation loss can only get worse after the first rounds,
       so training stops well before max_rounds and keeps an early round's weights. */
    float *X = malloc(sizeof(float) * N * D);
    int8_t y[N];
    int train[N_TRAIN], val[N_VAL], test[N - N_TRAIN - N_VAL];
    make_xor(X, y, 2);
    rng r = {3};
    for (int i = 0; i < N; i++) y[i] = rng_next(&r) % 2;
    ranges(train, val, test);
    const double wd[] = {1e-3};
    mlp_options opt;
    mlp_default_options(&opt);
    opt.learning_rate = 1e-2;              /* overfit fast */
    mlp_model m;
    mlp_report rep;
    assert_int_equal(mlp_fit(X, y, D, D, train, 200, val, N_VAL, wd, 1, &opt, &m, &rep), 0);
    assert_true(rep.rounds < opt.max_rounds);
    assert_int_equal(rep.rounds, rep.best_round + opt.patience);
    /* The weights returned are the best round's: their validation loss is the one reported. */
    assert_true(fabs(balanced_loss(&m, X, y, val, N_VAL) - rep.val_loss) < 1e-4);
    mlp_free(&m);
    free(X);
}

static void test_deterministic(void **state)
{
    float *X = malloc(sizeof(float) * N * D);
    int8_t y[N];
    int train[N_TRAIN], val[N_VAL], test[N - N_TRAIN - N_VAL];
    make_xor(X, y, 4);
    ranges(train, val, test);
    const double wd[] = {1e-3, 1e-1};
    mlp_options opt;
    mlp_default_options(&opt);
    mlp_model a, b;
    assert_int_equal(mlp_fit(X, y, D, D, train, N_TRAIN, val, N_VAL, wd, 2, &opt, &a, NULL), 0);
    assert_int_equal(mlp_fit(X, y, D, D, train, N_TRAIN, val, N_VAL, wd, 2, &opt, &b, NULL), 0);
    assert_memory_equal(a.w1, b.w1, sizeof(float) * D * a.hidden);
    assert_memory_equal(a.w2, b.w2, sizeof(float) * a.hidden);
    assert_true(a.b2 == b.b2);
    mlp_free(&b);
    opt.seed++;                            /* another seed, other weights */
    assert_int_equal(mlp_fit(X, y, D, D, train, N_TRAIN, val, N_VAL, wd, 2, &opt, &b, NULL), 0);
    assert_true(memcmp(a.w1, b.w1, sizeof(float) * D * a.hidden) != 0);
    mlp_free(&a), mlp_free(&b);
    free(X);
}

static void test_predict_agrees(void **state)
{
    float *X = malloc(sizeof(float) * N * D);
    int8_t y[N];
    int train[N_TRAIN], val[N_VAL], test[N - N_TRAIN - N_VAL];
    make_xor(X, y, 5);
    ranges(train, val, test);
    const double wd[] = {1e-2};
    mlp_options opt;
    mlp_default_options(&opt);
    opt.max_rounds = 3;
    mlp_model m;
    assert_int_equal(mlp_fit(X, y, D, 5, train, N_TRAIN, val, N_VAL, wd, 1, &opt, &m, NULL), 0);
    for (int j = 5; j < D; j++) {          /* columns past standardise_end are left alone */
        assert_true(m.mean[j] == 0.0f);
        assert_true(m.scale[j] == 1.0f);
    }
    double *p = malloc(sizeof(double) * N);
    assert_int_equal(mlp_predict_rows(&m, X, NULL, N, p), 0);   /* 2000 rows: several batches */
    for (int i = 0; i < N; i++) {
        assert_true(p[i] > 0 && p[i] < 1);
        assert_true(fabs(p[i] - mlp_predict(&m, X + i * D)) < 1e-5);
    }
    free(p);
    mlp_free(&m);
    free(X);
}

static void test_refuses_bad_input(void **state)
{
    float X[4 * D] = {0};
    int8_t y[4] = {1, 1, 0, 0};
    int train[2] = {0, 1}, val[2] = {2, 3}, mixed[2] = {0, 2};
    const double wd[] = {1e-3};
    mlp_options opt;
    mlp_default_options(&opt);
    mlp_model m;
    assert_int_equal(mlp_fit(X, y, D, D, train, 2, mixed, 2, wd, 1, &opt, &m, NULL), -1);   /* training: deletes only */
    assert_int_equal(mlp_fit(X, y, D, D, mixed, 2, val, 2, wd, 1, &opt, &m, NULL), -1);     /* validation: keeps only */
    opt.hidden = MLP_MAX_HIDDEN + 1;
    assert_int_equal(mlp_fit(X, y, D, D, mixed, 2, mixed, 2, wd, 1, &opt, &m, NULL), -1);
    assert_null(m.w1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learns_xor),
        cmocka_unit_test(test_early_stopping),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_predict_agrees),
        cmocka_unit_test(test_refuses_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
