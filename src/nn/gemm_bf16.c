/*
 * gemm_bf16.c — bf16 fully connected layers on oneDNN's matmul (gemm_bf16.h).
 *
 * The weights are reordered once into the blocked bf16 layout oneDNN's kernel asks for ("format
 * any", asked with 64 rows); the kernels for every row count are then built for that layout.
 * Should oneDNN have none, the run fails and the caller falls back to float32. The activations
 * are rounded to bf16 here, 32 at a time with AVX512-BF16, into the caller's scratch.
 */
#include "nn/gemm_bf16.h"

#include <immintrin.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PLANS 48  /* kernels kept per matrix: one per (m, beta) seen */

typedef struct {
    size_t m;
    int sum;
    dnnl_primitive_t prim;
} plan;

struct nn_bf16_linear {
    size_t n, k;
    dnnl_memory_desc_t wmd;  /* the packed layout */
    void *packed;
    pthread_mutex_t mu;
    plan plans[MAX_PLANS];
    int n_plans, next_evict;
};

static dnnl_engine_t engine;
static int avx512bf16;
static char native_isa[64];  /* oneDNN's bf16 implementation when it is bf16-native, else "" */

/* The matmul x[m×k] (bf16) · Wᵀ (W: n×k, bf16, layout left to oneDNN) → y[m×n] (f32), with
   y added in when sum. */
static dnnl_status_t matmul_desc(size_t m, size_t n, size_t k, int sum, const dnnl_memory_desc_t *wmd,
                                 dnnl_primitive_desc_t *pd)
{
    dnnl_memory_desc_t a, b, c;
    dnnl_dims_t da = {(dnnl_dim_t)m, (dnnl_dim_t)k}, db = {(dnnl_dim_t)k, (dnnl_dim_t)n};
    dnnl_dims_t dc = {(dnnl_dim_t)m, (dnnl_dim_t)n};
    dnnl_matmul_desc_t op;
    dnnl_status_t st;
    if ((st = dnnl_memory_desc_init_by_tag(&a, 2, da, dnnl_bf16, dnnl_ab)) ||
        (!wmd && (st = dnnl_memory_desc_init_by_tag(&b, 2, db, dnnl_bf16, dnnl_format_tag_any))) ||
        (st = dnnl_memory_desc_init_by_tag(&c, 2, dc, dnnl_f32, dnnl_ab)) ||
        (st = dnnl_matmul_desc_init(&op, &a, wmd ? wmd : &b, NULL, &c)))
        return st;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    if (sum && ((st = dnnl_primitive_attr_create(&attr)) || (st = dnnl_post_ops_create(&ops)) ||
                (st = dnnl_post_ops_append_sum(ops, 1.0f)) || (st = dnnl_primitive_attr_set_post_ops(attr, ops))))
        goto out;
    st = dnnl_primitive_desc_create(pd, &op, attr, engine, NULL);
out:
    if (ops) dnnl_post_ops_destroy(ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return st;
}

static void probe(void)
{
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return;
    dnnl_primitive_desc_t pd;
    if (matmul_desc(64, 64, 64, 0, NULL, &pd) != dnnl_success) return;
    const char *impl = NULL;
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    /* Native: brgemm on AMX tiles or on AVX512-BF16 dot products. Anything else ("gemm:jit" on
       plain AVX-512, say) converts to float32 inside and is slower than OpenBLAS's sgemm. */
    if (impl && (strstr(impl, "amx") || strstr(impl, "avx512_core_bf16")))
        snprintf(native_isa, sizeof native_isa, "%s", impl);
    dnnl_primitive_desc_destroy(pd);
    __builtin_cpu_init();
    avx512bf16 = __builtin_cpu_supports("avx512bf16");
}

const char *nn_bf16_native_isa(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, probe);
    return native_isa[0] ? native_isa : NULL;
}

/* Round to nearest even, as the hardware conversion does; NaN stays NaN. */
static uint16_t bf16_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

__attribute__((target("avx512f,avx512bf16"))) static size_t to_bf16_avx512(const float *x, uint16_t *out, size_t len)
{
    size_t i = 0;
    for (; i + 32 <= len; i += 32) {
        __m512bh r = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i));
        _mm512_storeu_si512((void *)(out + i), (__m512i)r);
    }
    return i;
}

static void to_bf16(const float *x, uint16_t *out, size_t len)
{
    size_t i = avx512bf16 ? to_bf16_avx512(x, out, len) : 0;
    for (; i < len; i++) out[i] = bf16_of(x[i]);
}

/* Runs the primitive on plain pointers. */
static int execute(dnnl_primitive_t prim, const dnnl_memory_desc_t *const mds[3], void *const ptrs[3],
                   const int kinds[3])
{
    dnnl_stream_t stream = NULL;
    dnnl_memory_t mem[3] = {NULL, NULL, NULL};
    dnnl_exec_arg_t args[3];
    int rc = -1;
    if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) goto out;
    for (int i = 0; i < 3; i++) {
        if (!mds[i]) continue;
        if (dnnl_memory_create(&mem[i], mds[i], engine, ptrs[i]) != dnnl_success) goto out;
    }
    int n = 0;
    for (int i = 0; i < 3; i++)
        if (mem[i]) args[n++] = (dnnl_exec_arg_t){kinds[i], mem[i]};
    if (dnnl_primitive_execute(prim, stream, n, args) != dnnl_success) goto out;
    rc = dnnl_stream_wait(stream) == dnnl_success ? 0 : -1;
out:
    for (int i = 0; i < 3; i++)
        if (mem[i]) dnnl_memory_destroy(mem[i]);
    if (stream) dnnl_stream_destroy(stream);
    return rc;
}

nn_bf16_linear *nn_bf16_linear_new(const float *w, size_t n, size_t k, char *err, size_t errlen)
{
    if (!nn_bf16_native_isa()) {
        snprintf(err, errlen, "bf16 matrix products need AMX or AVX512-BF16 (oneDNN has no native bf16 kernel here)");
        return NULL;
    }
    nn_bf16_linear *l = calloc(1, sizeof *l);
    uint16_t *plain = malloc(n * k * sizeof *plain);
    dnnl_primitive_desc_t pd = NULL, rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    if (!l || !plain) goto oom;
    l->n = n;
    l->k = k;
    pthread_mutex_init(&l->mu, NULL);
    if (matmul_desc(64, n, k, 0, NULL, &pd) != dnnl_success) goto refused;
    l->wmd = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if (posix_memalign(&l->packed, 64, dnnl_memory_desc_get_size(&l->wmd))) goto oom;
    /* W [n×k] row-major is Wᵀ [k×n] in the "ba" layout. */
    to_bf16(w, plain, n * k);
    dnnl_memory_desc_t src;
    dnnl_dims_t dims = {(dnnl_dim_t)k, (dnnl_dim_t)n};
    if (dnnl_memory_desc_init_by_tag(&src, 2, dims, dnnl_bf16, dnnl_ba) != dnnl_success ||
        dnnl_reorder_primitive_desc_create(&rpd, &src, engine, &l->wmd, engine, NULL) != dnnl_success ||
        dnnl_primitive_create(&reorder, rpd) != dnnl_success)
        goto refused;
    const dnnl_memory_desc_t *mds[3] = {&src, &l->wmd, NULL};
    void *ptrs[3] = {plain, l->packed, NULL};
    const int kinds[3] = {DNNL_ARG_FROM, DNNL_ARG_TO, 0};
    if (execute(reorder, mds, ptrs, kinds)) goto refused;
    dnnl_primitive_destroy(reorder);
    dnnl_primitive_desc_destroy(rpd);
    dnnl_primitive_desc_destroy(pd);
    free(plain);
    return l;
oom:
    snprintf(err, errlen, "out of memory for bf16 weights");
    goto fail;
refused:
    snprintf(err, errlen, "oneDNN refused a %zu×%zu bf16 matrix product", n, k);
fail:
    if (reorder) dnnl_primitive_destroy(reorder);
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    if (pd) dnnl_primitive_desc_destroy(pd);
    free(plain);
    nn_bf16_linear_free(l);
    return NULL;
}

void nn_bf16_linear_free(nn_bf16_linear *l)
{
    if (!l) return;
    for (int i = 0; i < l->n_plans; i++) dnnl_primitive_destroy(l->plans[i].prim);
    if (l->n) pthread_mutex_destroy(&l->mu);
    free(l->packed);
    free(l);
}

/* The kernel for m rows, built on first use for the packed layout (NULL if oneDNN has none). */
static dnnl_primitive_t plan_for(nn_bf16_linear *l, size_t m, int sum)
{
    pthread_mutex_lock(&l->mu);
    dnnl_primitive_t prim = NULL;
    for (int i = 0; i < l->n_plans && !prim; i++)
        if (l->plans[i].m == m && l->plans[i].sum == sum) prim = l->plans[i].prim;
    dnnl_primitive_desc_t pd = NULL;
    if (!prim && matmul_desc(m, l->n, l->k, sum, &l->wmd, &pd) == dnnl_success &&
        dnnl_primitive_create(&prim, pd) == dnnl_success) {
        if (l->n_plans == MAX_PLANS) { /* a long run of odd batch sizes: replace round robin */
            dnnl_primitive_destroy(l->plans[l->next_evict].prim);
            l->plans[l->next_evict] = (plan){m, sum, prim};
            l->next_evict = (l->next_evict + 1) % MAX_PLANS;
        } else {
            l->plans[l->n_plans++] = (plan){m, sum, prim};
        }
    }
    if (pd) dnnl_primitive_desc_destroy(pd);
    pthread_mutex_unlock(&l->mu);
    return prim;
}

int nn_bf16_linear_run(nn_bf16_linear *l, const float *x, size_t m, uint16_t *xb, float *y, float beta,
                       int threads)
{
    if (m == 0) return 0;
    dnnl_primitive_t prim = plan_for(l, m, beta != 0.0f);
    if (!prim) return -1;
    to_bf16(x, xb, m * l->k);
    dnnl_memory_desc_t src, dst;
    dnnl_dims_t ds = {(dnnl_dim_t)m, (dnnl_dim_t)l->k}, dd = {(dnnl_dim_t)m, (dnnl_dim_t)l->n};
    if (dnnl_memory_desc_init_by_tag(&src, 2, ds, dnnl_bf16, dnnl_ab) != dnnl_success ||
        dnnl_memory_desc_init_by_tag(&dst, 2, dd, dnnl_f32, dnnl_ab) != dnnl_success)
        return -1;
    /* oneDNN parallelises with OpenMP over the calling thread's thread count. */
    omp_set_num_threads(threads > 0 ? threads : 1);
    const dnnl_memory_desc_t *mds[3] = {&src, &l->wmd, &dst};
    void *ptrs[3] = {xb, l->packed, y};
    const int kinds[3] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST};
    return execute(prim, mds, ptrs, kinds);
}
