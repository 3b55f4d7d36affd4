/*
 * tfjs_model.h — reading a TensorFlow.js graph model (model.json + binary weight shards) into
 * memory: the graph's nodes with their attributes parsed and checked, and every constant
 * dequantized to float32.
 *
 * Layout (tfjs "graph-model" format): model.json holds modelTopology.node[] — {name, op, input[],
 * attr{}} with attribute values in TensorFlow's AttrValue JSON ({"i": "2"}, {"list": {"i": [...]}},
 * {"s": base64}, {"b": true}, {"type": "DT_FLOAT"}, {"shape": ...}, {"tensor": ...}) — and
 * weightsManifest[] — groups of {paths: [shard files], weights: [{name, shape, dtype,
 * quantization?}]}. A group's shards, concatenated in order, hold its weights back to back in
 * manifest order; a quantized weight stores uint8/uint16 codes q for min + scale·q, or float16.
 * Every Const node names one manifest weight, whose shape must equal the node's declared shape.
 *
 * The files are untrusted. Every size is checked against the bytes actually present before
 * anything is allocated from it; every node input must name a node; every attribute an op needs
 * must be present and sane; an op outside the supported set is refused at load time. A failure is
 * one message naming the file and the problem. Graph-level checks (shapes agreeing between
 * nodes, cycles) are tfjs_plan's job.
 */
#ifndef CULL_ENCODERS_TFJS_MODEL_H
#define CULL_ENCODERS_TFJS_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "nn/gemm.h"

#define TFJS_MAX_RANK 6
#define TFJS_MAX_JSON_BYTES (64u << 20)        /* model.json */
#define TFJS_MAX_WEIGHT_BYTES (2ull << 30)     /* all shards together */

typedef enum {
    TFJS_PLACEHOLDER,
    TFJS_CONST,
    TFJS_IDENTITY,      /* also Squeeze and Reshape-free views: same buffer, new shape */
    TFJS_SQUEEZE,
    TFJS_ADD,
    TFJS_SUB,
    TFJS_MUL,
    TFJS_CONV2D,        /* Conv2D, _FusedConv2D */
    TFJS_DEPTHWISE,     /* DepthwiseConv2dNative, FusedDepthwiseConv2dNative */
    TFJS_AVGPOOL,
    TFJS_MATMUL,        /* MatMul, _FusedMatMul */
    TFJS_SOFTMAX,
    TFJS_BLOCK,         /* not an op of the file: a fused 1×1 → depthwise → 1×1 chain (tfjs_plan.c) */
} tfjs_op;
#define TFJS_N_OPS (TFJS_BLOCK + 1)

typedef enum { TFJS_PAD_VALID, TFJS_PAD_SAME, TFJS_PAD_EXPLICIT } tfjs_padding;

typedef struct {
    int rank;
    int64_t dim[TFJS_MAX_RANK];     /* -1: unknown (the batch dimension of a Placeholder) */
} tfjs_shape;

typedef struct {
    char *name;
    const char *op_name;            /* as written in model.json (static string) */
    tfjs_op op;
    int n_inputs;
    int *inputs;                    /* data inputs, as node indices; control inputs dropped */
    tfjs_shape shape;               /* Placeholder: declared shape; Const: the tensor's shape */
    const float *data;              /* Const: its values, inside tfjs_model.weights */
    /* Convolutions and pooling, for the H and W axes. */
    int strides[2], dilations[2], ksize[2];
    tfjs_padding padding;
    int explicit_pad[4];            /* top, bottom, left, right */
    /* Fused epilogue of _FusedConv2D, FusedDepthwiseConv2dNative, _FusedMatMul: the bias is
       input 2. */
    int has_bias;
    nn_act act;
    int transpose_a, transpose_b;
    int n_squeeze;                  /* 0: squeeze every size-1 dimension but the batch */
    int squeeze_dims[TFJS_MAX_RANK];
} tfjs_node;

typedef struct {
    tfjs_node *nodes;
    int n_nodes;
    float *weights;                 /* every constant's values, back to back */
    size_t n_weights;
    uint8_t sha256[32];             /* of model.json's bytes, then each shard's, in manifest order */
    uint64_t bytes;                 /* model.json plus shards */
} tfjs_model;

/* Supplies the bytes of the shard file `path` (as written in the manifest, already checked to be a
   plain file name): *data malloc'd (freed by the caller), or -1 with a reason in err. */
typedef int (*tfjs_shard_reader)(void *ctx, const char *path, uint8_t **data, size_t *len, char *err,
                                 size_t errlen);

/* Loads dir/model.json and its shards. 0, or -1 with a message naming the file in err. */
int tfjs_model_load(const char *dir, tfjs_model *m, char *err, size_t errlen);
/* The same from model.json's bytes in memory; shards come from read. label names the folder in
   messages ("label/model.json: ..."). */
int tfjs_model_parse(const char *json, size_t len, const char *label, tfjs_shard_reader read, void *ctx,
                     tfjs_model *m, char *err, size_t errlen);
void tfjs_model_free(tfjs_model *m);

/* Index of the node called name, or -1. */
int tfjs_model_find(const tfjs_model *m, const char *name);

#endif
