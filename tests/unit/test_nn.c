/*
 * test_nn.c — the nn kernels against plain reference loops written here, on random data.
 *
 * Tolerance: |kernel − reference| ≤ 1e-4 × the largest |reference| value of the tensor (the
 * references accumulate in double, the kernels in float with BLAS's summation order).
 * TensorFlow's SAME padding is recomputed here from its definition, independently of
 * nn_same_padding, so an asymmetric-padding mistake cannot cancel out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/block.h"
#include "nn/conv.h"
#include "nn/depthwise.h"
#include "nn/eltwise.h"
#include "nn/gemm.h"
#include "nn/parallel.h"
#include "nn/pool.h"
#include "nn/resize.h"

/* ---- helpers ---- */

static uint32_t rng = 12345;

static float frand(void) /* uniform in [-1, 1) */
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) / 8388608.0 - 1.0);
}

static float *random_floats(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) p[i] = frand();
    return p;
}

static void assert_close(const float *got, const double *want, size_t n)
{
    double scale = 0;
    for (size_t i = 0; i < n; i++) scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
    if (scale == 0) scale = 1;
    for (size_t i = 0; i < n; i++)
        if (fabs(got[i] - want[i]) > 1e-4 * scale) fail_msg("element %zu: got %.7g, want %.7g (scale %.3g)", i, got[i], want[i], scale);
}

static double act_ref(double v, nn_act act)
{
    if (act == NN_ACT_NONE) return v;
    if (v < 0) v = 0;
    if (act == NN_ACT_RELU6 && v > 6) v = 6;
    return v;
}

/* TF SAME from its definition: out = ceil(in / s), total = max((out − 1)s + (k − 1)d + 1 − in, 0). */
static void same(int in, int k, int s, int d, int *out, int *before)
{
    *out = (in + s - 1) / s;
    int total = (*out - 1) * s + (k - 1) * d + 1 - in;
    *before = total > 0 ? total / 2 : 0;
}

/* ---- convolution ---- */

static double *conv_ref(const nn_conv2d *p, const float *in)
{
    size_t n_out = (size_t)p->n * p->oh * p->ow * p->oc;
    double *out = calloc(n_out, sizeof *out);
    for (int b = 0; b < p->n; b++)
        for (int oy = 0; oy < p->oh; oy++)
            for (int ox = 0; ox < p->ow; ox++)
                for (int co = 0; co < p->oc; co++) {
                    double s = p->bias ? p->bias[co] : 0;
                    for (int ky = 0; ky < p->kh; ky++)
                        for (int kx = 0; kx < p->kw; kx++) {
                            int iy = oy * p->sh - p->pad_top + ky * p->dh, ix = ox * p->sw - p->pad_left + kx * p->dw;
                            if (iy < 0 || iy >= p->h || ix < 0 || ix >= p->w) continue;
                            for (int ci = 0; ci < p->c; ci++)
                                s += (double)in[(((size_t)b * p->h + iy) * p->w + ix) * p->c + ci] *
                                     p->filter[(((size_t)ky * p->kw + kx) * p->c + ci) * p->oc + co];
                        }
                    out[(((size_t)b * p->oh + oy) * p->ow + ox) * p->oc + co] = act_ref(s, p->act);
                }
    return out;
}

/* Runs the kernel in row blocks of `block` (and the whole width of channels) and checks it. */
static void check_conv(nn_conv2d p, size_t block)
{
    size_t n_in = (size_t)p.n * p.h * p.w * p.c, n_out = (size_t)p.n * p.oh * p.ow * p.oc;
    float *in = random_floats(n_in), *filter = random_floats((size_t)p.kh * p.kw * p.c * p.oc);
    float *bias = random_floats((size_t)p.oc), *out = calloc(n_out, sizeof *out);
    p.filter = filter;
    p.bias = bias;
    float *scratch = malloc((nn_conv2d_scratch(&p, block) + 1) * sizeof *scratch);
    size_t rows = (size_t)p.n * p.oh * p.ow;
    for (size_t r = 0; r < rows; r += block)
        nn_conv2d_block(&p, in, out, r, r + block < rows ? r + block : rows, 0, (size_t)p.oc, scratch);
    double *want = conv_ref(&p, in);
    assert_close(out, want, n_out);
    free(in), free(filter), free(bias), free(out), free(scratch), free(want);
}

static nn_conv2d conv_same(int n, int h, int w, int c, int oc, int k, int s, nn_act act)
{
    nn_conv2d p = {.n = n, .h = h, .w = w, .c = c, .oc = oc, .kh = k, .kw = k, .sh = s, .sw = s, .dh = 1, .dw = 1, .act = act};
    same(h, k, s, 1, &p.oh, &p.pad_top);
    same(w, k, s, 1, &p.ow, &p.pad_left);
    return p;
}

static void test_conv_same_stride1(void **state)
{
    (void)state;
    check_conv(conv_same(2, 9, 7, 5, 7, 3, 1, NN_ACT_RELU6), 13);
}

static void test_conv_same_stride2_asymmetric(void **state)
{
    (void)state;
    nn_conv2d p = conv_same(2, 8, 10, 3, 6, 3, 2, NN_ACT_NONE);
    /* even input, stride 2, 3×3: one row/column of padding, all of it after */
    assert_int_equal(p.oh, 4);
    assert_int_equal(p.pad_top, 0);
    assert_int_equal(p.pad_left, 0);
    check_conv(p, 5);
    int out, before;
    nn_same_padding(224, 3, 2, 1, &out, &before);
    assert_int_equal(out, 112);
    assert_int_equal(before, 0);
    nn_same_padding(7, 3, 1, 1, &out, &before);
    assert_int_equal(out, 7);
    assert_int_equal(before, 1);
    nn_same_padding(9, 4, 1, 1, &out, &before); /* total 3: 1 before, 2 after */
    assert_int_equal(before, 1);
}

static void test_conv_pointwise(void **state)
{
    (void)state;
    nn_conv2d p = conv_same(3, 6, 5, 24, 40, 1, 1, NN_ACT_RELU);
    assert_true(nn_conv2d_is_pointwise(&p));
    assert_int_equal(nn_conv2d_scratch(&p, 100), 0);
    check_conv(p, 7);
}

static void test_conv_valid_dilated(void **state)
{
    (void)state;
    nn_conv2d p = {.n = 1, .h = 11, .w = 9, .c = 4, .oc = 5, .kh = 3, .kw = 2, .sh = 2, .sw = 1, .dh = 2, .dw = 3};
    p.oh = (11 - 5) / 2 + 1; /* effective height (3 − 1)·2 + 1 = 5 */
    p.ow = (9 - 4) / 1 + 1;  /* effective width (2 − 1)·3 + 1 = 4 */
    check_conv(p, 4);
}

static void test_conv_column_blocks(void **state)
{
    (void)state;
    nn_conv2d p = conv_same(1, 4, 4, 16, 96, 1, 1, NN_ACT_RELU6);
    size_t n_out = 16 * 96;
    float *in = random_floats(16 * 16), *filter = random_floats(16 * 96), *bias = random_floats(96);
    float *whole = calloc(n_out, sizeof *whole), *pieces = calloc(n_out, sizeof *pieces);
    p.filter = filter;
    p.bias = bias;
    nn_conv2d_block(&p, in, whole, 0, 16, 0, 96, NULL);
    for (size_t r = 0; r < 16; r += 5)
        for (size_t c = 0; c < 96; c += 32) nn_conv2d_block(&p, in, pieces, r, r + 5 < 16 ? r + 5 : 16, c, c + 32, NULL);
    /* blocks may change BLAS's summation order: equal to rounding, not bit for bit */
    double *want = malloc(n_out * sizeof *want);
    for (size_t i = 0; i < n_out; i++) want[i] = whole[i];
    assert_close(pieces, want, n_out);
    free(in), free(filter), free(bias), free(whole), free(pieces), free(want);
}

/* ---- depthwise ---- */

static void check_depthwise(nn_depthwise p, size_t block)
{
    int oc = p.c * p.mult;
    size_t n_in = (size_t)p.n * p.h * p.w * p.c, n_out = (size_t)p.n * p.oh * p.ow * oc;
    float *in = random_floats(n_in), *filter = random_floats((size_t)p.kh * p.kw * oc), *bias = random_floats((size_t)oc);
    float *out = calloc(n_out, sizeof *out);
    double *want = calloc(n_out, sizeof *want);
    for (int i = 0; i < oc; i++) bias[i] *= 3; /* so Relu6 clips some */
    p.filter = filter;
    p.bias = bias;
    size_t rows = (size_t)p.n * p.oh;
    for (size_t r = 0; r < rows; r += block) nn_depthwise_rows(&p, in, out, r, r + block < rows ? r + block : rows);
    for (int b = 0; b < p.n; b++)
        for (int oy = 0; oy < p.oh; oy++)
            for (int ox = 0; ox < p.ow; ox++)
                for (int ch = 0; ch < p.c; ch++)
                    for (int j = 0; j < p.mult; j++) {
                        int o = ch * p.mult + j;
                        double s = bias[o];
                        for (int ky = 0; ky < p.kh; ky++)
                            for (int kx = 0; kx < p.kw; kx++) {
                                int iy = oy * p.sh - p.pad_top + ky * p.dh, ix = ox * p.sw - p.pad_left + kx * p.dw;
                                if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
                                s += (double)in[(((size_t)b * p.h + iy) * p.w + ix) * p.c + ch] *
                                     filter[((size_t)ky * p.kw + kx) * oc + o];
                            }
                        want[(((size_t)b * p.oh + oy) * p.ow + ox) * oc + o] = act_ref(s, p.act);
                    }
    assert_close(out, want, n_out);
    free(in), free(filter), free(bias), free(out), free(want);
}

static nn_depthwise dw_same(int n, int h, int w, int c, int k, int s)
{
    nn_depthwise p = {.n = n, .h = h, .w = w, .c = c, .mult = 1, .kh = k, .kw = k, .sh = s, .sw = s, .dh = 1, .dw = 1,
                      .act = NN_ACT_RELU6};
    same(h, k, s, 1, &p.oh, &p.pad_top);
    same(w, k, s, 1, &p.ow, &p.pad_left);
    return p;
}

static void test_depthwise_stride1(void **state)
{
    (void)state;
    /* 83 channels = one 64-block, one 16-block and a tail of 3; width 13 exercises the 4-pixel path
       and the border pixels */
    check_depthwise(dw_same(2, 7, 13, 83, 3, 1), 3);
    check_depthwise(dw_same(1, 5, 9, 16, 3, 1), 1);
}

static void test_depthwise_stride2(void **state)
{
    (void)state;
    nn_depthwise p = dw_same(2, 10, 12, 48, 3, 2);
    assert_int_equal(p.pad_top, 0); /* asymmetric: all padding after */
    check_depthwise(p, 2);
    check_depthwise(dw_same(1, 9, 11, 21, 3, 2), 4); /* odd: one before, one after */
}

static void test_depthwise_multiplier_dilation(void **state)
{
    (void)state;
    nn_depthwise p = {.n = 1, .h = 8, .w = 9, .c = 5, .mult = 3, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .dh = 1, .dw = 1,
                      .act = NN_ACT_NONE};
    same(8, 3, 1, 1, &p.oh, &p.pad_top);
    same(9, 3, 1, 1, &p.ow, &p.pad_left);
    check_depthwise(p, 3);
    nn_depthwise q = {.n = 1, .h = 12, .w = 14, .c = 20, .mult = 1, .kh = 5, .kw = 5, .sh = 1, .sw = 2, .dh = 2, .dw = 2,
                      .act = NN_ACT_RELU};
    same(12, 5, 1, 2, &q.oh, &q.pad_top);
    same(14, 5, 2, 2, &q.ow, &q.pad_left);
    check_depthwise(q, 5);
}

/* ---- fused 1×1 → depthwise → 1×1 ---- */

/* The block against its three layers run one after another with the plain kernels; split into
   row ranges, with a scratch budget small enough to make the ring wrap. */
static void check_block(int with_expand, int with_project, int h, int w, int cin, int cexp, int cout, int stride,
                        size_t bytes, int parts)
{
    int n = 2;
    nn_conv2d ex = conv_same(n, h, w, cin, cexp, 1, 1, NN_ACT_RELU6);
    nn_depthwise dw = dw_same(n, h, w, with_expand ? cexp : cin, 3, stride);
    int c = dw.c;
    nn_conv2d pr = conv_same(n, dw.oh, dw.ow, c, cout, 1, 1, NN_ACT_NONE);
    float *x = random_floats((size_t)n * h * w * (with_expand ? cin : c));
    float *exw = random_floats((size_t)cin * cexp), *exb = random_floats((size_t)cexp);
    float *dww = random_floats((size_t)9 * c), *dwb = random_floats((size_t)c);
    float *prw = random_floats((size_t)c * cout), *prb = random_floats((size_t)cout);
    for (int i = 0; i < c; i++) dwb[i] *= 3;
    ex.filter = exw, ex.bias = exb, dw.filter = dww, dw.bias = dwb, pr.filter = prw, pr.bias = prb;
    size_t mid = (size_t)n * h * w * c, dwo = (size_t)n * dw.oh * dw.ow * c;
    size_t out_n = (size_t)n * dw.oh * dw.ow * (with_project ? cout : c);
    float *e = calloc(mid, sizeof *e), *d = calloc(dwo, sizeof *d), *want = calloc(out_n, sizeof *want);
    const float *dw_in = x;
    if (with_expand) {
        nn_conv2d_block(&ex, x, e, 0, (size_t)n * h * w, 0, (size_t)cexp, NULL);
        dw_in = e;
    }
    nn_depthwise_rows(&dw, dw_in, with_project ? d : want, 0, (size_t)n * dw.oh);
    if (with_project) nn_conv2d_block(&pr, d, want, 0, (size_t)n * dw.oh * dw.ow, 0, (size_t)cout, NULL);

    nn_block b = {with_expand ? &ex : NULL, &dw, with_project ? &pr : NULL, 0, 0, 0};
    size_t scratch_n = nn_block_prepare(&b, bytes);
    assert_true(b.ring_rows >= 3 && b.group >= 1 && b.dw_rows >= 1);
    float *scratch = malloc((scratch_n + 1) * sizeof *scratch), *got = calloc(out_n, sizeof *got);
    int per = (dw.oh + parts - 1) / parts;
    for (int img = 0; img < n; img++)
        for (int oy = 0; oy < dw.oh; oy += per) nn_block_rows(&b, x, got, img, oy, oy + per < dw.oh ? oy + per : dw.oh, scratch);
    double *ref = malloc(out_n * sizeof *ref);
    for (size_t i = 0; i < out_n; i++) ref[i] = want[i];
    assert_close(got, ref, out_n);
    free(x), free(exw), free(exb), free(dww), free(dwb), free(prw), free(prb);
    free(e), free(d), free(want), free(scratch), free(got), free(ref);
}

static void test_block(void **state)
{
    (void)state;
    check_block(1, 1, 9, 11, 5, 32, 7, 1, 1 << 20, 1);   /* roomy scratch: whole image at once */
    check_block(1, 1, 9, 11, 5, 32, 7, 1, 4096, 1);      /* one row per GEMM, the ring wraps */
    check_block(1, 1, 10, 12, 6, 48, 8, 2, 6000, 3);     /* stride 2, split into row ranges */
    check_block(1, 1, 11, 7, 3, 20, 5, 2, 3000, 2);      /* odd size, stride 2 */
    check_block(0, 1, 8, 9, 16, 0, 12, 1, 5000, 2);      /* depthwise + project (MobileNetV2's first block) */
    check_block(1, 0, 8, 9, 4, 24, 0, 1, 5000, 4);       /* expand + depthwise */
}

/* ---- pooling ---- */

static void check_avgpool(nn_avgpool p)
{
    size_t n_in = (size_t)p.n * p.h * p.w * p.c, n_out = (size_t)p.n * p.oh * p.ow * p.c;
    float *in = random_floats(n_in), *out = calloc(n_out, sizeof *out);
    double *want = calloc(n_out, sizeof *want);
    nn_avgpool_rows(&p, in, out, 0, (size_t)p.n * p.oh);
    for (int b = 0; b < p.n; b++)
        for (int oy = 0; oy < p.oh; oy++)
            for (int ox = 0; ox < p.ow; ox++)
                for (int ch = 0; ch < p.c; ch++) {
                    double s = 0;
                    int count = 0;
                    for (int ky = 0; ky < p.kh; ky++)
                        for (int kx = 0; kx < p.kw; kx++) {
                            int iy = oy * p.sh - p.pad_top + ky, ix = ox * p.sw - p.pad_left + kx;
                            if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
                            s += in[(((size_t)b * p.h + iy) * p.w + ix) * p.c + ch];
                            count++;
                        }
                    want[(((size_t)b * p.oh + oy) * p.ow + ox) * p.c + ch] = count ? s / count : 0;
                }
    assert_close(out, want, n_out);
    free(in), free(out), free(want);
}

static void test_avgpool(void **state)
{
    (void)state;
    nn_avgpool global = {.n = 3, .h = 7, .w = 7, .c = 40, .oh = 1, .ow = 1, .kh = 7, .kw = 7, .sh = 1, .sw = 1};
    check_avgpool(global);
    nn_avgpool p = {.n = 2, .h = 8, .w = 9, .c = 6, .kh = 3, .kw = 3, .sh = 2, .sw = 2};
    same(8, 3, 2, 1, &p.oh, &p.pad_top);
    same(9, 3, 2, 1, &p.ow, &p.pad_left);
    check_avgpool(p);
}

/* ---- dense, softmax, broadcasting ---- */

static void check_dense(int transpose, size_t rows, size_t k, size_t n)
{
    float *x = random_floats(rows * k), *w = random_floats(k * n), *bias = random_floats(n);
    float *y = calloc(rows * n, sizeof *y);
    double *want = calloc(rows * n, sizeof *want);
    nn_dense d = {k, n, transpose, w, bias, NN_ACT_NONE};
    for (size_t r = 0; r < rows; r += 3)
        for (size_t c = 0; c < n; c += 16) nn_dense_block(&d, x, y, r, r + 3 < rows ? r + 3 : rows, c, c + 16 < n ? c + 16 : n);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < n; c++) {
            double s = bias[c];
            for (size_t i = 0; i < k; i++) s += (double)x[r * k + i] * (transpose ? w[c * k + i] : w[i * n + c]);
            want[r * n + c] = s;
        }
    assert_close(y, want, rows * n);
    free(x), free(w), free(bias), free(y), free(want);
}

static void test_dense(void **state)
{
    (void)state;
    check_dense(0, 7, 33, 37);
    check_dense(1, 5, 20, 48);
    check_dense(0, 1, 1792, 5);
}

static void test_softmax(void **state)
{
    (void)state;
    size_t rows = 4, cols = 9;
    float *x = random_floats(rows * cols), *y = calloc(rows * cols, sizeof *y);
    for (size_t i = 0; i < cols; i++) x[cols + i] = 80.0f + (float)i; /* would overflow expf unshifted */
    double *want = calloc(rows * cols, sizeof *want);
    nn_softmax_rows(x, y, cols, 0, rows);
    for (size_t r = 0; r < rows; r++) {
        double mx = -INFINITY, sum = 0;
        for (size_t c = 0; c < cols; c++) mx = fmax(mx, x[r * cols + c]);
        for (size_t c = 0; c < cols; c++) sum += exp(x[r * cols + c] - mx);
        for (size_t c = 0; c < cols; c++) want[r * cols + c] = exp(x[r * cols + c] - mx) / sum;
    }
    assert_close(y, want, rows * cols);
    nn_softmax_rows(x, x, cols, 0, rows); /* in place */
    assert_memory_equal(x, y, rows * cols * sizeof *x);
    free(x), free(y), free(want);
}

static void check_binary(nn_binop op, const int64_t *da, int ra, const int64_t *db, int rb)
{
    nn_broadcast bc;
    assert_int_equal(nn_broadcast_init(&bc, da, ra, db, rb), 0);
    size_t na = 1, nb = 1;
    for (int i = 0; i < ra; i++) na *= (size_t)da[i];
    for (int i = 0; i < rb; i++) nb *= (size_t)db[i];
    float *a = random_floats(na), *b = random_floats(nb), *out = calloc(bc.total, sizeof *out);
    double *want = calloc(bc.total, sizeof *want);
    for (size_t i = 0; i < bc.total; i += 5) nn_binary(op, &bc, a, b, out, i, i + 5 < bc.total ? i + 5 : bc.total);
    /* reference: unravel the output index over the right-aligned output shape */
    int r = ra > rb ? ra : rb;
    int64_t dim[8];
    for (int i = 0; i < r; i++) {
        int ia = i - (r - ra), ib = i - (r - rb);
        int64_t x = ia >= 0 ? da[ia] : 1, y = ib >= 0 ? db[ib] : 1;
        dim[i] = x > y ? x : y;
    }
    for (size_t idx = 0; idx < bc.total; idx++) {
        size_t rem = idx, oa = 0, ob = 0, sa = 1, sb = 1;
        for (int i = r - 1; i >= 0; i--) {
            size_t q = rem % (size_t)dim[i];
            rem /= (size_t)dim[i];
            int ia = i - (r - ra), ib = i - (r - rb);
            if (ia >= 0) { oa += (da[ia] == 1 ? 0 : q) * sa; sa *= (size_t)da[ia]; }
            if (ib >= 0) { ob += (db[ib] == 1 ? 0 : q) * sb; sb *= (size_t)db[ib]; }
        }
        double x = a[oa], y = b[ob];
        want[idx] = op == NN_ADD ? x + y : op == NN_SUB ? x - y : x * y;
    }
    assert_close(out, want, bc.total);
    free(a), free(b), free(out), free(want);
}

static void test_broadcast(void **state)
{
    (void)state;
    int64_t act[] = {2, 3, 4, 5}, scalar[] = {1}, chan[] = {5}, mid[] = {3, 1, 5}, one[] = {1, 1, 1, 1};
    check_binary(NN_MUL, scalar, 0, act, 4); /* scalar first, as the model's Mul(y, input) */
    check_binary(NN_SUB, act, 4, scalar, 1);
    check_binary(NN_ADD, act, 4, act, 4);
    check_binary(NN_ADD, act, 4, chan, 1);
    check_binary(NN_SUB, mid, 3, act, 4);
    check_binary(NN_MUL, one, 4, act, 4);
    nn_broadcast bc;
    int64_t bad[] = {4}, zero[] = {2, 0};
    assert_int_equal(nn_broadcast_init(&bc, act, 4, bad, 1), -1);
    assert_int_equal(nn_broadcast_init(&bc, zero, 2, chan, 1), -1);
}

/* ---- resize ---- */

static void test_resize(void **state)
{
    (void)state;
    uint8_t src[5 * 4 * 3];
    for (size_t i = 0; i < sizeof src; i++) src[i] = (uint8_t)(i * 37 % 256);
    float same_size[5 * 4 * 3];
    nn_resize_bilinear_rgb8(src, 5, 4, same_size, 5, 4, 1);
    for (size_t i = 0; i < sizeof src; i++) assert_true(same_size[i] == (float)(src[i] / 255.0));
    /* align corners: the four corners are copied; the centre of a 3×3 from 2×2 is the mean */
    uint8_t two[2 * 2 * 3] = {0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255};
    float out[3 * 3 * 3];
    nn_resize_bilinear_rgb8(two, 2, 2, out, 3, 3, 1);
    assert_true(out[0] == 0.0f && out[(2 * 3 + 2) * 3 + 2] == 1.0f && out[(0 * 3 + 2) * 3 + 0] == 1.0f);
    for (int c = 0; c < 3; c++) assert_true(fabsf(out[(1 * 3 + 1) * 3 + c] - 0.25f) < 1e-7f);
    /* one row, one column */
    uint8_t px[3] = {51, 102, 153};
    nn_resize_bilinear_rgb8(px, 1, 1, out, 3, 3, 1);
    for (int i = 0; i < 9; i++) assert_true(fabsf(out[i * 3 + 1] - 0.4f) < 1e-7f);
}

/* ---- the pool ---- */

typedef struct {
    int *hits;
    int threads;
    int bad_thread;
} pool_probe;

static void probe_task(void *ctx, size_t task, int thread)
{
    pool_probe *p = ctx;
    __atomic_add_fetch(&p->hits[task], 1, __ATOMIC_RELAXED);
    if (thread < 0 || thread >= p->threads) p->bad_thread = 1;
}

static void test_pool(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 3; threads++) {
        nn_pool *pool = nn_pool_create(threads);
        assert_non_null(pool);
        assert_int_equal(nn_pool_threads(pool), threads);
        for (size_t n = 0; n < 300; n += 37) {
            pool_probe p = {calloc(n + 1, sizeof(int)), threads, 0};
            for (int round = 0; round < 3; round++) nn_pool_run(pool, n, probe_task, &p);
            for (size_t i = 0; i < n; i++) assert_int_equal(p.hits[i], 3);
            assert_false(p.bad_thread);
            free(p.hits);
        }
        nn_pool_destroy(pool);
    }
    pool_probe p = {calloc(5, sizeof(int)), 1, 0};
    nn_pool_run(NULL, 5, probe_task, &p);
    for (int i = 0; i < 5; i++) assert_int_equal(p.hits[i], 1);
    free(p.hits);
    assert_true(nn_cpu_count() >= 1);
}

int main(void)
{
    nn_gemm_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_same_stride1),
        cmocka_unit_test(test_conv_same_stride2_asymmetric),
        cmocka_unit_test(test_conv_pointwise),
        cmocka_unit_test(test_conv_valid_dilated),
        cmocka_unit_test(test_conv_column_blocks),
        cmocka_unit_test(test_depthwise_stride1),
        cmocka_unit_test(test_depthwise_stride2),
        cmocka_unit_test(test_depthwise_multiplier_dilation),
        cmocka_unit_test(test_block),
        cmocka_unit_test(test_avgpool),
        cmocka_unit_test(test_dense),
        cmocka_unit_test(test_softmax),
        cmocka_unit_test(test_broadcast),
        cmocka_unit_test(test_resize),
        cmocka_unit_test(test_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
