/*
 * test_tfjs.c — the TensorFlow.js graph-model loader, planner and encoder on a tiny model written
 * here (model.json + two shards), in float32 and uint8-quantized form, checked against a forward
 * pass computed here by plain loops; then the same model with one lie or mistake at a time, each of
 * which must give a clean error naming the problem (the ASan build checks nothing is read out of
 * bounds on the way).
 *
 * The tiny model has every op the nsfwjs MobileNetV2 uses, in the same arrangement:
 *   input [N,4,4,3] → Mul(2, x) → Sub(·, 1) → _FusedConv2D 3×3/2 SAME +bias Relu6 [N,2,2,4]
 *   → _FusedConv2D 1×1 4→8 +bias Relu6 → FusedDepthwiseConv2dNative 3×3/1 SAME +bias Relu6
 *   → _FusedConv2D 1×1 8→4 +bias → AddV2(conv, ·) → AvgPool 2×2 VALID
 *   → Squeeze[1,2] ("…/feature_vector/SpatialSqueeze", [N,4]) → _FusedMatMul 4×2 +bias → Softmax
 *   → Identity
 * so the encoder's vector is the 4 features then the 2 probabilities. The 1×1 → depthwise → 1×1
 * chain is checked both fused (nn/block.h) and layer by layer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encoders/encoder.h"
#include "encoders/tfjs_exec.h"
#include "encoders/tfjs_model.h"

#define FEATURE_NODE "net/feature_vector/SpatialSqueeze"
#define DIM 6

/* ---- the tiny model's weights ---- */

typedef struct {
    const char *name;
    int rank;
    int64_t dim[4];
} wdesc;

enum { MUL_Y, SUB_Y, CONV_W, CONV_B, EXP_W, EXP_B, DW_W, DW_B, PROJ_W, PROJ_B, DENSE_W, DENSE_B, N_W };
static const wdesc W[N_W] = {
    {"mul_y", 0, {0}},         {"sub_y", 0, {0}}, {"conv_w", 4, {3, 3, 3, 4}}, {"conv_b", 1, {4}},
    {"exp_w", 4, {1, 1, 4, 8}}, {"exp_b", 1, {8}}, {"dw_w", 4, {3, 3, 8, 1}},   {"dw_b", 1, {8}},
    {"proj_w", 4, {1, 1, 8, 4}}, {"proj_b", 1, {4}}, {"dense_w", 2, {4, 2}},    {"dense_b", 1, {2}},
};

static size_t count(int w)
{
    size_t n = 1;
    for (int i = 0; i < W[w].rank; i++) n *= (size_t)W[w].dim[i];
    return n;
}

/* The values the loader must produce, and the bytes of the shards. */
typedef struct {
    float value[N_W][128];
    uint8_t bytes[8192];
    size_t n_bytes;
    double qmin[N_W], qscale[N_W];
} weights;

static uint32_t rng = 99;
static uint32_t next(void)
{
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

static void make_weights(weights *w, int quantized)
{
    memset(w, 0, sizeof *w);
    for (int k = 0; k < N_W; k++) {
        size_t n = count(k);
        w->qmin[k] = k == MUL_Y ? 2 : k == SUB_Y ? 1 : -0.8 - 0.1 * k;
        w->qscale[k] = k <= SUB_Y ? 1 : (1.6 + 0.05 * k) / 255;
        for (size_t i = 0; i < n; i++) {
            if (quantized) {
                uint8_t q = k <= SUB_Y ? 0 : (uint8_t)next();
                w->value[k][i] = (float)(q * w->qscale[k] + w->qmin[k]);
                w->bytes[w->n_bytes++] = q;
            } else {
                float v = k == MUL_Y ? 2.0f : k == SUB_Y ? 1.0f : (float)((next() % 2000) / 1000.0 - 1.0);
                if (k == CONV_B || k == EXP_B || k == DW_B) v *= 4; /* so Relu6 clips at both ends */
                w->value[k][i] = v;
                memcpy(w->bytes + w->n_bytes, &v, 4);
                w->n_bytes += 4;
            }
        }
    }
}

/* ---- the model.json ---- */

/* {"list": {"i": ["a", "b", ...]}}, n values */
static json_t *list_i(int n, const int *v)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, "%d", v[i]);
        json_array_append_new(arr, json_string(buf));
    }
    return json_pack("{s:{s:o}}", "list", "i", arr);
}

static json_t *list_s(int n, const char *const *v)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(arr, json_string(v[i]));
    return json_pack("{s:{s:o}}", "list", "s", arr);
}

static json_t *shape_of(int rank, const int64_t *dim)
{
    json_t *dims = json_array();
    for (int i = 0; i < rank; i++) {
        char buf[24];
        snprintf(buf, sizeof buf, "%lld", (long long)dim[i]);
        json_array_append_new(dims, json_pack("{s:s}", "size", buf));
    }
    return json_pack("{s:o}", "dim", dims);
}

#define B64_SAME "U0FNRQ=="
#define B64_VALID "VkFMSUQ="
#define B64_NHWC "TkhXQw=="
#define B64_BIASADD "Qmlhc0FkZA=="
#define B64_RELU6 "UmVsdTY="

static json_t *node(const char *name, const char *op, json_t *inputs, json_t *attr)
{
    json_t *n = json_pack("{s:s,s:s}", "name", name, "op", op);
    if (inputs) json_object_set_new(n, "input", inputs);
    json_object_set_new(n, "attr", attr ? attr : json_object());
    return n;
}

static json_t *dt_float(void)
{
    return json_pack("{s:s}", "type", "DT_FLOAT");
}

static json_t *conv_attrs(int stride, const char *padding, int relu6)
{
    int strides[4] = {1, stride, stride, 1}, ones[4] = {1, 1, 1, 1};
    const char *fused[2] = {B64_BIASADD, B64_RELU6};
    return json_pack("{s:o,s:o,s:o,s:{s:s},s:{s:s},s:o,s:{s:s},s:o}", "T", dt_float(), "strides", list_i(4, strides),
                     "dilations", list_i(4, ones), "padding", "s", padding, "data_format", "s", B64_NHWC,
                     "fused_ops", list_s(relu6 ? 2 : 1, fused), "num_args", "i", "1", "explicit_paddings",
                     json_pack("{s:{}}", "list"));
}

static json_t *tiny_model(const weights *w, int quantized)
{
    json_t *nodes = json_array();
    int64_t in_dims[4] = {-1, 4, 4, 3};
    json_array_append_new(nodes, node("input", "Placeholder", NULL,
                                      json_pack("{s:{s:o},s:o}", "shape", "shape", shape_of(4, in_dims), "dtype", dt_float())));
    for (int k = 0; k < N_W; k++)
        json_array_append_new(nodes, node(W[k].name, "Const", NULL,
                                          json_pack("{s:{s:{s:s,s:o}},s:o}", "value", "tensor", "dtype", "DT_FLOAT",
                                                    "tensorShape", shape_of(W[k].rank, W[k].dim), "dtype", dt_float())));
    json_array_append_new(nodes, node("mul", "Mul", json_pack("[s,s]", "mul_y", "input"), json_pack("{s:o}", "T", dt_float())));
    json_array_append_new(nodes, node("sub", "Sub", json_pack("[s,s]", "mul", "sub_y"), json_pack("{s:o}", "T", dt_float())));
    json_array_append_new(nodes, node("conv", "_FusedConv2D", json_pack("[s,s,s]", "sub", "conv_w", "conv_b"),
                                      conv_attrs(2, B64_SAME, 1)));
    json_array_append_new(nodes, node("exp", "_FusedConv2D", json_pack("[s,s,s]", "conv", "exp_w", "exp_b"),
                                      conv_attrs(1, B64_VALID, 1)));
    json_array_append_new(nodes, node("dw", "FusedDepthwiseConv2dNative", json_pack("[s,s,s]", "exp", "dw_w", "dw_b"),
                                      conv_attrs(1, B64_SAME, 1)));
    json_array_append_new(nodes, node("proj", "_FusedConv2D", json_pack("[s,s,s]", "dw", "proj_w", "proj_b"),
                                      conv_attrs(1, B64_VALID, 0)));
    json_array_append_new(nodes, node("add", "AddV2", json_pack("[s,s]", "conv", "proj"), json_pack("{s:o}", "T", dt_float())));
    int k2[4] = {1, 2, 2, 1}, s1[4] = {1, 1, 1, 1}, sq[2] = {1, 2};
    json_array_append_new(nodes, node("pool", "AvgPool", json_pack("[s]", "add"),
                                      json_pack("{s:o,s:o,s:{s:s},s:{s:s},s:o}", "ksize", list_i(4, k2), "strides",
                                                list_i(4, s1), "padding", "s", B64_VALID, "data_format", "s", B64_NHWC,
                                                "T", dt_float())));
    json_array_append_new(nodes, node(FEATURE_NODE, "Squeeze", json_pack("[s]", "pool"),
                                      json_pack("{s:o,s:o}", "squeeze_dims", list_i(2, sq), "T", dt_float())));
    const char *bias_only[1] = {B64_BIASADD};
    json_array_append_new(nodes, node("dense", "_FusedMatMul", json_pack("[s,s,s]", FEATURE_NODE, "dense_w", "dense_b"),
                                      json_pack("{s:{s:b},s:{s:b},s:o,s:{s:s},s:o}", "transpose_a", "b", 0, "transpose_b",
                                                "b", 0, "fused_ops", list_s(1, bias_only), "num_args", "i", "1", "T",
                                                dt_float())));
    json_array_append_new(nodes, node("softmax", "Softmax", json_pack("[s]", "dense"), json_pack("{s:o}", "T", dt_float())));
    json_array_append_new(nodes, node("Identity", "Identity", json_pack("[s]", "softmax"), json_pack("{s:o}", "T", dt_float())));

    json_t *ws = json_array();
    for (int k = 0; k < N_W; k++) {
        json_t *shape = json_array();
        for (int i = 0; i < W[k].rank; i++) json_array_append_new(shape, json_integer(W[k].dim[i]));
        json_t *e = json_pack("{s:s,s:o,s:s}", "name", W[k].name, "shape", shape, "dtype", "float32");
        if (quantized)
            json_object_set_new(e, "quantization", json_pack("{s:f,s:f,s:s}", "min", w->qmin[k], "scale", w->qscale[k],
                                                             "dtype", "uint8"));
        json_array_append_new(ws, e);
    }
    return json_pack("{s:s,s:s,s:{s:o,s:{s:i}},s:[{s:[s,s],s:o}]}", "format", "graph-model", "generatedBy", "test",
                     "modelTopology", "node", nodes, "versions", "producer", 175, "weightsManifest", "paths",
                     "shard1.bin", "shard2.bin", "weights", ws);
}

/* The node called name in doc's topology. */
static json_t *find_node(json_t *doc, const char *name)
{
    json_t *nodes = json_object_get(json_object_get(doc, "modelTopology"), "node");
    for (size_t i = 0; i < json_array_size(nodes); i++) {
        json_t *n = json_array_get(nodes, i);
        if (strcmp(json_string_value(json_object_get(n, "name")), name) == 0) return n;
    }
    fail_msg("no node %s", name);
    return NULL;
}

static json_t *find_weight(json_t *doc, const char *name)
{
    json_t *ws = json_object_get(json_array_get(json_object_get(doc, "weightsManifest"), 0), "weights");
    for (size_t i = 0; i < json_array_size(ws); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(ws, i), "name")), name) == 0)
            return json_array_get(ws, i);
    fail_msg("no weight %s", name);
    return NULL;
}

/* ---- the forward pass by hand ---- */

static double relu6(double v)
{
    return v < 0 ? 0 : v > 6 ? 6 : v;
}

/* NHWC conv of one image: in h×w×c, filter kh×kw×c×oc (or depthwise kh×kw×c×1), pads before. */
static void conv_ref(const double *in, int h, int w, int c, const float *f, int k, int oc, int stride, int pad,
                     int depthwise, const float *bias, int act6, double *out, int oh, int ow)
{
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int co = 0; co < oc; co++) {
                double s = bias[co];
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                        if (depthwise) s += in[(iy * w + ix) * c + co] * f[(ky * k + kx) * c + co];
                        else
                            for (int ci = 0; ci < c; ci++) s += in[(iy * w + ix) * c + ci] * f[((ky * k + kx) * c + ci) * oc + co];
                    }
                out[(oy * ow + ox) * oc + co] = act6 ? relu6(s) : s;
            }
}

static void forward_ref(const weights *w, const uint8_t *rgb, double out[DIM])
{
    double x[48], conv[16], ex[32], dw[32], proj[16], feat[4], logits[2];
    for (int i = 0; i < 48; i++) {
        float v = (float)(rgb[i] / 255.0);
        x[i] = (float)((float)(w->value[MUL_Y][0] * v) - w->value[SUB_Y][0]);
    }
    /* 3×3 stride 2 SAME on 4×4: total padding 1, none before */
    conv_ref(x, 4, 4, 3, w->value[CONV_W], 3, 4, 2, 0, 0, w->value[CONV_B], 1, conv, 2, 2);
    conv_ref(conv, 2, 2, 4, w->value[EXP_W], 1, 8, 1, 0, 0, w->value[EXP_B], 1, ex, 2, 2);
    conv_ref(ex, 2, 2, 8, w->value[DW_W], 3, 8, 1, 1, 1, w->value[DW_B], 1, dw, 2, 2);
    conv_ref(dw, 2, 2, 8, w->value[PROJ_W], 1, 4, 1, 0, 0, w->value[PROJ_B], 0, proj, 2, 2);
    for (int c = 0; c < 4; c++) {
        feat[c] = 0;
        for (int p = 0; p < 4; p++) feat[c] += conv[p * 4 + c] + proj[p * 4 + c];
        feat[c] /= 4;
        out[c] = feat[c];
    }
    for (int j = 0; j < 2; j++) {
        logits[j] = w->value[DENSE_B][j];
        for (int c = 0; c < 4; c++) logits[j] += feat[c] * w->value[DENSE_W][c * 2 + j];
    }
    double m = fmax(logits[0], logits[1]), e0 = exp(logits[0] - m), e1 = exp(logits[1] - m);
    out[4] = e0 / (e0 + e1);
    out[5] = e1 / (e0 + e1);
}

/* ---- files ---- */

typedef struct {
    char dir[64];
    weights w;
    json_t *doc;
} fixture;

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

#define SPLIT 37 /* shard 1 ends in the middle of a weight */

/* Writes doc and the shard bytes (the first `len` of them) into the fixture's folder. */
static void write_model(const fixture *fx, const json_t *doc, size_t len)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    write_file(fx->dir, "model.json", text, strlen(text));
    free(text);
    size_t first = len < SPLIT ? len : SPLIT;
    write_file(fx->dir, "shard1.bin", fx->w.bytes, first);
    write_file(fx->dir, "shard2.bin", fx->w.bytes + first, len - first);
}

static fixture *new_fixture(int quantized)
{
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/cull-test-tfjs.XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    make_weights(&fx->w, quantized);
    fx->doc = tiny_model(&fx->w, quantized);
    write_model(fx, fx->doc, fx->w.n_bytes);
    return fx;
}

static void remove_dir(const char *dir)
{
    const char *names[] = {"model.json", "shard1.bin", "shard2.bin"};
    char path[256];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void free_fixture(fixture *fx)
{
    remove_dir(fx->dir);
    json_decref(fx->doc);
    free(fx);
}

static rgb_image test_image(int seed)
{
    rgb_image img = {4, 4, malloc(48)};
    for (int i = 0; i < 48; i++) img.rgb[i] = (uint8_t)(i * 53 + seed * 101);
    return img;
}

/* ---- the happy paths ---- */

static void check_vector(const float *got, const double *want)
{
    for (int i = 0; i < DIM; i++)
        if (fabs(got[i] - want[i]) > 1e-4 * fmax(1.0, fabs(want[i]))) fail_msg("output %d: got %.7g, want %.7g", i, got[i], want[i]);
}

static void run_model(int quantized)
{
    fixture *fx = new_fixture(quantized);
    char err[512];
    encoder *enc = tfjs_encoder_open(fx->dir, NULL, err, sizeof err);
    if (!enc) fail_msg("%s", err);
    assert_int_equal(enc->dim, DIM);
    assert_true(strncmp(enc->id, "tfjs-", 5) == 0 && strlen(enc->id) == 5 + 12);
    assert_string_equal(enc->name, fx->dir);
    assert_non_null(enc->encode_batch);
    rgb_image imgs[5];
    float batch[5 * DIM], one[DIM];
    for (int i = 0; i < 5; i++) {
        imgs[i] = test_image(i);
        double want[DIM];
        forward_ref(&fx->w, imgs[i].rgb, want);
        assert_int_equal(enc->encode(enc, &imgs[i], one, err, sizeof err), 0);
        check_vector(one, want);
        assert_true(fabsf(one[4] + one[5] - 1.0f) < 1e-6f);
    }
    for (int n = 1; n <= 5; n += 4) { /* fewer images than threads, and more */
        assert_int_equal(enc->encode_batch(enc, imgs, n, batch, err, sizeof err), 0);
        for (int i = 0; i < n; i++) {
            double want[DIM];
            forward_ref(&fx->w, imgs[i].rgb, want);
            check_vector(batch + i * DIM, want);
        }
    }
    rgb_image empty = {0, 0, NULL};
    assert_int_equal(enc->encode(enc, &empty, one, err, sizeof err), -1);
    assert_int_equal(enc->encode_batch(enc, &empty, 1, batch, err, sizeof err), -1);
    /* another image size goes through the resize */
    rgb_image big = {9, 6, calloc(9 * 6 * 3, 1)};
    assert_int_equal(enc->encode(enc, &big, one, err, sizeof err), 0);
    free(big.rgb);
    for (int i = 0; i < 5; i++) free(imgs[i].rgb);
    encoder_close(enc);
    free_fixture(fx);
}

static void test_float32_model(void **state)
{
    (void)state;
    size_t keep = tfjs_fuse_min_floats;
    run_model(0);
    tfjs_fuse_min_floats = 0; /* the 1×1 → depthwise → 1×1 chain fused */
    run_model(0);
    tfjs_fuse_min_floats = keep;
}

static void test_quantized_model(void **state)
{
    (void)state;
    size_t keep = tfjs_fuse_min_floats;
    run_model(1);
    tfjs_fuse_min_floats = 0;
    run_model(1);
    tfjs_fuse_min_floats = keep;
}

/* Tensors alive at the same time never share memory, and some memory is shared. */
static void test_plan_layout(void **state)
{
    (void)state;
    fixture *fx = new_fixture(0);
    char err[512];
    tfjs_model m;
    tfjs_plan p;
    assert_int_equal(tfjs_model_load(fx->dir, &m, err, sizeof err), 0);
    int outs[2] = {tfjs_model_find(&m, FEATURE_NODE), tfjs_model_find(&m, "Identity")};
    assert_true(outs[0] >= 0 && outs[1] >= 0);
    int sinks[4];
    assert_int_equal(tfjs_default_outputs(&m, sinks, 4), 1);
    assert_int_equal(sinks[0], outs[1]);
    assert_int_equal(tfjs_plan_build(&m, outs, 2, fx->dir, &p, err, sizeof err), 0);
    assert_int_equal(p.out_elems, DIM);
    size_t total = 0;
    for (int i = 0; i < p.n_bufs; i++) {
        total += p.bufs[i].size;
        for (int j = 0; j < i; j++) {
            const tfjs_buffer *a = &p.bufs[i], *b = &p.bufs[j];
            int live = a->first <= b->last && b->first <= a->last;
            int overlap = a->offset < b->offset + b->size && b->offset < a->offset + a->size;
            assert_false(live && overlap);
        }
    }
    assert_true(p.arena_per_image < total);
    /* identity and squeeze are views: the feature output shares the pool's buffer */
    assert_int_equal(p.tensors[outs[0]].buf, p.tensors[tfjs_model_find(&m, "pool")].buf);
    for (int i = 0; i < p.n_steps; i++) assert_int_equal(p.steps[i].chain, 0); /* tiny tensors: not fused */
    tfjs_plan_free(&p);

    /* fused: one chain of three steps, whose inner tensors get no memory */
    size_t keep = tfjs_fuse_min_floats;
    tfjs_fuse_min_floats = 0;
    assert_int_equal(tfjs_plan_build(&m, outs, 2, fx->dir, &p, err, sizeof err), 0);
    tfjs_fuse_min_floats = keep;
    int chains = 0;
    for (int i = 0; i < p.n_steps; i++)
        if (p.steps[i].chain) {
            chains++;
            assert_int_equal(p.steps[i].chain, 2);
            assert_int_equal(p.steps[i].node, tfjs_model_find(&m, "exp"));
            assert_true(p.steps[i + 1].fused && p.steps[i + 2].fused);
        }
    assert_int_equal(chains, 1);
    assert_int_equal(p.tensors[tfjs_model_find(&m, "exp")].buf, -1);
    assert_int_equal(p.tensors[tfjs_model_find(&m, "dw")].buf, -1);
    int in_buf = p.tensors[tfjs_model_find(&m, "conv")].buf, out_buf = p.tensors[tfjs_model_find(&m, "proj")].buf;
    assert_true(in_buf >= 0 && out_buf >= 0 && in_buf != out_buf);
    const tfjs_buffer *bi = &p.bufs[in_buf], *bo = &p.bufs[out_buf];
    assert_false(bi->offset < bo->offset + bo->size && bo->offset < bi->offset + bi->size);
    tfjs_plan_free(&p);
    tfjs_model_free(&m);
    free_fixture(fx);
}

/* ---- threads ---- */

typedef struct {
    encoder *enc;
    float out[DIM];
    int rc;
} thread_arg;

static void *encode_thread(void *arg)
{
    thread_arg *a = arg;
    rgb_image img = test_image(3);
    char err[256];
    for (int i = 0; i < 20 && a->rc == 0; i++) a->rc = a->enc->encode(a->enc, &img, a->out, err, sizeof err);
    free(img.rgb);
    return NULL;
}

static void test_concurrent_encode(void **state)
{
    (void)state;
    fixture *fx = new_fixture(1);
    char err[512];
    encoder *enc = tfjs_encoder_open(fx->dir, NULL, err, sizeof err);
    assert_non_null(enc);
    thread_arg args[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){enc, {0}, 0};
        pthread_create(&th[i], NULL, encode_thread, &args[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(args[i].rc, 0);
        assert_memory_equal(args[i].out, args[0].out, sizeof args[0].out);
    }
    encoder_close(enc);
    free_fixture(fx);
}

/* ---- the registry ---- */

static void test_registry(void **state)
{
    (void)state;
    char models[64] = "/tmp/cull-test-models.XXXXXX", sub[128], buf[256], err[512];
    assert_non_null(mkdtemp(models));
    setenv("CULL_MODELS", models, 1);
    assert_string_equal(encoder_models_dir(buf, sizeof buf), models);
    assert_string_equal(encoder_default_name(), "lite");
    encoder *enc = encoder_open("mobilenet", err, sizeof err);
    assert_null(enc);
    assert_non_null(strstr(err, "cull model fetch mobilenet"));
    assert_null(encoder_open("nope", err, sizeof err));
    assert_non_null(strstr(err, "lite, mobilenet"));

    /* the tiny model installed as "mobilenet" */
    fixture *fx = new_fixture(0);
    snprintf(sub, sizeof sub, "%s/mobilenet", models);
    assert_int_equal(rename(fx->dir, sub), 0);
    assert_string_equal(encoder_default_name(), "mobilenet");
    enc = encoder_open(NULL, err, sizeof err);
    if (!enc) fail_msg("%s", err);
    assert_string_equal(enc->name, "mobilenet");
    assert_true(strncmp(enc->id, "mobilenet-", 10) == 0 && strlen(enc->id) == 10 + 12);
    encoder_close(enc);
    enc = encoder_open(sub, err, sizeof err); /* a path: the generic encoder, same checksum */
    assert_non_null(enc);
    assert_true(strncmp(enc->id, "tfjs-", 5) == 0);
    encoder_close(enc);
    memcpy(fx->dir, sub, strlen(sub) + 1 <= sizeof fx->dir ? strlen(sub) + 1 : 0);
    free_fixture(fx);
    rmdir(models);

    unsetenv("CULL_MODELS");
    setenv("XDG_DATA_HOME", "/xdg", 1);
    assert_string_equal(encoder_models_dir(buf, sizeof buf), "/xdg/cull/models");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/someone", 1);
    assert_string_equal(encoder_models_dir(buf, sizeof buf), "/home/someone/.local/share/cull/models");
}

/* ---- lies and mistakes ---- */

typedef struct {
    const uint8_t *data;
    size_t len;
} mem_shards;

/* shard1.bin and shard2.bin split as on disk; anything else does not exist */
static int mem_reader(void *ctx, const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    const mem_shards *m = ctx;
    size_t first = m->len < SPLIT ? m->len : SPLIT;
    const uint8_t *src;
    if (strcmp(path, "shard1.bin") == 0) src = m->data, *len = first;
    else if (strcmp(path, "shard2.bin") == 0) src = m->data + first, *len = m->len - first;
    else {
        snprintf(err, errlen, "No such file or directory");
        return -1;
    }
    *data = malloc(*len ? *len : 1);
    memcpy(*data, src, *len);
    return 0;
}

/* Loads and plans doc (text if not NULL) with the first len shard bytes; returns the error text
   ("" when it worked). */
static const char *try_load(const char *text, const json_t *doc, const weights *w, size_t len)
{
    static char err[1024];
    err[0] = '\0';
    char *owned = text ? NULL : json_dumps(doc, JSON_COMPACT);
    const char *json = text ? text : owned;
    mem_shards shards = {w->bytes, len};
    tfjs_model m;
    if (tfjs_model_parse(json, strlen(json), "dir", mem_reader, &shards, &m, err, sizeof err) == 0) {
        int outs[TFJS_MAX_OUTPUTS], n = tfjs_default_outputs(&m, outs, TFJS_MAX_OUTPUTS);
        tfjs_plan p;
        if (n == 0) snprintf(err, sizeof err, "no outputs");
        else if (tfjs_plan_build(&m, outs, n, "dir", &p, err, sizeof err) == 0) tfjs_plan_free(&p);
        tfjs_model_free(&m);
    }
    free(owned);
    return err;
}

static void expect_error(const char *err, const char *needle)
{
    if (!strstr(err, needle)) fail_msg("expected an error containing \"%s\", got \"%s\"", needle, err);
    assert_true(strncmp(err, "dir/", 4) == 0); /* names the file */
}

static void test_good_model_loads_from_memory(void **state)
{
    (void)state;
    weights w;
    make_weights(&w, 1);
    json_t *doc = tiny_model(&w, 1);
    assert_string_equal(try_load(NULL, doc, &w, w.n_bytes), "");
    json_decref(doc);
}

static void test_shard_size_lies(void **state)
{
    (void)state;
    weights w;
    make_weights(&w, 0);
    json_t *doc = tiny_model(&w, 0);
    expect_error(try_load(NULL, doc, &w, w.n_bytes - 3), "truncated");
    expect_error(try_load(NULL, doc, &w, 10), "truncated");
    expect_error(try_load(NULL, doc, &w, 0), "truncated");
    /* more bytes than the weights take */
    w.n_bytes += 8;
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "extra bytes");
    w.n_bytes -= 8;
    /* a manifest shape larger than the data, consistently in the graph too */
    json_array_set_new(json_object_get(find_weight(doc, "conv_b"), "shape"), 0, json_integer(5));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "truncated");
    json_decref(doc);
}

static void test_shape_lies(void **state)
{
    (void)state;
    weights w;
    make_weights(&w, 0);
    json_t *doc = tiny_model(&w, 0);
    /* the graph and the manifest disagree (same byte count) */
    json_t *shape = json_object_get(find_weight(doc, "conv_w"), "shape");
    json_array_set_new(shape, 0, json_integer(1));
    json_array_set_new(shape, 1, json_integer(9));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "declares shape");
    json_decref(doc);
    /* both agree on a filter that does not fit the input */
    doc = tiny_model(&w, 0);
    json_t *dims = json_object_get(json_object_get(json_object_get(json_object_get(json_object_get(find_node(doc, "conv_w"), "attr"), "value"), "tensor"), "tensorShape"), "dim");
    json_object_set_new(json_array_get(dims, 2), "size", json_string("4"));
    json_object_set_new(json_array_get(dims, 3), "size", json_string("3"));
    shape = json_object_get(find_weight(doc, "conv_w"), "shape");
    json_array_set_new(shape, 2, json_integer(4));
    json_array_set_new(shape, 3, json_integer(3));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "does not fit");
    json_decref(doc);
}

static void test_dimension_lies(void **state)
{
    (void)state;
    weights w;
    make_weights(&w, 0);
    json_t *doc = tiny_model(&w, 0);
    json_t *shape = json_object_get(find_weight(doc, "conv_b"), "shape");
    json_array_set_new(shape, 0, json_integer(-4));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "dimension 0");
    json_array_set_new(shape, 0, json_string("4x"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "dimension 0");
    /* huge: refused before anything is allocated from it */
    json_array_set_new(shape, 0, json_integer(2000000000));
    json_array_append_new(shape, json_integer(2000000000));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "elements");
    json_array_set_new(shape, 1, json_integer(1));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "weights need over"); /* 8 GB of float32 */
    json_decref(doc);
    /* an input far too large, and one of unknown size */
    doc = tiny_model(&w, 0);
    json_t *dims = json_object_get(json_object_get(json_object_get(json_object_get(find_node(doc, "input"), "attr"), "shape"), "shape"), "dim");
    json_object_set_new(json_array_get(dims, 1), "size", json_string("100000"));
    json_object_set_new(json_array_get(dims, 2), "size", json_string("100000"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "floats per image");
    json_object_set_new(json_array_get(dims, 1), "size", json_string("-1"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "not fixed");
    json_object_set_new(json_array_get(dims, 1), "size", json_string("-7"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "size from -1");
    json_decref(doc);
}

static void test_missing_things(void **state)
{
    (void)state;
    weights w;
    make_weights(&w, 0);
    json_t *doc = tiny_model(&w, 0);
    json_object_set_new(find_weight(doc, "dw_b"), "name", json_string("dw_bias"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "no weight of that name");
    json_decref(doc);

    doc = tiny_model(&w, 0);
    json_array_set_new(json_object_get(find_node(doc, "add"), "input"), 1, json_string("nowhere"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "is not a node");
    json_decref(doc);

    doc = tiny_model(&w, 0);
    json_array_set_new(json_object_get(json_array_get(json_object_get(doc, "weightsManifest"), 0), "paths"), 1,
                       json_string("shard3.bin"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "shard3.bin: No such file");
    json_array_set_new(json_object_get(json_array_get(json_object_get(doc, "weightsManifest"), 0), "paths"), 1,
                       json_string("../shard2.bin"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "plain file name");
    json_decref(doc);

    doc = tiny_model(&w, 0);
    json_object_del(json_object_get(find_node(doc, "conv"), "attr"), "padding");
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "'padding' is missing");
    json_decref(doc);

    doc = tiny_model(&w, 0);
    json_array_remove(json_object_get(find_node(doc, "conv"), "input"), 2);
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "has 2 inputs; it needs 3");
    json_decref(doc);
}

static void test_unsupported(void **state)
{
    (void)state;
    weights w;
    make_weights(&w, 0);
    json_t *doc = tiny_model(&w, 0);
    json_object_set_new(find_node(doc, "softmax"), "op", json_string("LogSoftmax"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "op 'LogSoftmax', which cull does not implement");
    json_decref(doc);

    doc = tiny_model(&w, 0);
    json_object_set_new(find_weight(doc, "conv_w"), "quantization", json_pack("{s:f,s:f,s:s}", "min", 0.0, "scale", 1.0, "dtype", "int8"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "quantization dtype 'int8'");
    json_object_set_new(find_weight(doc, "conv_w"), "quantization", json_pack("{s:s}", "dtype", "uint8"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "min and scale");
    json_decref(doc);

    doc = tiny_model(&w, 0);
    json_object_set_new(find_weight(doc, "dense_b"), "dtype", json_string("string"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "dtype 'string'");
    json_decref(doc);

    doc = tiny_model(&w, 0);
    json_object_set_new(json_object_get(find_node(doc, "conv"), "attr"), "fused_ops",
                        list_s(2, (const char *const[]){B64_BIASADD, "TGVha3lSZWx1"})); /* LeakyRelu */
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "fuses 'LeakyRelu'");
    json_decref(doc);

    doc = tiny_model(&w, 0);
    json_object_set_new(json_object_get(find_node(doc, "dw"), "attr"), "padding", json_pack("{s:s}", "s", "Rk9P")); /* FOO */
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "'padding' is not SAME");
    json_object_set_new(json_object_get(find_node(doc, "dw"), "attr"), "padding", json_pack("{s:s}", "s", "*not base64*"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "base64");
    json_decref(doc);

    doc = tiny_model(&w, 0);
    json_object_set_new(json_object_get(find_node(doc, "pool"), "attr"), "data_format", json_pack("{s:s}", "s", "TkNIVw==")); /* NCHW */
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "not NHWC");
    json_decref(doc);

    doc = tiny_model(&w, 0);
    json_object_set_new(json_object_get(find_node(doc, "add"), "attr"), "T", json_pack("{s:s}", "type", "DT_INT32"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "only DT_FLOAT");
    json_decref(doc);

    doc = tiny_model(&w, 0);
    json_array_set_new(json_object_get(find_node(doc, "add"), "input"), 1, json_string("proj:1"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "single-output");
    json_decref(doc);

    doc = tiny_model(&w, 0);
    json_t *strides = json_object_get(json_object_get(json_object_get(find_node(doc, "conv"), "attr"), "strides"), "list");
    json_object_set_new(strides, "i", json_pack("[s,s,s,s]", "1", "0", "2", "1"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "'strides'");
    json_decref(doc);
}

static void test_graph_structure(void **state)
{
    (void)state;
    weights w;
    make_weights(&w, 0);
    /* a cycle: conv reads add, which reads conv */
    json_t *doc = tiny_model(&w, 0);
    json_array_set_new(json_object_get(find_node(doc, "conv"), "input"), 0, json_string("add"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "cycle");
    json_decref(doc);
    /* a node reading itself */
    doc = tiny_model(&w, 0);
    json_array_set_new(json_object_get(find_node(doc, "softmax"), "input"), 0, json_string("softmax"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "cycle");
    json_decref(doc);
    /* two nodes of one name */
    doc = tiny_model(&w, 0);
    json_object_set_new(find_node(doc, "dense"), "name", json_string("softmax"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "two nodes are called 'softmax'");
    json_decref(doc);
    /* residual of mismatched shapes */
    doc = tiny_model(&w, 0);
    json_array_set_new(json_object_get(find_node(doc, "add"), "input"), 0, json_string("sub"));
    expect_error(try_load(NULL, doc, &w, w.n_bytes), "do not broadcast");
    json_decref(doc);
    /* a control input is only an ordering hint: ignored */
    doc = tiny_model(&w, 0);
    json_array_append_new(json_object_get(find_node(doc, "dense"), "input"), json_string("^conv_w"));
    assert_string_equal(try_load(NULL, doc, &w, w.n_bytes), "");
    json_decref(doc);
}

static void test_bad_json(void **state)
{
    (void)state;
    weights w;
    make_weights(&w, 0);
    expect_error(try_load("{\"modelTopology\": [", NULL, &w, w.n_bytes), "not valid JSON");
    expect_error(try_load("[1, 2, 3]", NULL, &w, w.n_bytes), "not a JSON object");
    expect_error(try_load("{}", NULL, &w, w.n_bytes), "modelTopology.node is missing");
    expect_error(try_load("{\"format\": \"layers-model\"}", NULL, &w, w.n_bytes), "graph-model");
    expect_error(try_load("{\"modelTopology\": {\"node\": [{\"op\": \"Const\"}]}}", NULL, &w, 0), "has no name");
    expect_error(try_load("{\"modelTopology\": {\"node\": [{\"name\": \"a\", \"op\": \"Placeholder\"}]}}", NULL, &w, 0),
                 "'shape' is missing");
    expect_error(try_load("{\"modelTopology\": {\"node\": [{\"name\": \"a\", \"op\": \"Const\", \"attr\": 5}]}}", NULL, &w, 0),
                 "attr is not an object");
    expect_error(try_load("{\"a\": 1, \"a\": 2}", NULL, &w, 0), "not valid JSON");
}

static void test_files(void **state)
{
    (void)state;
    fixture *fx = new_fixture(1);
    char err[512], path[256];
    tfjs_model m;
    /* a truncated shard on disk */
    write_model(fx, fx->doc, fx->w.n_bytes - 1);
    assert_int_equal(tfjs_model_load(fx->dir, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "shard2.bin"));
    assert_non_null(strstr(err, "truncated"));
    /* a missing shard */
    snprintf(path, sizeof path, "%s/shard2.bin", fx->dir);
    unlink(path);
    assert_null(tfjs_encoder_open(fx->dir, NULL, err, sizeof err));
    assert_non_null(strstr(err, "shard2.bin: No such file"));
    /* no model.json */
    snprintf(path, sizeof path, "%s/model.json", fx->dir);
    unlink(path);
    assert_int_equal(tfjs_model_load(fx->dir, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "model.json: No such file"));
    /* a folder that is not a model */
    assert_int_equal(tfjs_model_load("/nonexistent/folder", &m, err, sizeof err), -1);
    free_fixture(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float32_model),
        cmocka_unit_test(test_quantized_model),
        cmocka_unit_test(test_plan_layout),
        cmocka_unit_test(test_concurrent_encode),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_good_model_loads_from_memory),
        cmocka_unit_test(test_shard_size_lies),
        cmocka_unit_test(test_shape_lies),
        cmocka_unit_test(test_dimension_lies),
        cmocka_unit_test(test_missing_things),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_graph_structure),
        cmocka_unit_test(test_bad_json),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
