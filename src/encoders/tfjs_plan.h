/*
 * tfjs_plan.h — preparing a loaded tfjs graph model (tfjs_model.h) to run: the plan that
 * tfjs_exec.h runs.
 *
 * tfjs_plan_build checks the graph as a whole and prepares it once: it keeps the nodes the chosen
 * outputs depend on, orders them (refusing cycles), infers every tensor's shape from the one
 * Placeholder's (its first dimension is the batch, any size) and checks each op's operands agree,
 * fills the nn kernel descriptors, fuses 1×1 → depthwise → 1×1 chains over large tensors into one
 * row-by-row step (nn/block.h), and lays out all intermediate tensors in one arena by their
 * lifetimes: two tensors share memory when one is dead before the other is written. Identity and
 * Squeeze cost nothing: their output is their input's memory under a new shape.
 */
#ifndef CULL_ENCODERS_TFJS_PLAN_H
#define CULL_ENCODERS_TFJS_PLAN_H

#include "encoders/tfjs_model.h"
#include "nn/block.h"
#include "nn/conv.h"
#include "nn/depthwise.h"
#include "nn/eltwise.h"
#include "nn/gemm.h"
#include "nn/pool.h"

#define TFJS_MAX_OUTPUTS 8
#define TFJS_MAX_IMAGE_FLOATS (1u << 26)    /* of any one tensor, per image (256 MiB) */

typedef struct {
    int is_const;
    tfjs_shape shape;           /* activations: dim[0] is the batch, written -1 */
    size_t elems;               /* activations: per image; constants: all */
    int buf;                    /* activations: index into tfjs_plan.bufs; -1 inside a fused chain */
    const float *data;          /* constants */
} tfjs_tensor;

typedef struct {
    int node;                   /* writes tensors[node] */
    tfjs_op op;
    int in[3];                  /* input nodes */
    union {
        nn_conv2d conv;         /* n is set per run */
        nn_depthwise dw;
        nn_avgpool pool;
        nn_dense dense;
    } k;
    size_t block;               /* rows (or elements) per task */
    /* A pointwise convolution feeding a depthwise one feeding a pointwise one (either pointwise
       optional), each read by the next alone, runs as one nn_block: its first step has chain = how
       many steps follow in it, and those are marked fused (skipped). The tensors inside the chain
       get no memory. */
    int chain, fused;
    nn_block fuse;
} tfjs_step;

typedef struct {
    size_t offset, size;        /* floats per image */
    int first, last;            /* steps that write it first and read it last (-1: before the run) */
} tfjs_buffer;

typedef struct {
    const tfjs_model *model;
    tfjs_tensor *tensors;       /* one per model node; unused nodes stay zero */
    tfjs_step *steps;
    int n_steps;
    tfjs_buffer *bufs;
    int n_bufs;
    size_t arena_per_image;     /* floats */
    size_t scratch_per_thread;  /* floats */
    int input;                  /* the Placeholder node */
    int n_outputs;
    int outputs[TFJS_MAX_OUTPUTS];
    size_t out_elems;           /* per image, all outputs together */
} tfjs_plan;

/* Chains are fused only when the tensors they keep out of memory hold at least this many floats
   per image (2^19: 2 MiB, the size of a core's L2); smaller ones stay in cache anyway and run
   faster layer by layer. Tests set 0 to fuse every chain. */
extern size_t tfjs_fuse_min_floats;

/* Plans the subgraph that computes the given output nodes. 0, or -1 with a message in err naming
   the model folder (label) and the node at fault. */
int tfjs_plan_build(const tfjs_model *m, const int *outputs, int n_outputs, const char *label, tfjs_plan *p,
                    char *err, size_t errlen);
void tfjs_plan_free(tfjs_plan *p);

/* The default outputs of a graph: its sinks (nodes nothing reads, constants aside), in graph order.
   Returns how many (at most max). */
int tfjs_default_outputs(const tfjs_model *m, int *outputs, int max);

#endif
