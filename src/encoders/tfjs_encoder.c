/*
 * tfjs_encoder.c — encoders that run a TensorFlow.js graph model: "mobilenet" (the nsfwjs@4.4.0
 * mobilenet_v2_mid model, installed in the models folder) and any tfjs graph-model folder given as
 * --encoder PATH whose ops cull implements (tfjs_model.c lists them).
 *
 * The mobilenet model is TF-Hub's MobileNetV2 (width 1.4, ImageNet) feature extractor with nsfwjs's
 * dense 1792 → 5 softmax head (Drawing, Hentai, Neutral, Porn, Sexy). Its vector, dim 1797:
 *   0 … 1791     the image features: the output of the node whose name ends in
 *                "feature_vector/SpatialSqueeze" (global average pool of the last 1×1 conv, ReLU6)
 *   1792 … 1796  the five class probabilities, in the order above
 * Any folder: the node ending in "feature_vector/SpatialSqueeze" first if there is one (the TF-Hub
 * feature-vector convention), then the graph's outputs (nodes nothing reads), flattened per image.
 *
 * Preprocessing, exactly as nsfwjs 4.4.0 does (NSFWJS.infer, dist/cjs/core.js): the RGB bytes as
 * float divided by 255 (0..1), then tf.image.resizeBilinear to the input size (224×224) with
 * alignCorners = true — scale (in − 1)/(out − 1) per axis, no cropping, the aspect ratio is not
 * kept. nsfwjs skips the resize when the image already has that size; with aligned corners it is
 * then the identity, so cull always runs it (nn/resize.c follows tfjs-backend-cpu's kernel and gives
 * the same floats). cull starts from the decoder's preview (media/image.h: shortest side ≤ 256), not
 * the full image. The graph itself then maps 0..1 to −1..1 (its first nodes compute x·2 − 1).
 * Other folders get the same preprocessing, to the size their Placeholder declares ([-1, H, W, 3]).
 *
 * The id is the encoder name ("mobilenet", or "tfjs" for a folder) + "-" + the first 12 hex digits
 * of the SHA-256 of model.json followed by its shards in manifest order (`cat model.json
 * group1-shard*.bin | sha256sum`): other weights, another id.
 *
 * Threads: the model and plan are shared read-only. encode() takes a working state (tfjs_state)
 * from a small free list under a mutex, or makes one, and runs on the calling thread alone —
 * callers that run several encode()s at once get the parallelism. encode_batch() runs the batch on
 * a pool of one thread per CPU: each thread takes whole images (its own state), so every core works
 * through a whole network on cache-resident tensors with no synchronisation between layers; with
 * fewer images than threads, the images run one after another with each layer split across the
 * threads instead.
 */
#include "encoders/encoder.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoders/tfjs_exec.h"
#include "media/media.h"
#include "encoders/state_stash.h"
#include "nn/parallel.h"
#include "nn/resize.h"

#define FEATURE_SUFFIX "feature_vector/SpatialSqueeze"

typedef struct {
    net_encoder net;            /* first: the encoder handle is the struct */
    tfjs_model model;
    tfjs_plan plan;
    int in_h, in_w;             /* the Placeholder's image size */
    tfjs_state *per_thread;     /* one per pool thread */
    int n_per_thread;
} tfjs_enc;

/* ---- working states --------------------------------------------------------------------------- */

static void release_state(void *s)
{
    tfjs_state_free(s);
}

/* ---- one image in, one vector out -------------------------------------------------------------- */

static int check_image(const rgb_image *img, int index, char *err, size_t errlen)
{
    if (img->rgb && img->width > 0 && img->height > 0) return 0;
    if (index < 0) snprintf(err, errlen, "empty image");
    else snprintf(err, errlen, "image %d of the batch is empty", index);
    return -1;
}

/* Writes image i of a batch of n into the input tensor. */
static void load_input(const tfjs_enc *e, const tfjs_state *s, int n, int i, const rgb_image *img)
{
    float *in = tfjs_state_tensor(s, &e->plan, e->plan.input, n) + (size_t)i * e->in_h * e->in_w * 3;
    nn_resize_bilinear_rgb8(img->rgb, img->width, img->height, in, e->in_w, e->in_h, 1);
}

/* Copies image i's outputs, one after another, to out. */
static void store_output(const tfjs_enc *e, const tfjs_state *s, int n, int i, float *out)
{
    for (int k = 0; k < e->plan.n_outputs; k++) {
        int node = e->plan.outputs[k];
        size_t elems = e->plan.tensors[node].elems;
        memcpy(out, tfjs_state_tensor(s, &e->plan, node, n) + (size_t)i * elems, elems * sizeof *out);
        out += elems;
    }
}

static int tfjs_encode(const encoder *enc, const rgb_image *img, float *out, char *err, size_t errlen)
{
    tfjs_enc *e = enc->state;
    if (check_image(img, -1, err, errlen)) return -1;
    tfjs_state *s = stash_take(&e->net.idle);
    if (!s || tfjs_state_reserve(s, &e->plan, 1, 1)) {
        snprintf(err, errlen, "%s: out of memory for the network's tensors", enc->name);
        if (s) stash_give(&e->net.idle, s);
        return -1;
    }
    load_input(e, s, 1, 0, img);
    tfjs_run(&e->plan, s, 1, NULL, NULL);
    store_output(e, s, 1, 0, out);
    stash_give(&e->net.idle, s);
    return 0;
}

/* ---- batches ------------------------------------------------------------------------------------ */

typedef struct {
    tfjs_enc *e;
    const rgb_image *imgs;
    float *out;
} batch_job;

/* Task i: image i, start to finish, on the thread's own state. */
static void image_task(void *ctx, size_t i, int thread)
{
    batch_job *j = ctx;
    tfjs_state *s = &j->e->per_thread[thread];
    load_input(j->e, s, 1, 0, &j->imgs[i]);
    tfjs_run(&j->e->plan, s, 1, NULL, NULL);
    store_output(j->e, s, 1, 0, j->out + i * (size_t)j->e->net.base.dim);
}

static int tfjs_encode_batch(const encoder *enc, const rgb_image *imgs, int n, float *out, char *err, size_t errlen)
{
    tfjs_enc *e = enc->state;
    for (int i = 0; i < n; i++)
        if (check_image(&imgs[i], i, err, errlen)) return -1;
    if (n <= 0) return 0;
    pthread_mutex_lock(&e->net.batch_mu);
    int rc = -1;
    if (!e->net.pool) e->per_thread = batch_states_start(&e->net.pool, sizeof *e->per_thread, &e->n_per_thread);
    if (!e->net.pool) goto oom;
    int threads = nn_pool_threads(e->net.pool);
    if (n >= threads) { /* whole images per thread */
        for (int t = 0; t < threads; t++)
            if (tfjs_state_reserve(&e->per_thread[t], &e->plan, 1, 1)) goto oom;
        batch_job job = {e, imgs, out};
        nn_pool_run(e->net.pool, (size_t)n, image_task, &job);
    } else { /* one image at a time, each layer across the threads */
        tfjs_state *s = &e->per_thread[0];
        if (tfjs_state_reserve(s, &e->plan, 1, threads)) goto oom;
        for (int i = 0; i < n; i++) {
            load_input(e, s, 1, 0, &imgs[i]);
            tfjs_run(&e->plan, s, 1, e->net.pool, NULL);
            store_output(e, s, 1, 0, out + (size_t)i * enc->dim);
        }
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "%s: out of memory for the network's tensors", enc->name);
out:
    pthread_mutex_unlock(&e->net.batch_mu);
    return rc;
}

/* ---- opening and closing ------------------------------------------------------------------------ */

static void tfjs_close(encoder *enc)
{
    tfjs_enc *e = enc->state;
    if (!e) return;
    net_encoder_stop(&e->net);
    for (int t = 0; t < e->n_per_thread; t++) tfjs_state_free(&e->per_thread[t]);
    free(e->per_thread);
    tfjs_plan_free(&e->plan);
    tfjs_model_free(&e->model);
    free(e);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The feature node (when there is one), then the graph's sinks. */
static int choose_outputs(const tfjs_model *m, int *outputs)
{
    int n = 0;
    for (int v = 0; v < m->n_nodes && n == 0; v++)
        if (ends_with(m->nodes[v].name, FEATURE_SUFFIX)) outputs[n++] = v;
    return n + tfjs_default_outputs(m, outputs + n, TFJS_MAX_OUTPUTS - n);
}

static encoder *open_folder(const char *dir, const char *name, char *err, size_t errlen)
{
    nn_gemm_init();
    tfjs_enc *e = calloc(1, sizeof *e);
    if (!e || net_encoder_start(&e->net, e, dir, sizeof(tfjs_state), release_state, tfjs_close, err, errlen)) {
        if (!e) snprintf(err, errlen, "%s: out of memory", dir);
        free(e);
        return NULL;
    }
    if (tfjs_model_load(dir, &e->model, err, errlen)) goto fail;
    int outputs[TFJS_MAX_OUTPUTS];
    int n_out = choose_outputs(&e->model, outputs);
    if (n_out < 1) {
        snprintf(err, errlen, "%s/model.json: the graph has no output node", dir);
        goto fail;
    }
    if (tfjs_plan_build(&e->model, outputs, n_out, dir, &e->plan, err, errlen)) goto fail;
    const tfjs_shape *in = &e->plan.tensors[e->plan.input].shape;
    if (in->rank != 4 || in->dim[3] != 3) {
        snprintf(err, errlen, "%s/model.json: the input is not a batch of RGB images [N, height, width, 3]", dir);
        goto fail;
    }
    if (e->plan.out_elems > (1u << 24)) {
        snprintf(err, errlen, "%s/model.json: the outputs hold %zu floats per image, too many for an embedding",
                 dir, e->plan.out_elems);
        goto fail;
    }
    e->in_h = (int)in->dim[1];
    e->in_w = (int)in->dim[2];
    char hex[65];
    media_sha256_hex(e->model.sha256, hex);
    net_encoder_name(&e->net, name, "tfjs", hex);
    e->net.base.dim = (int)e->plan.out_elems;
    e->net.base.encode = tfjs_encode;
    e->net.base.encode_batch = tfjs_encode_batch;
    return &e->net.base;
fail:
    tfjs_close(&e->net.base);
    return NULL;
}

encoder *tfjs_encoder_open(const char *dir, const char *name, char *err, size_t errlen)
{
    return open_folder(dir, name, err, errlen);
}
