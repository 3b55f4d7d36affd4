/*
 * tfjs_model.c — the model.json + shards reader of tfjs_model.h.
 *
 * Order of work, so that nothing is allocated from a size the files merely declare:
 *   1. parse model.json (bounded by its real size);
 *   2. walk the weights manifest: names, shapes, dtypes, and the byte range of each weight in its
 *      group, with overflow checks and a cap on the total;
 *   3. read the shards (real bytes) and require each group to hold exactly the bytes its weights
 *      need;
 *   4. only then allocate the float block (at most 4 floats per byte read) and dequantize;
 *   5. parse the nodes: op, inputs (resolved to indices), attributes, and bind Consts to weights.
 */
#include "encoders/tfjs_model.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/media.h"
#include "util/fp16.h"

#define MAX_DIM (1ll << 31)                 /* of any one dimension */
#define MAX_ELEMS (1ll << 34)               /* of any one weight, before the byte check */
#define MAX_PATH_LEN 255
#define MAX_STR_ATTR 64                     /* decoded bytes of a string attribute we read */

typedef enum { W_FLOAT32, W_INT32, W_BOOL } wtype;
typedef enum { Q_NONE, Q_UINT8, Q_UINT16, Q_FLOAT16 } qtype;

typedef struct {
    const char *name;                       /* inside the JSON document */
    tfjs_shape shape;
    int64_t count;
    wtype type;
    qtype quant;
    double min, scale;
    uint64_t offset, nbytes;                /* within all shard bytes */
    size_t value_offset;                    /* into tfjs_model.weights (float32 weights) */
    int used;                               /* bound to a Const node */
} weight;

typedef struct {
    const char *label;                      /* the folder, for messages */
    char *err;
    size_t errlen;
    json_t *root;
    weight *weights;
    size_t n_weights;
    GHashTable *weight_index;               /* name → weight index + 1 */
    GHashTable *node_index;                 /* name → node index + 1 */
    uint8_t *bytes;                         /* model.json, then every shard */
    size_t json_len, n_bytes, cap_bytes;
} loader;

/* "label/model.json: <message>" */
__attribute__((format(printf, 2, 3))) static int fail(loader *L, const char *fmt, ...)
{
    int w = snprintf(L->err, L->errlen, "%s/model.json: ", L->label);
    if (w < 0 || (size_t)w >= L->errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->err + w, L->errlen - (size_t)w, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- small JSON helpers ------------------------------------------------------------------- */

/* An integer written as a JSON integer or as a decimal string (proto3 JSON writes int64 as
   strings). 0, or -1 when it is neither or out of [lo, hi]. */
static int json_int(const json_t *v, int64_t lo, int64_t hi, int64_t *out)
{
    int64_t x;
    if (json_is_integer(v)) {
        x = json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!*s || strlen(s) > 20) return -1;
        char *end;
        errno = 0;
        long long ll = strtoll(s, &end, 10);
        if (errno || *end) return -1;
        x = ll;
    } else {
        return -1;
    }
    if (x < lo || x > hi) return -1;
    *out = x;
    return 0;
}

/* Strict base64 (standard alphabet, '=' padding) into out; returns bytes or -1. */
static int base64_decode(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s), o = 0;
    if (n % 4) return -1;
    for (size_t i = 0; i < n; i += 4) {
        int v[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = s[i + k];
            if (c >= 'A' && c <= 'Z') v[k] = c - 'A';
            else if (c >= 'a' && c <= 'z') v[k] = c - 'a' + 26;
            else if (c >= '0' && c <= '9') v[k] = c - '0' + 52;
            else if (c == '+') v[k] = 62;
            else if (c == '/') v[k] = 63;
            else if (c == '=' && i + 4 == n && k >= 2) { v[k] = 0; pad++; }
            else return -1;
            if (pad && c != '=') return -1;
        }
        uint32_t t = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        int take = 3 - pad;
        if (o + (size_t)take > cap) return -1;
        for (int k = 0; k < take; k++) out[o++] = (uint8_t)(t >> (16 - 8 * k));
    }
    return (int)o;
}

/* ---- attributes --------------------------------------------------------------------------- */

typedef struct {
    loader *L;
    const char *node;                       /* name, for messages */
    const char *op;
    json_t *attr;                           /* object or NULL */
} attrs;

static json_t *attr_get(const attrs *A, const char *key)
{
    return A->attr ? json_object_get(A->attr, key) : NULL;
}

static int attr_fail(const attrs *A, const char *key, const char *what)
{
    return fail(A->L, "node '%s' (%s): attribute '%s' %s", A->node, A->op, key, what);
}

/* {"list": {"i": [...]}}; absent → *n = 0 (caller decides whether that is allowed). */
static int attr_ints(const attrs *A, const char *key, int64_t lo, int64_t hi, int64_t *out, int max, int *n)
{
    *n = 0;
    json_t *a = attr_get(A, key);
    if (!a) return 0;
    json_t *list = json_object_get(a, "list");
    if (!json_is_object(list)) return attr_fail(A, key, "is not a list");
    json_t *items = json_object_get(list, "i");
    if (!items) return 0; /* proto3 JSON omits empty lists */
    if (!json_is_array(items)) return attr_fail(A, key, "is not a list of integers");
    if (json_array_size(items) > (size_t)max) return attr_fail(A, key, "has too many entries");
    for (size_t i = 0; i < json_array_size(items); i++)
        if (json_int(json_array_get(items, i), lo, hi, &out[i]))
            return attr_fail(A, key, "holds an entry that is not an integer in range");
    *n = (int)json_array_size(items);
    return 0;
}

static int attr_int(const attrs *A, const char *key, int64_t lo, int64_t hi, int64_t def, int64_t *out)
{
    *out = def;
    json_t *a = attr_get(A, key);
    if (!a) return 0;
    json_t *v = json_object_get(a, "i");
    if (!v) { *out = 0; return lo <= 0 && 0 <= hi ? 0 : attr_fail(A, key, "is out of range"); }
    if (json_int(v, lo, hi, out)) return attr_fail(A, key, "is not an integer in range");
    return 0;
}

static int attr_bool(const attrs *A, const char *key, int *out)
{
    *out = 0;
    json_t *a = attr_get(A, key);
    if (!a) return 0;
    json_t *v = json_object_get(a, "b");
    if (!v) return 0;
    if (!json_is_boolean(v)) return attr_fail(A, key, "is not a boolean");
    *out = json_is_true(v);
    return 0;
}

/* A decoded {"s": base64} into buf (NUL-terminated); absent → "" and *present = 0. */
static int attr_str(const attrs *A, const char *key, char *buf, size_t cap, int *present)
{
    buf[0] = '\0';
    *present = 0;
    json_t *a = attr_get(A, key);
    if (!a) return 0;
    json_t *v = json_object_get(a, "s");
    if (!v) { *present = 1; return 0; }
    int n = json_is_string(v) ? base64_decode(json_string_value(v), (uint8_t *)buf, cap - 1) : -1;
    if (n < 0) return attr_fail(A, key, "is not a short base64 string");
    buf[n] = '\0';
    if (strlen(buf) != (size_t)n) return attr_fail(A, key, "holds a NUL byte");
    *present = 1;
    return 0;
}

/* A {"type": "DT_FLOAT"} attribute, when present, must be DT_FLOAT (enum value 1). */
static int attr_require_float(const attrs *A, const char *key)
{
    json_t *a = attr_get(A, key);
    if (!a) return 0;
    json_t *v = json_object_get(a, "type");
    if ((json_is_string(v) && strcmp(json_string_value(v), "DT_FLOAT") == 0) ||
        (json_is_integer(v) && json_integer_value(v) == 1))
        return 0;
    char what[96];
    snprintf(what, sizeof what, "is %s; only DT_FLOAT tensors are supported",
             json_is_string(v) ? json_string_value(v) : "not a type");
    return attr_fail(A, key, what);
}

/* {"shape": {"dim": [{"size": "-1"}, ...]}} */
static int parse_shape(loader *L, const json_t *shape, const char *node, tfjs_shape *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(shape)) return fail(L, "node '%s': shape is not an object", node);
    if (json_is_true(json_object_get(shape, "unknownRank")))
        return fail(L, "node '%s': shape of unknown rank is not supported", node);
    json_t *dims = json_object_get(shape, "dim");
    if (!dims) return 0; /* a scalar */
    if (!json_is_array(dims)) return fail(L, "node '%s': shape dims are not a list", node);
    if (json_array_size(dims) > TFJS_MAX_RANK)
        return fail(L, "node '%s': rank %zu is over %d", node, json_array_size(dims), TFJS_MAX_RANK);
    out->rank = (int)json_array_size(dims);
    for (int i = 0; i < out->rank; i++) {
        json_t *d = json_array_get(dims, (size_t)i);
        if (!json_is_object(d)) return fail(L, "node '%s': shape dim %d is not an object", node, i);
        json_t *size = json_object_get(d, "size");
        if (!size) { out->dim[i] = 0; continue; }
        if (json_int(size, -1, MAX_DIM, &out->dim[i]))
            return fail(L, "node '%s': shape dim %d is not a size from -1 to %lld", node, i, MAX_DIM);
    }
    return 0;
}

/* ---- the weights manifest ------------------------------------------------------------------ */

/* A shard path must be a plain file name in the model folder. */
static int safe_path(const char *p)
{
    size_t n = strlen(p);
    return n > 0 && n <= MAX_PATH_LEN && !strchr(p, '/') && !strchr(p, '\\') && strcmp(p, ".") &&
           strcmp(p, "..");
}

static int parse_weight(loader *L, json_t *w, uint64_t *offset, weight *out)
{
    memset(out, 0, sizeof *out);
    json_t *name = json_object_get(w, "name");
    if (!json_is_object(w) || !json_is_string(name) || !*json_string_value(name))
        return fail(L, "weightsManifest: a weight without a name");
    out->name = json_string_value(name);
    json_t *shape = json_object_get(w, "shape"), *dtype = json_object_get(w, "dtype");
    if (!json_is_array(shape)) return fail(L, "weight '%s': shape is not a list", out->name);
    if (json_array_size(shape) > TFJS_MAX_RANK)
        return fail(L, "weight '%s': rank %zu is over %d", out->name, json_array_size(shape), TFJS_MAX_RANK);
    out->shape.rank = (int)json_array_size(shape);
    out->count = 1;
    for (int i = 0; i < out->shape.rank; i++) {
        if (json_int(json_array_get(shape, (size_t)i), 0, MAX_DIM, &out->shape.dim[i]))
            return fail(L, "weight '%s': dimension %d is not a size from 0 to %lld", out->name, i, MAX_DIM);
        if (out->shape.dim[i] > 0 && out->count > MAX_ELEMS / out->shape.dim[i])
            return fail(L, "weight '%s': over %lld elements", out->name, MAX_ELEMS);
        out->count *= out->shape.dim[i];
    }
    const char *dt = json_is_string(dtype) ? json_string_value(dtype) : "";
    int elem;
    if (strcmp(dt, "float32") == 0) out->type = W_FLOAT32, elem = 4;
    else if (strcmp(dt, "int32") == 0) out->type = W_INT32, elem = 4;
    else if (strcmp(dt, "bool") == 0) out->type = W_BOOL, elem = 1;
    else return fail(L, "weight '%s': dtype '%s' is not supported (float32, int32, bool)", out->name, dt);
    json_t *q = json_object_get(w, "quantization");
    if (q && !json_is_null(q)) {
        json_t *qd = json_object_get(q, "dtype");
        const char *qs = json_is_string(qd) ? json_string_value(qd) : "";
        if (strcmp(qs, "uint8") == 0) out->quant = Q_UINT8, elem = 1;
        else if (strcmp(qs, "uint16") == 0) out->quant = Q_UINT16, elem = 2;
        else if (strcmp(qs, "float16") == 0) out->quant = Q_FLOAT16, elem = 2;
        else return fail(L, "weight '%s': quantization dtype '%s' is not supported (uint8, uint16, float16)",
                         out->name, qs);
        if (out->type != W_FLOAT32)
            return fail(L, "weight '%s': quantized %s weights are not supported", out->name, dt);
        if (out->quant != Q_FLOAT16) {
            json_t *mn = json_object_get(q, "min"), *sc = json_object_get(q, "scale");
            if (!json_is_number(mn) || !json_is_number(sc))
                return fail(L, "weight '%s': quantization lacks a numeric min and scale", out->name);
            out->min = json_number_value(mn);
            out->scale = json_number_value(sc);
            if (!isfinite(out->min) || !isfinite(out->scale))
                return fail(L, "weight '%s': quantization min or scale is not finite", out->name);
        }
    }
    out->nbytes = (uint64_t)out->count * (uint64_t)elem;
    out->offset = *offset;
    *offset += out->nbytes;
    if (*offset > TFJS_MAX_WEIGHT_BYTES)
        return fail(L, "weights need over %llu bytes", (unsigned long long)TFJS_MAX_WEIGHT_BYTES);
    return 0;
}

static int append_bytes(loader *L, const uint8_t *data, size_t len)
{
    if (len == 0) return 0;
    if (L->n_bytes + len > L->cap_bytes) {
        size_t cap = L->cap_bytes ? L->cap_bytes : 1 << 16;
        while (cap < L->n_bytes + len) cap *= 2;
        uint8_t *p = realloc(L->bytes, cap);
        if (!p) return -1;
        L->bytes = p;
        L->cap_bytes = cap;
    }
    memcpy(L->bytes + L->n_bytes, data, len);
    L->n_bytes += len;
    return 0;
}

/* Walks the manifest (step 2) and reads the shards (step 3). */
static int read_manifest(loader *L, tfjs_shard_reader read, void *ctx)
{
    json_t *groups = json_object_get(L->root, "weightsManifest");
    if (!groups) return 0; /* a graph without weights */
    if (!json_is_array(groups)) return fail(L, "weightsManifest is not a list");
    size_t total = 0;
    for (size_t g = 0; g < json_array_size(groups); g++) {
        json_t *ws = json_object_get(json_array_get(groups, g), "weights");
        if (!json_is_array(ws)) return fail(L, "weightsManifest group %zu: weights is not a list", g + 1);
        total += json_array_size(ws);
    }
    L->weights = calloc(total ? total : 1, sizeof *L->weights); /* bounded by the JSON's size */
    if (!L->weights) return fail(L, "out of memory");
    uint64_t offset = 0;
    for (size_t g = 0; g < json_array_size(groups); g++) {
        json_t *group = json_array_get(groups, g);
        json_t *ws = json_object_get(group, "weights"), *paths = json_object_get(group, "paths");
        uint64_t start = offset;
        for (size_t i = 0; i < json_array_size(ws); i++) {
            weight *w = &L->weights[L->n_weights];
            if (parse_weight(L, json_array_get(ws, i), &offset, w)) return -1;
            if (g_hash_table_contains(L->weight_index, w->name))
                return fail(L, "weight '%s' appears twice in the manifest", w->name);
            g_hash_table_insert(L->weight_index, (gpointer)w->name, GSIZE_TO_POINTER(L->n_weights + 1));
            L->n_weights++;
        }
        if (!json_is_array(paths) || (json_array_size(paths) == 0 && offset > start))
            return fail(L, "weightsManifest group %zu: no shard paths", g + 1);
        uint64_t have = 0;
        const char *last = "";
        for (size_t p = 0; p < json_array_size(paths); p++) {
            json_t *pv = json_array_get(paths, p);
            if (!json_is_string(pv) || !safe_path(json_string_value(pv)))
                return fail(L, "weightsManifest group %zu: shard path %zu is not a plain file name", g + 1, p + 1);
            last = json_string_value(pv);
            uint8_t *data = NULL;
            size_t len = 0;
            char why[256] = "";
            if (read(ctx, last, &data, &len, why, sizeof why)) {
                snprintf(L->err, L->errlen, "%s/%s: %s", L->label, last, why);
                free(data);
                return -1;
            }
            have += len;
            if (have > TFJS_MAX_WEIGHT_BYTES || append_bytes(L, data, len)) {
                free(data);
                snprintf(L->err, L->errlen, "%s/%s: shards too large or out of memory", L->label, last);
                return -1;
            }
            free(data);
        }
        if (have != offset - start) {
            snprintf(L->err, L->errlen,
                     "%s/%s: the shards of weight group %zu hold %llu bytes, but its %zu weights need %llu (%s)",
                     L->label, *last ? last : "model.json", g + 1, (unsigned long long)have,
                     json_array_size(ws), (unsigned long long)(offset - start),
                     have < offset - start ? "truncated shard or wrong shape in the manifest" : "extra bytes");
            return -1;
        }
    }
    return 0;
}

/* Step 4: the float block. Every stored element is at least one byte read, so it is at most four
   times the shard bytes. */
static int dequantize(loader *L, tfjs_model *m)
{
    size_t floats = 0;
    for (size_t i = 0; i < L->n_weights; i++)
        if (L->weights[i].type == W_FLOAT32) {
            L->weights[i].value_offset = floats;
            floats += (size_t)L->weights[i].count;
        }
    m->weights = malloc((floats ? floats : 1) * sizeof *m->weights);
    if (!m->weights) return fail(L, "out of memory for %zu weights", floats);
    m->n_weights = floats;
    const uint8_t *base = L->bytes + L->json_len;
    for (size_t i = 0; i < L->n_weights; i++) {
        const weight *w = &L->weights[i];
        if (w->type != W_FLOAT32) continue;
        const uint8_t *src = base + w->offset;
        float *dst = m->weights + w->value_offset;
        size_t n = (size_t)w->count;
        switch (w->quant) {
        case Q_NONE: memcpy(dst, src, n * sizeof(float)); break; /* little-endian host */
        case Q_UINT8:
            for (size_t k = 0; k < n; k++) dst[k] = (float)(src[k] * w->scale + w->min);
            break;
        case Q_UINT16:
            for (size_t k = 0; k < n; k++)
                dst[k] = (float)((double)(src[2 * k] | src[2 * k + 1] << 8) * w->scale + w->min);
            break;
        case Q_FLOAT16:
            for (size_t k = 0; k < n; k++) dst[k] = fp16_to_float((uint16_t)(src[2 * k] | src[2 * k + 1] << 8));
            break;
        }
    }
    return 0;
}

/* ---- nodes ---------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    tfjs_op op;
    int fused;                              /* takes fused_ops / num_args */
} OPS[] = {
    {"Placeholder", TFJS_PLACEHOLDER, 0},
    {"Const", TFJS_CONST, 0},
    {"Identity", TFJS_IDENTITY, 0},
    {"Squeeze", TFJS_SQUEEZE, 0},
    {"AddV2", TFJS_ADD, 0},
    {"Add", TFJS_ADD, 0},
    {"Sub", TFJS_SUB, 0},
    {"Mul", TFJS_MUL, 0},
    {"Conv2D", TFJS_CONV2D, 0},
    {"_FusedConv2D", TFJS_CONV2D, 1},
    {"DepthwiseConv2dNative", TFJS_DEPTHWISE, 0},
    {"FusedDepthwiseConv2dNative", TFJS_DEPTHWISE, 1},
    {"AvgPool", TFJS_AVGPOOL, 0},
    {"MatMul", TFJS_MATMUL, 0},
    {"_FusedMatMul", TFJS_MATMUL, 1},
    {"Softmax", TFJS_SOFTMAX, 0},
};
#define N_OPS (sizeof OPS / sizeof *OPS)

static void supported_ops(char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_OPS && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", OPS[i].name);
        used += w > 0 ? (size_t)w : 0;
    }
}

/* data_format, when present, must be NHWC. */
static int check_nhwc(const attrs *A)
{
    char s[MAX_STR_ATTR];
    int present;
    if (attr_str(A, "data_format", s, sizeof s, &present)) return -1;
    if (present && strcmp(s, "NHWC") != 0) return attr_fail(A, "data_format", "is not NHWC");
    return 0;
}

/* A 4-entry [1, h, w, 1] list (strides, dilations, ksize); absent → def. */
static int hw_list(const attrs *A, const char *key, int required, int def, int out[2])
{
    int64_t v[4];
    int n;
    if (attr_ints(A, key, 1, 65536, v, 4, &n)) return -1;
    if (n == 0) {
        if (required) return attr_fail(A, key, "is missing");
        out[0] = out[1] = def;
        return 0;
    }
    if (n != 4 || v[0] != 1 || v[3] != 1) return attr_fail(A, key, "is not [1, h, w, 1]");
    out[0] = (int)v[1];
    out[1] = (int)v[2];
    return 0;
}

static int parse_padding(const attrs *A, tfjs_node *nd)
{
    char s[MAX_STR_ATTR];
    int present;
    if (attr_str(A, "padding", s, sizeof s, &present)) return -1;
    if (!present) return attr_fail(A, "padding", "is missing");
    if (strcmp(s, "SAME") == 0) nd->padding = TFJS_PAD_SAME;
    else if (strcmp(s, "VALID") == 0) nd->padding = TFJS_PAD_VALID;
    else if (strcmp(s, "EXPLICIT") == 0 && nd->op != TFJS_AVGPOOL) {
        nd->padding = TFJS_PAD_EXPLICIT;
        int64_t v[8];
        int n;
        if (attr_ints(A, "explicit_paddings", 0, 65536, v, 8, &n)) return -1;
        if (n != 8 || v[0] || v[1] || v[6] || v[7])
            return attr_fail(A, "explicit_paddings", "is not [0, 0, top, bottom, left, right, 0, 0]");
        for (int i = 0; i < 4; i++) nd->explicit_pad[i] = (int)v[2 + i];
    } else {
        return attr_fail(A, "padding", "is not SAME or VALID (or EXPLICIT for convolutions)");
    }
    return 0;
}

/* fused_ops and num_args of the _Fused ops: [], [BiasAdd], [BiasAdd, Relu], [BiasAdd, Relu6]. */
static int parse_fused(const attrs *A, tfjs_node *nd)
{
    json_t *a = attr_get(A, "fused_ops"), *items = NULL;
    if (a) {
        json_t *list = json_object_get(a, "list");
        if (!json_is_object(list)) return attr_fail(A, "fused_ops", "is not a list");
        items = json_object_get(list, "s");
        if (items && (!json_is_array(items) || json_array_size(items) > 2))
            return attr_fail(A, "fused_ops", "is not a list of at most two ops");
    }
    size_t n = items ? json_array_size(items) : 0;
    char ops[2][MAX_STR_ATTR] = {"", ""};
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(items, i);
        int len = json_is_string(s) ? base64_decode(json_string_value(s), (uint8_t *)ops[i], MAX_STR_ATTR - 1) : -1;
        if (len < 0) return attr_fail(A, "fused_ops", "holds an entry that is not base64");
        ops[i][len] = '\0';
    }
    if (n >= 1 && strcmp(ops[0], "BiasAdd") != 0) {
        char what[192];
        snprintf(what, sizeof what, "starts with '%.60s'; cull supports BiasAdd, then optionally Relu or Relu6", ops[0]);
        return attr_fail(A, "fused_ops", what);
    }
    nd->has_bias = n >= 1;
    nd->act = NN_ACT_NONE;
    if (n == 2) {
        if (strcmp(ops[1], "Relu6") == 0) nd->act = NN_ACT_RELU6;
        else if (strcmp(ops[1], "Relu") == 0) nd->act = NN_ACT_RELU;
        else {
            char what[192];
            snprintf(what, sizeof what, "fuses '%.60s'; cull supports Relu and Relu6 after BiasAdd", ops[1]);
            return attr_fail(A, "fused_ops", what);
        }
    }
    int64_t num_args;
    if (attr_int(A, "num_args", 0, 8, nd->has_bias, &num_args)) return -1;
    if (num_args != nd->has_bias) return attr_fail(A, "num_args", "does not match fused_ops");
    return 0;
}

static int parse_attrs(loader *L, tfjs_node *nd, json_t *attr, int fused)
{
    attrs A = {L, nd->name, nd->op_name, json_is_object(attr) ? attr : NULL};
    if (attr && !json_is_object(attr)) return fail(L, "node '%s': attr is not an object", nd->name);
    if (attr_require_float(&A, "T") || attr_require_float(&A, "dtype")) return -1;
    switch (nd->op) {
    case TFJS_PLACEHOLDER: {
        json_t *s = attr_get(&A, "shape");
        if (!s) return attr_fail(&A, "shape", "is missing");
        return parse_shape(L, json_object_get(s, "shape"), nd->name, &nd->shape);
    }
    case TFJS_CONST: {
        json_t *v = attr_get(&A, "value"), *t = v ? json_object_get(v, "tensor") : NULL;
        if (!json_is_object(t)) return attr_fail(&A, "value", "is not a tensor");
        json_t *dt = json_object_get(t, "dtype");
        if (dt && !(json_is_string(dt) && strcmp(json_string_value(dt), "DT_FLOAT") == 0))
            return attr_fail(&A, "value", "is not a DT_FLOAT tensor; only float constants are supported");
        json_t *ts = json_object_get(t, "tensorShape");
        if (!ts) return 0; /* a scalar */
        return parse_shape(L, ts, nd->name, &nd->shape);
    }
    case TFJS_CONV2D:
    case TFJS_DEPTHWISE:
        if (check_nhwc(&A) || hw_list(&A, "strides", 1, 1, nd->strides) ||
            hw_list(&A, "dilations", 0, 1, nd->dilations) || parse_padding(&A, nd))
            return -1;
        return fused ? parse_fused(&A, nd) : 0;
    case TFJS_AVGPOOL:
        if (check_nhwc(&A) || hw_list(&A, "ksize", 1, 1, nd->ksize) || hw_list(&A, "strides", 1, 1, nd->strides))
            return -1;
        return parse_padding(&A, nd);
    case TFJS_MATMUL:
        if (attr_bool(&A, "transpose_a", &nd->transpose_a) || attr_bool(&A, "transpose_b", &nd->transpose_b))
            return -1;
        return fused ? parse_fused(&A, nd) : 0;
    case TFJS_SQUEEZE: {
        int64_t v[TFJS_MAX_RANK];
        if (attr_ints(&A, "squeeze_dims", -TFJS_MAX_RANK, TFJS_MAX_RANK - 1, v, TFJS_MAX_RANK, &nd->n_squeeze))
            return -1;
        for (int i = 0; i < nd->n_squeeze; i++) nd->squeeze_dims[i] = (int)v[i];
        return 0;
    }
    default:
        return 0;
    }
}

/* Expected data inputs of each op (fused ops: plus one for the bias). */
static int expected_inputs(const tfjs_node *nd)
{
    switch (nd->op) {
    case TFJS_PLACEHOLDER:
    case TFJS_CONST: return 0;
    case TFJS_IDENTITY:
    case TFJS_SQUEEZE:
    case TFJS_AVGPOOL:
    case TFJS_SOFTMAX: return 1;
    case TFJS_ADD:
    case TFJS_SUB:
    case TFJS_MUL: return 2;
    case TFJS_CONV2D:
    case TFJS_DEPTHWISE:
    case TFJS_MATMUL: return 2 + nd->has_bias;
    case TFJS_BLOCK: break;
    }
    return 0;
}

/* "name", "name:0" → name; "^name" (control input) → NULL; "name:1" → error. */
static int input_name(loader *L, const tfjs_node *nd, const char *in, char *buf, size_t cap, const char **out)
{
    *out = NULL;
    if (in[0] == '^') return 0;
    size_t n = strlen(in);
    const char *colon = strrchr(in, ':');
    if (colon) {
        const char *d = colon + 1;
        if (!*d || strspn(d, "0123456789") != strlen(d))
            return fail(L, "node '%s': input '%s' is not a node name", nd->name, in);
        if (strcmp(d, "0") != 0)
            return fail(L, "node '%s': input '%s' is output %s of a node; only single-output ops are supported",
                        nd->name, in, d);
        n = (size_t)(colon - in);
    }
    if (n == 0 || n >= cap) return fail(L, "node '%s': input '%s' is not a node name", nd->name, in);
    memcpy(buf, in, n);
    buf[n] = '\0';
    *out = buf;
    return 0;
}

static int shapes_equal(const tfjs_shape *a, const tfjs_shape *b)
{
    if (a->rank != b->rank) return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->dim[i] != b->dim[i]) return 0;
    return 1;
}

static void shape_str(const tfjs_shape *s, char *buf, size_t cap)
{
    size_t used = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < s->rank && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%lld", i ? ", " : "", (long long)s->dim[i]);
    if (used < cap) snprintf(buf + used, cap - used, "]");
}

static int bind_const(loader *L, tfjs_model *m, tfjs_node *nd)
{
    gpointer v = g_hash_table_lookup(L->weight_index, nd->name);
    if (!v) return fail(L, "node '%s' (Const): no weight of that name in the weights manifest", nd->name);
    weight *w = &L->weights[GPOINTER_TO_SIZE(v) - 1];
    if (!shapes_equal(&w->shape, &nd->shape)) {
        char a[128], b[128];
        shape_str(&nd->shape, a, sizeof a);
        shape_str(&w->shape, b, sizeof b);
        return fail(L, "node '%s' (Const): the graph declares shape %s, the weights manifest %s", nd->name, a, b);
    }
    if (w->type != W_FLOAT32) return fail(L, "node '%s' (Const): its weight is not float32", nd->name);
    nd->data = m->weights + w->value_offset;
    w->used = 1;
    return 0;
}

static int parse_nodes(loader *L, tfjs_model *m)
{
    json_t *topo = json_object_get(L->root, "modelTopology");
    json_t *nodes = topo ? json_object_get(topo, "node") : NULL;
    if (!json_is_array(nodes) || json_array_size(nodes) == 0)
        return fail(L, "modelTopology.node is missing or empty (not a tfjs graph model?)");
    if (json_array_size(nodes) > 1000000) return fail(L, "over a million nodes");
    m->nodes = calloc(json_array_size(nodes), sizeof *m->nodes);
    if (!m->nodes) return fail(L, "out of memory");
    m->n_nodes = (int)json_array_size(nodes);
    /* Names first, so inputs can refer forward. */
    for (int i = 0; i < m->n_nodes; i++) {
        json_t *n = json_array_get(nodes, (size_t)i), *name = json_object_get(n, "name");
        if (!json_is_object(n) || !json_is_string(name) || !*json_string_value(name))
            return fail(L, "node %d has no name", i);
        m->nodes[i].name = strdup(json_string_value(name));
        if (!m->nodes[i].name) return fail(L, "out of memory");
        if (g_hash_table_contains(L->node_index, m->nodes[i].name))
            return fail(L, "two nodes are called '%s'", m->nodes[i].name);
        g_hash_table_insert(L->node_index, m->nodes[i].name, GINT_TO_POINTER(i + 1));
    }
    char ops[512];
    for (int i = 0; i < m->n_nodes; i++) {
        tfjs_node *nd = &m->nodes[i];
        json_t *n = json_array_get(nodes, (size_t)i), *op = json_object_get(n, "op");
        const char *opname = json_is_string(op) ? json_string_value(op) : "";
        size_t k = 0;
        while (k < N_OPS && strcmp(OPS[k].name, opname) != 0) k++;
        if (k == N_OPS) {
            supported_ops(ops, sizeof ops);
            return fail(L, "node '%s' uses op '%.64s', which cull does not implement (it runs: %s)", nd->name,
                        opname, ops);
        }
        nd->op = OPS[k].op;
        nd->op_name = OPS[k].name;
        nd->strides[0] = nd->strides[1] = nd->dilations[0] = nd->dilations[1] = 1;
        if (parse_attrs(L, nd, json_object_get(n, "attr"), OPS[k].fused)) return -1;
        json_t *inputs = json_object_get(n, "input");
        if (inputs && !json_is_array(inputs)) return fail(L, "node '%s': input is not a list", nd->name);
        size_t n_in = inputs ? json_array_size(inputs) : 0;
        if (n_in > 16) return fail(L, "node '%s': too many inputs", nd->name);
        nd->inputs = calloc(n_in ? n_in : 1, sizeof *nd->inputs);
        if (!nd->inputs) return fail(L, "out of memory");
        for (size_t j = 0; j < n_in; j++) {
            json_t *s = json_array_get(inputs, j);
            if (!json_is_string(s)) return fail(L, "node '%s': input %zu is not a string", nd->name, j);
            char buf[1024];
            const char *ref;
            if (input_name(L, nd, json_string_value(s), buf, sizeof buf, &ref)) return -1;
            if (!ref) continue;
            gpointer v = g_hash_table_lookup(L->node_index, ref);
            if (!v) return fail(L, "node '%s': input '%s' is not a node of the graph", nd->name, ref);
            nd->inputs[nd->n_inputs++] = GPOINTER_TO_INT(v) - 1;
        }
        if (nd->n_inputs != expected_inputs(nd))
            return fail(L, "node '%s' (%s) has %d inputs; it needs %d", nd->name, nd->op_name, nd->n_inputs,
                        expected_inputs(nd));
        if (nd->op == TFJS_CONST && bind_const(L, m, nd)) return -1;
    }
    return 0;
}

/* ---- entry points ------------------------------------------------------------------------- */

int tfjs_model_parse(const char *json, size_t len, const char *label, tfjs_shard_reader read, void *ctx,
                     tfjs_model *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    loader L = {.label = label, .err = err, .errlen = errlen};
    int rc = -1;
    if (len > TFJS_MAX_JSON_BYTES) {
        fail(&L, "%zu bytes is over the limit of %u", len, TFJS_MAX_JSON_BYTES);
        return -1;
    }
    L.weight_index = g_hash_table_new(g_str_hash, g_str_equal);
    L.node_index = g_hash_table_new(g_str_hash, g_str_equal);
    if (append_bytes(&L, (const uint8_t *)json, len)) {
        fail(&L, "out of memory");
        goto out;
    }
    L.json_len = len;
    json_error_t jerr;
    L.root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!L.root) {
        fail(&L, "not valid JSON (line %d: %s)", jerr.line, jerr.text);
        goto out;
    }
    if (!json_is_object(L.root)) {
        fail(&L, "not a JSON object");
        goto out;
    }
    json_t *format = json_object_get(L.root, "format");
    if (format && !(json_is_string(format) && strcmp(json_string_value(format), "graph-model") == 0)) {
        fail(&L, "format is not \"graph-model\" (a tfjs layers model cannot be run)");
        goto out;
    }
    if (read_manifest(&L, read, ctx) || dequantize(&L, m) || parse_nodes(&L, m)) goto out;
    media_sha256(L.bytes, L.n_bytes, m->sha256);
    m->bytes = L.n_bytes;
    rc = 0;
out:
    if (rc) tfjs_model_free(m);
    json_decref(L.root);
    g_hash_table_destroy(L.weight_index);
    g_hash_table_destroy(L.node_index);
    free(L.weights);
    free(L.bytes);
    return rc;
}

/* Reads a whole regular file of at most max bytes. */
static int read_file(const char *path, size_t max, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "not a regular file");
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        snprintf(err, errlen, "%lld bytes is over the limit of %zu", (long long)st.st_size, max);
        goto out;
    }
    size_t size = (size_t)st.st_size;
    *data = malloc(size ? size : 1);
    if (!*data) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, *data + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            snprintf(err, errlen, "%s", r < 0 ? strerror(errno) : "file shrank while being read");
            goto out;
        }
        got += (size_t)r;
    }
    *len = size;
    rc = 0;
out:
    if (rc) {
        free(*data);
        *data = NULL;
    }
    close(fd);
    return rc;
}

static int read_shard_file(void *ctx, const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    char full[4096];
    if ((size_t)snprintf(full, sizeof full, "%s/%s", (const char *)ctx, path) >= sizeof full) {
        snprintf(err, errlen, "path too long");
        return -1;
    }
    return read_file(full, TFJS_MAX_WEIGHT_BYTES, data, len, err, errlen);
}

int tfjs_model_load(const char *dir, tfjs_model *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    char path[4096], why[256];
    if ((size_t)snprintf(path, sizeof path, "%s/model.json", dir) >= sizeof path) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    uint8_t *json;
    size_t len;
    if (read_file(path, TFJS_MAX_JSON_BYTES, &json, &len, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    int rc = tfjs_model_parse((const char *)json, len, dir, read_shard_file, (void *)dir, m, err, errlen);
    free(json);
    return rc;
}

void tfjs_model_free(tfjs_model *m)
{
    if (!m) return;
    for (int i = 0; i < m->n_nodes; i++) {
        free(m->nodes[i].name);
        free(m->nodes[i].inputs);
    }
    free(m->nodes);
    free(m->weights);
    memset(m, 0, sizeof *m);
}

int tfjs_model_find(const tfjs_model *m, const char *name)
{
    for (int i = 0; i < m->n_nodes; i++)
        if (strcmp(m->nodes[i].name, name) == 0) return i;
    return -1;
}
