/*
 * tfjs_plan.c — graph checks, shape inference and memory layout (tfjs_plan.h).
 */
#include "encoders/tfjs_plan.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 16                            /* floats: offsets stay 64-byte aligned */
#define BLOCK_BYTES (512u << 10)            /* in + out of one GEMM task: fits in L2 */
#define TFJS_MAX_STEPS 10000                /* computing nodes; layout is quadratic in them */
#define FUSE_BYTES (1u << 20)               /* scratch of a fused chain, per thread: half of L2 */

size_t tfjs_fuse_min_floats = 1u << 19;

typedef struct {
    const tfjs_model *m;
    tfjs_plan *p;
    const char *label;
    char *err;
    size_t errlen;
} planner;

__attribute__((format(printf, 3, 4))) static int fail(planner *P, int node, const char *fmt, ...)
{
    int w = node >= 0 ? snprintf(P->err, P->errlen, "%s/model.json: node '%s' (%s): ", P->label,
                                 P->m->nodes[node].name, P->m->nodes[node].op_name)
                      : snprintf(P->err, P->errlen, "%s/model.json: ", P->label);
    if (w < 0 || (size_t)w >= P->errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(P->err + w, P->errlen - (size_t)w, fmt, ap);
    va_end(ap);
    return -1;
}

static void shape_str(const tfjs_shape *s, char *buf, size_t cap)
{
    size_t used = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < s->rank && used < cap; i++) {
        if (s->dim[i] < 0) used += (size_t)snprintf(buf + used, cap - used, "%sN", i ? ", " : "");
        else used += (size_t)snprintf(buf + used, cap - used, "%s%lld", i ? ", " : "", (long long)s->dim[i]);
    }
    if (used < cap) snprintf(buf + used, cap - used, "]");
}

/* ---- order ------------------------------------------------------------------------------------ */

/* Marks what the outputs depend on and orders it inputs-first (Kahn). order gets the nodes;
   returns how many, or -1 on a cycle. */
static int order_nodes(planner *P, const int *outputs, int n_outputs, int *order)
{
    const tfjs_model *m = P->m;
    int n = m->n_nodes, count = 0, rc = -1, top = 0;
    size_t edges = 0;
    for (int v = 0; v < n; v++) edges += (size_t)m->nodes[v].n_inputs;
    char *needed = calloc((size_t)n, 1);
    int *stack = malloc((size_t)n * sizeof *stack), *indeg = calloc((size_t)n, sizeof *indeg);
    int *start = calloc((size_t)n + 1, sizeof *start), *fill = calloc((size_t)n, sizeof *fill);
    int *consumers = malloc((edges ? edges : 1) * sizeof *consumers);
    if (!needed || !stack || !indeg || !start || !fill || !consumers) {
        fail(P, -1, "out of memory");
        goto out;
    }
    for (int i = 0; i < n_outputs; i++)
        if (!needed[outputs[i]]) {
            needed[outputs[i]] = 1;
            stack[top++] = outputs[i];
        }
    while (top > 0) {
        int v = stack[--top];
        for (int j = 0; j < m->nodes[v].n_inputs; j++) {
            int u = m->nodes[v].inputs[j];
            if (!needed[u]) {
                needed[u] = 1;
                stack[top++] = u;
            }
        }
    }
    /* who reads each needed node (CSR), and how many inputs each waits for */
    for (int v = 0; v < n; v++)
        if (needed[v])
            for (int j = 0; j < m->nodes[v].n_inputs; j++) {
                start[m->nodes[v].inputs[j] + 1]++;
                indeg[v]++;
            }
    for (int v = 0; v < n; v++) start[v + 1] += start[v];
    for (int v = 0; v < n; v++)
        if (needed[v])
            for (int j = 0; j < m->nodes[v].n_inputs; j++) {
                int u = m->nodes[v].inputs[j];
                consumers[start[u] + fill[u]++] = v;
            }
    for (int v = n - 1; v >= 0; v--) /* a stack, filled backwards so graph order mostly holds */
        if (needed[v] && indeg[v] == 0) stack[top++] = v;
    while (top > 0) {
        int v = stack[--top];
        order[count++] = v;
        for (int e = start[v + 1] - 1; e >= start[v]; e--)
            if (--indeg[consumers[e]] == 0) stack[top++] = consumers[e];
    }
    for (int v = 0; v < n; v++)
        if (needed[v] && indeg[v] > 0) {
            fail(P, v, "is part of a cycle: the graph is not a DAG");
            goto out;
        }
    rc = count;
out:
    free(needed);
    free(stack);
    free(indeg);
    free(start);
    free(fill);
    free(consumers);
    return rc;
}

/* ---- shapes ----------------------------------------------------------------------------------- */

/* A new activation tensor of shape s for node v (its own buffer is made later). */
static int set_activation(planner *P, int v, const tfjs_shape *s)
{
    tfjs_tensor *t = &P->p->tensors[v];
    t->is_const = 0;
    t->shape = *s;
    t->shape.dim[0] = -1;
    if (s->rank < 1) return fail(P, v, "output has no batch dimension");
    size_t e = 1;
    for (int i = 1; i < s->rank; i++) {
        if (s->dim[i] < 1) return fail(P, v, "output dimension %d is %lld", i, (long long)s->dim[i]);
        if ((size_t)s->dim[i] > TFJS_MAX_IMAGE_FLOATS) goto big;
        e *= (size_t)s->dim[i];
        if (e > TFJS_MAX_IMAGE_FLOATS) goto big;
    }
    t->elems = e;
    return 0;
big:;
    char b[160];
    shape_str(s, b, sizeof b);
    return fail(P, v, "output %s is over %u floats per image", b, TFJS_MAX_IMAGE_FLOATS);
}

/* Output size and leading padding along one axis. */
static int axis(planner *P, int v, const char *what, int64_t in, int64_t k, int64_t stride, int64_t dil,
                tfjs_padding pad, int64_t before, int64_t after, int *out, int *lead)
{
    int64_t eff = (k - 1) * dil + 1;
    if (eff > (1 << 20)) return fail(P, v, "%s window of %lld is too large", what, (long long)eff);
    if (pad == TFJS_PAD_SAME) {
        int o, b;
        nn_same_padding((int)in, (int)k, (int)stride, (int)dil, &o, &b);
        *out = o;
        *lead = b;
        return 0;
    }
    if (pad == TFJS_PAD_VALID) before = after = 0;
    int64_t span = in + before + after;
    if (span < eff)
        return fail(P, v, "%s window of %lld does not fit the padded input of %lld", what, (long long)eff,
                    (long long)span);
    *out = (int)((span - eff) / stride + 1);
    *lead = (int)before;
    return 0;
}

static const tfjs_tensor *T(planner *P, int v)
{
    return &P->p->tensors[v];
}

static int need_const(planner *P, int v, int in, const char *role, int rank)
{
    const tfjs_tensor *t = T(P, in);
    if (!t->is_const) return fail(P, v, "the %s must be a constant", role);
    if (t->shape.rank != rank) return fail(P, v, "the %s has rank %d, not %d", role, t->shape.rank, rank);
    return 0;
}

static int need_act(planner *P, int v, int in, const char *role, int rank)
{
    const tfjs_tensor *t = T(P, in);
    if (t->is_const) return fail(P, v, "the %s is a constant; cull runs this op on computed tensors only", role);
    if (rank && t->shape.rank != rank) return fail(P, v, "the %s has rank %d, not %d", role, t->shape.rank, rank);
    return 0;
}

static int check_bias(planner *P, int v, int in, int64_t n)
{
    if (need_const(P, v, in, "bias", 1)) return -1;
    if (T(P, in)->shape.dim[0] != n)
        return fail(P, v, "bias has %lld values for %lld channels", (long long)T(P, in)->shape.dim[0], (long long)n);
    return 0;
}

static int infer_conv(planner *P, int v, tfjs_step *st)
{
    const tfjs_node *nd = &P->m->nodes[v];
    int depthwise = nd->op == TFJS_DEPTHWISE;
    if (need_act(P, v, nd->inputs[0], "input", 4) || need_const(P, v, nd->inputs[1], "filter", 4)) return -1;
    const tfjs_shape *x = &T(P, nd->inputs[0])->shape, *f = &T(P, nd->inputs[1])->shape;
    char a[160], b[160];
    if (f->dim[2] != x->dim[3]) {
        shape_str(x, a, sizeof a);
        shape_str(f, b, sizeof b);
        return fail(P, v, "filter %s does not fit input %s (in-channels differ)", b, a);
    }
    for (int i = 0; i < 4; i++)
        if (f->dim[i] < 1 || f->dim[i] > INT_MAX) return fail(P, v, "filter dimension %d is %lld", i, (long long)f->dim[i]);
    if (depthwise && f->dim[0] > NN_DEPTHWISE_MAX_K)
        return fail(P, v, "a depthwise filter %lld high is over %d", (long long)f->dim[0], NN_DEPTHWISE_MAX_K);
    int64_t cout = depthwise ? f->dim[2] * f->dim[3] : f->dim[3];
    if (cout > TFJS_MAX_IMAGE_FLOATS) return fail(P, v, "too many output channels");
    if (nd->has_bias && check_bias(P, v, nd->inputs[2], cout)) return -1;
    int oh, ow, pt, pl;
    if (axis(P, v, "vertical", x->dim[1], f->dim[0], nd->strides[0], nd->dilations[0], nd->padding,
             nd->explicit_pad[0], nd->explicit_pad[1], &oh, &pt) ||
        axis(P, v, "horizontal", x->dim[2], f->dim[1], nd->strides[1], nd->dilations[1], nd->padding,
             nd->explicit_pad[2], nd->explicit_pad[3], &ow, &pl))
        return -1;
    tfjs_shape out = {4, {-1, oh, ow, cout}};
    if (set_activation(P, v, &out)) return -1;
    const float *bias = nd->has_bias ? T(P, nd->inputs[2])->data : NULL;
    if (depthwise) {
        st->k.dw = (nn_depthwise){1, (int)x->dim[1], (int)x->dim[2], (int)x->dim[3], oh, ow, (int)f->dim[3],
                                  (int)f->dim[0], (int)f->dim[1], nd->strides[0], nd->strides[1],
                                  nd->dilations[0], nd->dilations[1], pt, pl, T(P, nd->inputs[1])->data, bias,
                                  nd->act};
        size_t per_row = (size_t)ow * (size_t)cout;
        st->block = per_row >= 32768 ? 1 : 32768 / per_row;
    } else {
        st->k.conv = (nn_conv2d){1, (int)x->dim[1], (int)x->dim[2], (int)x->dim[3], oh, ow, (int)cout,
                                 (int)f->dim[0], (int)f->dim[1], nd->strides[0], nd->strides[1],
                                 nd->dilations[0], nd->dilations[1], pt, pl, T(P, nd->inputs[1])->data, bias,
                                 nd->act};
        size_t k = (size_t)f->dim[0] * f->dim[1] * f->dim[2];
        size_t rows = BLOCK_BYTES / sizeof(float) / (k + (size_t)cout);
        rows = rows < 128 ? 128 : rows > 4096 ? 4096 : rows;
        st->block = rows;
        size_t scratch = nn_conv2d_scratch(&st->k.conv, rows);
        if (scratch > TFJS_MAX_IMAGE_FLOATS) return fail(P, v, "filter too large");
        if (scratch > P->p->scratch_per_thread) P->p->scratch_per_thread = scratch;
    }
    return 0;
}

static int infer_pool(planner *P, int v, tfjs_step *st)
{
    const tfjs_node *nd = &P->m->nodes[v];
    if (need_act(P, v, nd->inputs[0], "input", 4)) return -1;
    const tfjs_shape *x = &T(P, nd->inputs[0])->shape;
    int oh, ow, pt, pl;
    if (axis(P, v, "vertical", x->dim[1], nd->ksize[0], nd->strides[0], 1, nd->padding, 0, 0, &oh, &pt) ||
        axis(P, v, "horizontal", x->dim[2], nd->ksize[1], nd->strides[1], 1, nd->padding, 0, 0, &ow, &pl))
        return -1;
    tfjs_shape out = {4, {-1, oh, ow, x->dim[3]}};
    if (set_activation(P, v, &out)) return -1;
    st->k.pool = (nn_avgpool){1, (int)x->dim[1], (int)x->dim[2], (int)x->dim[3], oh, ow, nd->ksize[0], nd->ksize[1],
                              nd->strides[0], nd->strides[1], pt, pl};
    st->block = 1;
    return 0;
}

static int infer_matmul(planner *P, int v, tfjs_step *st)
{
    const tfjs_node *nd = &P->m->nodes[v];
    if (need_act(P, v, nd->inputs[0], "left operand", 2) || need_const(P, v, nd->inputs[1], "right operand", 2))
        return -1;
    if (nd->transpose_a) return fail(P, v, "transpose_a is not supported");
    const tfjs_shape *x = &T(P, nd->inputs[0])->shape, *w = &T(P, nd->inputs[1])->shape;
    int64_t k = nd->transpose_b ? w->dim[1] : w->dim[0], n = nd->transpose_b ? w->dim[0] : w->dim[1];
    if (k != x->dim[1] || n < 1) {
        char a[160], b[160];
        shape_str(x, a, sizeof a);
        shape_str(w, b, sizeof b);
        return fail(P, v, "cannot multiply %s by %s%s", a, b, nd->transpose_b ? " transposed" : "");
    }
    if (nd->has_bias && check_bias(P, v, nd->inputs[2], n)) return -1;
    tfjs_shape out = {2, {-1, n}};
    if (set_activation(P, v, &out)) return -1;
    st->k.dense = (nn_dense){(size_t)k, (size_t)n, nd->transpose_b, T(P, nd->inputs[1])->data,
                             nd->has_bias ? T(P, nd->inputs[2])->data : NULL, nd->act};
    st->block = 64;
    return 0;
}

/* Shapes of a binary op's operands with the batch dimension set to n. */
static void with_batch(const tfjs_tensor *t, int64_t n, int64_t *dims)
{
    for (int i = 0; i < t->shape.rank; i++) dims[i] = t->shape.dim[i];
    if (!t->is_const && t->shape.rank > 0) dims[0] = n;
}

static int infer_binary(planner *P, int v, tfjs_step *st)
{
    const tfjs_node *nd = &P->m->nodes[v];
    const tfjs_tensor *a = T(P, nd->inputs[0]), *b = T(P, nd->inputs[1]);
    if (a->is_const && b->is_const) return fail(P, v, "both operands are constants; cull does not fold constants");
    const tfjs_tensor *act = a->is_const ? b : a, *other = a->is_const ? a : b;
    if (other->shape.rank > act->shape.rank) return fail(P, v, "the constant has more dimensions than the tensor");
    /* The result must keep the batch dimension in front and be the same for every batch size. */
    tfjs_shape out = {0, {0}};
    for (int64_t n = 2; n <= 3; n++) {
        int64_t da[TFJS_MAX_RANK], db[TFJS_MAX_RANK];
        with_batch(a, n, da);
        with_batch(b, n, db);
        nn_broadcast bc;
        if (nn_broadcast_init(&bc, da, a->shape.rank, db, b->shape.rank)) {
            char x[160], y[160];
            shape_str(&a->shape, x, sizeof x);
            shape_str(&b->shape, y, sizeof y);
            return fail(P, v, "shapes %s and %s do not broadcast", x, y);
        }
        /* broadcast result dims, recomputed plainly */
        int r = act->shape.rank;
        out.rank = r;
        for (int i = 0; i < r; i++) {
            int ia = i - (r - a->shape.rank), ib = i - (r - b->shape.rank);
            int64_t x = ia >= 0 ? da[ia] : 1, y = ib >= 0 ? db[ib] : 1;
            out.dim[i] = x > y ? x : y;
        }
        if (out.dim[0] != n) return fail(P, v, "the result's first dimension is not the batch");
    }
    if (set_activation(P, v, &out)) return -1;
    st->block = 1 << 16;
    return 0;
}

static int infer_squeeze(planner *P, int v)
{
    const tfjs_node *nd = &P->m->nodes[v];
    if (need_act(P, v, nd->inputs[0], "input", 0)) return -1;
    const tfjs_shape *x = &T(P, nd->inputs[0])->shape;
    int drop[TFJS_MAX_RANK] = {0};
    if (nd->n_squeeze == 0) {
        for (int i = 1; i < x->rank; i++) drop[i] = x->dim[i] == 1;
    } else {
        for (int i = 0; i < nd->n_squeeze; i++) {
            int d = nd->squeeze_dims[i] < 0 ? nd->squeeze_dims[i] + x->rank : nd->squeeze_dims[i];
            if (d < 0 || d >= x->rank) return fail(P, v, "squeeze dimension %d is out of range", nd->squeeze_dims[i]);
            if (d == 0) return fail(P, v, "cannot squeeze the batch dimension");
            if (x->dim[d] != 1) return fail(P, v, "dimension %d has size %lld, not 1", d, (long long)x->dim[d]);
            drop[d] = 1;
        }
    }
    tfjs_shape out = {0, {0}};
    for (int i = 0; i < x->rank; i++)
        if (!drop[i]) out.dim[out.rank++] = x->dim[i];
    return set_activation(P, v, &out);
}

/* Shape of node v, given its inputs'; fills the step for ops that compute. */
static int infer(planner *P, int v, tfjs_step *st, int *computes)
{
    const tfjs_node *nd = &P->m->nodes[v];
    tfjs_tensor *t = &P->p->tensors[v];
    *computes = 0;
    switch (nd->op) {
    case TFJS_PLACEHOLDER: {
        tfjs_shape s = nd->shape;
        if (s.rank < 1 || (s.dim[0] != -1 && s.dim[0] != 1))
            return fail(P, v, "the input's first dimension must be the batch (-1 or 1)");
        for (int i = 1; i < s.rank; i++)
            if (s.dim[i] < 1) return fail(P, v, "input dimension %d is not fixed (%lld)", i, (long long)s.dim[i]);
        return set_activation(P, v, &s);
    }
    case TFJS_CONST:
        t->is_const = 1;
        t->shape = nd->shape;
        t->data = nd->data;
        t->elems = 1;
        for (int i = 0; i < nd->shape.rank; i++) t->elems *= (size_t)nd->shape.dim[i];
        return 0;
    case TFJS_IDENTITY:
        *t = *T(P, nd->inputs[0]);
        return 0;
    case TFJS_SQUEEZE:
        return infer_squeeze(P, v);
    default:
        break;
    }
    *computes = 1;
    st->node = v;
    st->op = nd->op;
    for (int i = 0; i < nd->n_inputs && i < 3; i++) st->in[i] = nd->inputs[i];
    switch (nd->op) {
    case TFJS_ADD:
    case TFJS_SUB:
    case TFJS_MUL: return infer_binary(P, v, st);
    case TFJS_CONV2D:
    case TFJS_DEPTHWISE: return infer_conv(P, v, st);
    case TFJS_AVGPOOL: return infer_pool(P, v, st);
    case TFJS_MATMUL: return infer_matmul(P, v, st);
    case TFJS_SOFTMAX:
        if (need_act(P, v, nd->inputs[0], "input", 0)) return -1;
        if (T(P, nd->inputs[0])->shape.rank < 2) return fail(P, v, "softmax over the batch dimension");
        st->block = 64;
        return set_activation(P, v, &T(P, nd->inputs[0])->shape);
    default:
        return fail(P, v, "op not handled by the planner");
    }
}

/* ---- fusion ------------------------------------------------------------------------------- */

static int is_pointwise_step(const tfjs_step *st)
{
    return st->op == TFJS_CONV2D && nn_conv2d_is_pointwise(&st->k.conv);
}

/* Finds the 1×1 → depthwise → 1×1 chains (nn/block.h) among adjacent steps, where each inner tensor
   is read by the next step alone and is not an output; gives the chain to its first step and
   takes the inner tensors' memory away. pos[node] becomes the chain's position for every node in
   it, so the planner keeps the chain's input and output apart. */
static int fuse_blocks(planner *P, const int *order, int n_order, int *pos)
{
    tfjs_plan *p = P->p;
    const tfjs_model *m = P->m;
    int *readers = calloc((size_t)m->n_nodes, sizeof *readers);
    if (!readers) return fail(P, -1, "out of memory");
    for (int i = 0; i < n_order; i++)
        for (int j = 0; j < m->nodes[order[i]].n_inputs; j++) readers[m->nodes[order[i]].inputs[j]]++;
    for (int i = 0; i < p->n_outputs; i++) readers[p->outputs[i]] += 2; /* never fused away */
    for (int i = 0; i < p->n_steps; i++) {
        tfjs_step *st = &p->steps[i];
        int a = -1, d = -1, c = -1;
        if (st->op == TFJS_DEPTHWISE) {
            d = i;
        } else if (is_pointwise_step(st) && i + 1 < p->n_steps && p->steps[i + 1].op == TFJS_DEPTHWISE &&
                   p->steps[i + 1].in[0] == st->node && readers[st->node] == 1) {
            a = i;
            d = i + 1;
        } else {
            continue;
        }
        if (d + 1 < p->n_steps && is_pointwise_step(&p->steps[d + 1]) && p->steps[d + 1].in[0] == p->steps[d].node &&
            readers[p->steps[d].node] == 1)
            c = d + 1;
        if (a < 0 && c < 0) continue;
        /* Worth it only where the tensors it keeps out of memory would not stay in cache anyway: on
           small ones the row-by-row GEMMs (their weights packed again for every few rows) lose. */
        size_t kept_out = (a >= 0 ? p->tensors[p->steps[a].node].elems : 0) +
                          (c >= 0 ? p->tensors[p->steps[d].node].elems : 0);
        if (kept_out < tfjs_fuse_min_floats) continue;
        int head = a >= 0 ? a : d, last = c >= 0 ? c : d;
        nn_block *b = &p->steps[head].fuse;
        b->expand = a >= 0 ? &p->steps[a].k.conv : NULL;
        b->dw = &p->steps[d].k.dw;
        b->project = c >= 0 ? &p->steps[c].k.conv : NULL;
        size_t scratch = nn_block_prepare(b, FUSE_BYTES);
        if (scratch > p->scratch_per_thread) p->scratch_per_thread = scratch;
        p->steps[head].chain = last - head;
        for (int k = head + 1; k <= last; k++) {
            p->steps[k].fused = 1;
            pos[p->steps[k].node] = head;
        }
        if (a >= 0) p->tensors[p->steps[a].node].buf = -1;
        if (c >= 0) p->tensors[p->steps[d].node].buf = -1;
        i = last;
    }
    free(readers);
    return 0;
}

/* ---- memory --------------------------------------------------------------------------------- */

/* Buffers for every activation that owns memory; aliases (Identity, Squeeze) take their input's.
   pos[v] is node v's position in the run: the step index, or -1 for the input. */
static int assign_buffers(planner *P, const int *order, int n_order, const int *pos)
{
    tfjs_plan *p = P->p;
    const tfjs_model *m = P->m;
    p->bufs = calloc((size_t)n_order + 1, sizeof *p->bufs);
    if (!p->bufs) return fail(P, -1, "out of memory");
    for (int i = 0; i < n_order; i++) {
        int v = order[i];
        tfjs_tensor *t = &p->tensors[v];
        if (t->is_const || t->buf < 0) continue; /* constants, tensors inside a fused chain */
        tfjs_op op = m->nodes[v].op;
        if (op == TFJS_IDENTITY || op == TFJS_SQUEEZE) {
            t->buf = p->tensors[m->nodes[v].inputs[0]].buf;
            continue;
        }
        tfjs_buffer *b = &p->bufs[p->n_bufs];
        b->size = (t->elems + ALIGN - 1) / ALIGN * ALIGN;
        b->first = b->last = pos[v];
        t->buf = p->n_bufs++;
    }
    /* last use: the latest step reading any alias of the buffer; outputs live to the end */
    for (int i = 0; i < n_order; i++) {
        int v = order[i];
        if (p->tensors[v].is_const || pos[v] == INT_MIN) continue;
        for (int j = 0; j < m->nodes[v].n_inputs; j++) {
            const tfjs_tensor *in = &p->tensors[m->nodes[v].inputs[j]];
            if (!in->is_const && in->buf >= 0 && p->bufs[in->buf].last < pos[v]) p->bufs[in->buf].last = pos[v];
        }
    }
    for (int i = 0; i < p->n_outputs; i++) p->bufs[p->tensors[p->outputs[i]].buf].last = INT_MAX;
    return 0;
}

static int by_size_desc(const void *a, const void *b, void *ctx)
{
    const tfjs_buffer *bufs = ctx;
    size_t x = bufs[*(const int *)a].size, y = bufs[*(const int *)b].size;
    return x < y ? 1 : x > y ? -1 : *(const int *)a - *(const int *)b;
}

typedef struct {
    size_t lo, hi;
} span;

static int by_lo(const void *a, const void *b)
{
    size_t x = ((const span *)a)->lo, y = ((const span *)b)->lo;
    return x < y ? -1 : x > y;
}

/* Greedy by size: each buffer goes at the lowest offset clear of every placed buffer alive at the
   same time (first fit over those, sorted by offset). */
static int place_buffers(planner *P)
{
    tfjs_plan *p = P->p;
    int n = p->n_bufs;
    int *idx = malloc((size_t)(n ? n : 1) * sizeof *idx), *placed = malloc((size_t)(n ? n : 1) * sizeof *placed);
    span *busy = malloc((size_t)(n ? n : 1) * sizeof *busy);
    if (!idx || !placed || !busy) {
        free(idx);
        free(placed);
        free(busy);
        return fail(P, -1, "out of memory");
    }
    for (int i = 0; i < n; i++) idx[i] = i;
    qsort_r(idx, (size_t)n, sizeof *idx, by_size_desc, p->bufs);
    p->arena_per_image = 0;
    for (int i = 0; i < n; i++) {
        tfjs_buffer *b = &p->bufs[idx[i]];
        int nb = 0;
        for (int j = 0; j < i; j++) {
            const tfjs_buffer *o = &p->bufs[placed[j]];
            if (b->first <= o->last && o->first <= b->last) busy[nb++] = (span){o->offset, o->offset + o->size};
        }
        qsort(busy, (size_t)nb, sizeof *busy, by_lo);
        size_t off = 0;
        for (int j = 0; j < nb && busy[j].lo < off + b->size; j++)
            if (busy[j].hi > off) off = busy[j].hi;
        b->offset = off;
        placed[i] = idx[i];
        if (off + b->size > p->arena_per_image) p->arena_per_image = off + b->size;
    }
    free(idx);
    free(placed);
    free(busy);
    if (p->arena_per_image > (size_t)TFJS_MAX_IMAGE_FLOATS * 4)
        return fail(P, -1, "the tensors need over %u floats per image", TFJS_MAX_IMAGE_FLOATS * 4);
    return 0;
}

/* ---- entry points ------------------------------------------------------------------------- */

int tfjs_default_outputs(const tfjs_model *m, int *outputs, int max)
{
    char *read = calloc((size_t)m->n_nodes, 1);
    if (!read) return 0;
    for (int v = 0; v < m->n_nodes; v++)
        for (int j = 0; j < m->nodes[v].n_inputs; j++) read[m->nodes[v].inputs[j]] = 1;
    int n = 0;
    for (int v = 0; v < m->n_nodes && n < max; v++)
        if (!read[v] && m->nodes[v].op != TFJS_CONST) outputs[n++] = v;
    free(read);
    return n;
}

int tfjs_plan_build(const tfjs_model *m, const int *outputs, int n_outputs, const char *label, tfjs_plan *p,
                    char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    planner P = {m, p, label, err, errlen};
    p->model = m;
    p->input = -1;
    if (n_outputs < 1 || n_outputs > TFJS_MAX_OUTPUTS) return fail(&P, -1, "%d outputs asked for", n_outputs);
    int *order = malloc((size_t)m->n_nodes * sizeof *order), *pos = malloc((size_t)m->n_nodes * sizeof *pos);
    p->tensors = calloc((size_t)m->n_nodes, sizeof *p->tensors);
    p->steps = calloc((size_t)m->n_nodes, sizeof *p->steps);
    int rc = -1, n_order;
    if (!order || !pos || !p->tensors || !p->steps) {
        fail(&P, -1, "out of memory");
        goto out;
    }
    for (int i = 0; i < n_outputs; i++) {
        if (outputs[i] < 0 || outputs[i] >= m->n_nodes) {
            fail(&P, -1, "output %d is not a node", i);
            goto out;
        }
        p->outputs[i] = outputs[i];
    }
    p->n_outputs = n_outputs;
    if ((n_order = order_nodes(&P, outputs, n_outputs, order)) < 0) goto out;
    for (int i = 0; i < n_order; i++) {
        int v = order[i], computes;
        if (m->nodes[v].op == TFJS_PLACEHOLDER) {
            if (p->input >= 0) {
                fail(&P, v, "a second input; cull runs graphs with one Placeholder");
                goto out;
            }
            p->input = v;
        }
        if (p->n_steps >= TFJS_MAX_STEPS) {
            fail(&P, v, "over %d computing nodes", TFJS_MAX_STEPS);
            goto out;
        }
        if (infer(&P, v, &p->steps[p->n_steps], &computes)) goto out;
        /* position in the run: constants and views (Identity, Squeeze) have none */
        pos[v] = computes ? p->n_steps++ : m->nodes[v].op == TFJS_PLACEHOLDER ? -1 : INT_MIN;
    }
    if (p->input < 0) {
        fail(&P, -1, "the outputs do not depend on any Placeholder input");
        goto out;
    }
    p->out_elems = 0;
    for (int i = 0; i < n_outputs; i++) {
        if (p->tensors[outputs[i]].is_const) {
            fail(&P, outputs[i], "an output is a constant");
            goto out;
        }
        p->out_elems += p->tensors[outputs[i]].elems;
    }
    if (fuse_blocks(&P, order, n_order, pos) || assign_buffers(&P, order, n_order, pos) || place_buffers(&P)) goto out;
    rc = 0;
out:
    free(order);
    free(pos);
    if (rc) tfjs_plan_free(p);
    return rc;
}

void tfjs_plan_free(tfjs_plan *p)
{
    if (!p) return;
    free(p->tensors);
    free(p->steps);
    free(p->bufs);
    memset(p, 0, sizeof *p);
}
