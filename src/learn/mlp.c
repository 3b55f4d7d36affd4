/*
 * mlp.c — one hidden layer, Adam, early stopping, several weight decays at once (see mlp.h).
 *
 * The K networks (one per weight decay) are packed side by side: W1 is dim × K·h, so one GEMM per
 * batch computes every network's hidden layer and one more every network's W1 gradient. Network
 * k owns hidden units [k·h, (k+1)·h) and output k; its loss, gradient, Adam state and stopping
 * are its own, so packing changes nothing but speed.
 */
#include "learn/mlp.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SCALE 1e-12
#define MIN_STEPS_PER_ROUND 10    /* small label sets: an epoch is one step */
#define ADAM_B1 0.9
#define ADAM_B2 0.999
#define ADAM_EPS 1e-8
#define EVAL_ROWS 512           /* validation rows per GEMM */

void mlp_default_options(mlp_options *o)
{
    *o = (mlp_options){.hidden = 32, .batch = 256, .max_rounds = 40, .patience = 4, .learning_rate = 1e-3,
                       .seed = 0x6d6c70};
}

/* ---- small helpers ---- */

static uint64_t next(uint64_t *s)
{
    uint64_t x = (*s += 0x9e3779b97f4a7c15ULL);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static double normal(uint64_t *s)
{
    double u = ((next(s) >> 11) + 0.5) / 9007199254740992.0, v = ((next(s) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static double sigmoid(double t)
{
    return t >= 0 ? 1 / (1 + exp(-t)) : exp(t) / (1 + exp(t));
}

/* −log σ(t) (for a delete: log-loss at margin t) without overflow. */
static double neg_log_sigmoid(double t)
{
    return t > 0 ? log1p(exp(-t)) : -t + log1p(exp(t));
}

/* Standardised copies of the given rows (the first n when rows is NULL) into out (n × dim);
   inv = 1/scale. */
static void gather(const float *X, const int *rows, int n, int dim, const float *restrict mean,
                   const float *restrict inv, float *restrict out)
{
    for (int i = 0; i < n; i++) {
        const float *restrict x = X + (size_t)(rows ? rows[i] : i) * dim;
        float *restrict o = out + (size_t)i * dim;
        for (int j = 0; j < dim; j++) o[j] = (x[j] - mean[j]) * inv[j];
    }
}

/* ---- the packed networks ---- */

typedef struct {
    int dim, h, K, H;          /* H = K·h */
    float *w1, *b1, *w2, *b2;  /* dim×H, H, H, K */
} net;

typedef struct {
    float *m, *v;
} moments;

static int net_alloc(net *N, int dim, int h, int K)
{
    *N = (net){.dim = dim, .h = h, .K = K, .H = h * K};
    N->w1 = calloc((size_t)dim * N->H, sizeof(float));
    N->b1 = calloc((size_t)N->H, sizeof(float));
    N->w2 = calloc((size_t)N->H, sizeof(float));
    N->b2 = calloc((size_t)K, sizeof(float));
    return N->w1 && N->b1 && N->w2 && N->b2 ? 0 : -1;
}

static void net_free(net *N)
{
    free(N->w1), free(N->b1), free(N->w2), free(N->b2);
}

/* Outputs (n × K) of the standardised rows Xb (n × dim): hidden pre-activations go to Z (n × H),
   activations to A. */
static void forward(const net *N, const float *Xb, int n, float *Z, float *A, float *out)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, N->H, N->dim, 1.0f, Xb, N->dim, N->w1, N->H, 0.0f, Z,
                N->H);
    for (int i = 0; i < n; i++) {
        float *z = Z + (size_t)i * N->H, *a = A + (size_t)i * N->H;
        for (int u = 0; u < N->H; u++) {
            z[u] += N->b1[u];
            a[u] = z[u] > 0 ? z[u] : 0;
        }
        for (int k = 0; k < N->K; k++) {
            double o = N->b2[k];
            for (int u = k * N->h; u < (k + 1) * N->h; u++) o += (double)a[u] * N->w2[u];
            out[(size_t)i * N->K + k] = (float)o;
        }
    }
}

/* One Adam step on the rows × cols parameters p with gradient g, in the usual rearranged form
   (bias corrections folded into the step size and ε). decay (AdamW, weights only): column u
   decays by decay[u], its hidden unit's network's weight decay. */
static void adam(float *restrict p, const float *restrict g, moments *mo, int rows, int cols, double lr, int t,
                 const double *decay)
{
    const float b1 = (float)ADAM_B1, b2 = (float)ADAM_B2;
    double c1 = 1 - pow(ADAM_B1, t), c2 = 1 - pow(ADAM_B2, t);
    const float lr_t = (float)(lr * sqrt(c2) / c1), eps_t = (float)(ADAM_EPS * sqrt(c2));
    float dec[MLP_MAX_HIDDEN * 8];
    int use_decay = decay && cols <= MLP_MAX_HIDDEN * 8;
    for (int u = 0; use_decay && u < cols; u++) dec[u] = (float)(lr * decay[u]);
    for (int r = 0; r < rows; r++) {
        float *restrict pr = p + (size_t)r * cols, *restrict m = mo->m + (size_t)r * cols, *restrict v = mo->v + (size_t)r * cols;
        const float *restrict gr = g + (size_t)r * cols;
        for (int u = 0; u < cols; u++) {
            m[u] = b1 * m[u] + (1 - b1) * gr[u];
            v[u] = b2 * v[u] + (1 - b2) * gr[u] * gr[u];
            pr[u] -= lr_t * m[u] / (sqrtf(v[u]) + eps_t) + (use_decay ? dec[u] * pr[u] : 0.0f);
        }
    }
}

/* ---- training ---- */

typedef struct {
    net N, best;               /* current weights, and each network's best so far */
    moments m_w1, m_b1, m_w2, m_b2;
    float *gw1, *gb1, *gw2, *gb2;
    float *Xb, *Z, *A, *dZ, *out;   /* batch scratch (EVAL_ROWS ≥ batch rows) */
    double *decay_h;           /* H: each hidden unit's network's decay */
    float *inv;                /* dim: 1/scale */
} trainer;

static int alloc_moments(moments *mo, size_t n)
{
    mo->m = calloc(n, sizeof(float));
    mo->v = calloc(n, sizeof(float));
    return mo->m && mo->v ? 0 : -1;
}

static void free_moments(moments *mo)
{
    free(mo->m), free(mo->v);
}

/* Copies network k's weights from src to dst. */
static void copy_net(net *dst, const net *src, int k)
{
    int h = src->h, H = src->H;
    for (int j = 0; j < src->dim; j++) memcpy(dst->w1 + (size_t)j * H + k * h, src->w1 + (size_t)j * H + k * h, sizeof(float) * h);
    memcpy(dst->b1 + k * h, src->b1 + k * h, sizeof(float) * h);
    memcpy(dst->w2 + k * h, src->w2 + k * h, sizeof(float) * h);
    dst->b2[k] = src->b2[k];
}

/* One Adam step on the batch rows[0..B): class weights cw[0] keep, cw[1] delete. */
static void step(trainer *T, const float *X, const int8_t *y, const int *rows, int B, const float *mean,
                 const float *inv, const double *cw, double lr, int t)
{
    net *N = &T->N;
    int H = N->H, K = N->K, h = N->h;
    gather(X, rows, B, N->dim, mean, inv, T->Xb);
    forward(N, T->Xb, B, T->Z, T->A, T->out);
    memset(T->gw2, 0, sizeof(float) * H);
    memset(T->gb2, 0, sizeof(float) * K);
    memset(T->gb1, 0, sizeof(float) * H);
    for (int i = 0; i < B; i++) {
        int del = y[rows[i]] == 1;
        double w = cw[del] / B;
        const float *a = T->A + (size_t)i * H, *z = T->Z + (size_t)i * H;
        float *dz = T->dZ + (size_t)i * H;
        for (int k = 0; k < K; k++) {
            float d = (float)(w * (sigmoid(T->out[(size_t)i * K + k]) - del));
            T->gb2[k] += d;
            for (int u = k * h; u < (k + 1) * h; u++) {
                T->gw2[u] += d * a[u];
                dz[u] = z[u] > 0 ? d * N->w2[u] : 0.0f;
                T->gb1[u] += dz[u];
            }
        }
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N->dim, H, B, 1.0f, T->Xb, N->dim, T->dZ, H, 0.0f, T->gw1, H);
    adam(N->w1, T->gw1, &T->m_w1, N->dim, H, lr, t, T->decay_h);
    adam(N->w2, T->gw2, &T->m_w2, 1, H, lr, t, T->decay_h);
    adam(N->b1, T->gb1, &T->m_b1, 1, H, lr, t, NULL);
    adam(N->b2, T->gb2, &T->m_b2, 1, K, lr, t, NULL);
}

/* Balanced validation loss of each network into loss[K]. */
static void validate(trainer *T, const float *X, const int8_t *y, const int *val, int n_val, const float *mean,
                     const float *inv, double *loss)
{
    net *N = &T->N;
    int K = N->K, n_pos = 0;
    for (int i = 0; i < n_val; i++) n_pos += y[val[i]] == 1;
    double w_pos = 0.5 / n_pos, w_neg = 0.5 / (n_val - n_pos);
    for (int k = 0; k < K; k++) loss[k] = 0;
    for (int r0 = 0; r0 < n_val; r0 += EVAL_ROWS) {
        int nb = n_val - r0 < EVAL_ROWS ? n_val - r0 : EVAL_ROWS;
        gather(X, val + r0, nb, N->dim, mean, inv, T->Xb);
        forward(N, T->Xb, nb, T->Z, T->A, T->out);
        for (int i = 0; i < nb; i++) {
            int del = y[val[r0 + i]] == 1;
            for (int k = 0; k < K; k++) {
                double o = T->out[(size_t)i * K + k];
                loss[k] += del ? w_pos * neg_log_sigmoid(o) : w_neg * neg_log_sigmoid(-o);
            }
        }
    }
}

static void trainer_free(trainer *T)
{
    net_free(&T->N), net_free(&T->best);
    free_moments(&T->m_w1), free_moments(&T->m_b1), free_moments(&T->m_w2), free_moments(&T->m_b2);
    free(T->gw1), free(T->gb1), free(T->gw2), free(T->gb2);
    free(T->Xb), free(T->Z), free(T->A), free(T->dZ), free(T->out), free(T->decay_h), free(T->inv);
}

static int class_count(const int8_t *y, const int *rows, int n)
{
    int p = 0;
    for (int i = 0; i < n; i++) p += y[rows[i]] == 1;
    return p;
}

/* Mean and scale of columns < std_end over the training rows (later ones: 0 and 1). */
static void column_stats(const float *X, const int *rows, int n, int dim, int std_end, float *mean, float *scale)
{
    double *acc = calloc((size_t)dim, sizeof(double));
    for (int j = 0; j < dim; j++) mean[j] = 0, scale[j] = 1;
    if (!acc) return;   /* unstandardised: still correct, only slower to train */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < std_end; j++) acc[j] += X[(size_t)rows[i] * dim + j];
    for (int j = 0; j < std_end; j++) mean[j] = (float)(acc[j] / n);
    memset(acc, 0, sizeof(double) * dim);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < std_end; j++) {
            double d = X[(size_t)rows[i] * dim + j] - mean[j];
            acc[j] += d * d;
        }
    for (int j = 0; j < std_end; j++) {
        double sd = sqrt(acc[j] / n);
        scale[j] = sd < MIN_SCALE ? 1.0f : (float)sd;
    }
    free(acc);
}

int mlp_fit(const float *X, const int8_t *y, int dim, int standardise_end, const int *train, int n_train,
            const int *val, int n_val, const double *weight_decays, int n_wd, const mlp_options *opt,
            mlp_model *out, mlp_report *rep)
{
    memset(out, 0, sizeof *out);
    int h = opt->hidden, K = n_wd;
    if (dim <= 0 || h <= 0 || h > MLP_MAX_HIDDEN || K <= 0 || opt->batch <= 0 || opt->max_rounds <= 0) return -1;
    int p_tr = class_count(y, train, n_train), p_val = class_count(y, val, n_val);
    if (p_tr == 0 || p_tr == n_train || p_val == 0 || p_val == n_val) return -1;
    int std_end = standardise_end < 0 ? 0 : standardise_end > dim ? dim : standardise_end;
    int B = opt->batch < n_train ? opt->batch : n_train, H = h * K, rc = -1;
    trainer T = {0};
    int *order = malloc(sizeof(int) * (size_t)n_train);
    double *loss = malloc(sizeof(double) * K), *best_loss = malloc(sizeof(double) * K);
    int *best_round = calloc((size_t)K, sizeof(int)), *since = calloc((size_t)K, sizeof(int));
    out->mean = malloc(sizeof(float) * dim);
    out->scale = malloc(sizeof(float) * dim);
    size_t rows = (size_t)(B > EVAL_ROWS ? B : EVAL_ROWS);
    T.Xb = malloc(sizeof(float) * rows * dim);
    T.Z = malloc(sizeof(float) * rows * H);
    T.A = malloc(sizeof(float) * rows * H);
    T.dZ = malloc(sizeof(float) * rows * H);
    T.out = malloc(sizeof(float) * rows * K);
    T.gw1 = malloc(sizeof(float) * (size_t)dim * H);
    T.gb1 = malloc(sizeof(float) * H);
    T.gw2 = malloc(sizeof(float) * H);
    T.gb2 = malloc(sizeof(float) * K);
    T.decay_h = malloc(sizeof(double) * H);
    T.inv = malloc(sizeof(float) * dim);
    if (!T.inv || !order || !loss || !best_loss || !best_round || !since || !out->mean || !out->scale || !T.Xb || !T.Z ||
        !T.A || !T.dZ || !T.out || !T.gw1 || !T.gb1 || !T.gw2 || !T.gb2 || !T.decay_h ||
        net_alloc(&T.N, dim, h, K) || net_alloc(&T.best, dim, h, K) || alloc_moments(&T.m_w1, (size_t)dim * H) ||
        alloc_moments(&T.m_b1, H) || alloc_moments(&T.m_w2, H) || alloc_moments(&T.m_b2, K))
        goto done;

    column_stats(X, train, n_train, dim, std_end, out->mean, out->scale);
    for (int j = 0; j < dim; j++) T.inv[j] = 1.0f / out->scale[j];
    uint64_t rng = opt->seed;
    double he = sqrt(2.0 / dim), out_sd = sqrt(1.0 / h);
    for (size_t i = 0; i < (size_t)dim * H; i++) T.N.w1[i] = (float)(he * normal(&rng));
    for (int u = 0; u < H; u++) {
        T.N.w2[u] = (float)(out_sd * normal(&rng));
        T.decay_h[u] = weight_decays[u / h];
    }
    for (int k = 0; k < K; k++) {
        best_loss[k] = INFINITY;
        copy_net(&T.best, &T.N, k);
    }
    /* Each class weighs half of the loss: w = n/(2·n_class), mean 1 over the training rows. */
    double cw[2] = {0.5 * n_train / (n_train - p_tr), 0.5 * n_train / p_tr};
    for (int i = 0; i < n_train; i++) order[i] = train[i];
    int steps_per_epoch = (n_train + B - 1) / B;
    int steps_per_round = steps_per_epoch > MIN_STEPS_PER_ROUND ? steps_per_epoch : MIN_STEPS_PER_ROUND;
    int t = 0, pos = n_train, round = 0;
    for (round = 1; round <= opt->max_rounds; round++) {
        for (int s = 0; s < steps_per_round; s++) {
            if (pos + B > n_train) {   /* new epoch: reshuffle (Fisher–Yates) */
                for (int i = n_train - 1; i > 0; i--) {
                    int j = (int)(next(&rng) % (uint64_t)(i + 1)), tmp = order[i];
                    order[i] = order[j], order[j] = tmp;
                }
                pos = 0;
            }
            step(&T, X, y, order + pos, B, out->mean, T.inv, cw, opt->learning_rate, ++t);
            pos += B;
        }
        validate(&T, X, y, val, n_val, out->mean, T.inv, loss);
        int improving = 0;
        for (int k = 0; k < K; k++) {
            if (loss[k] < best_loss[k]) {
                best_loss[k] = loss[k], best_round[k] = round, since[k] = 0;
                copy_net(&T.best, &T.N, k);
            } else {
                since[k]++;
            }
            improving |= since[k] < opt->patience;
        }
        if (!improving) break;
    }
    int kb = 0;
    for (int k = 1; k < K; k++)
        if (best_loss[k] < best_loss[kb]) kb = k;
    out->dim = dim;
    out->hidden = h;
    out->weight_decay = weight_decays[kb];
    out->w1 = malloc(sizeof(float) * (size_t)dim * h);
    out->b1 = malloc(sizeof(float) * h);
    out->w2 = malloc(sizeof(float) * h);
    if (!out->w1 || !out->b1 || !out->w2) goto done;
    for (int j = 0; j < dim; j++) memcpy(out->w1 + (size_t)j * h, T.best.w1 + (size_t)j * H + kb * h, sizeof(float) * h);
    memcpy(out->b1, T.best.b1 + kb * h, sizeof(float) * h);
    memcpy(out->w2, T.best.w2 + kb * h, sizeof(float) * h);
    out->b2 = T.best.b2[kb];
    if (rep)
        *rep = (mlp_report){.rounds = round > opt->max_rounds ? opt->max_rounds : round, .best_round = best_round[kb],
                            .val_loss = best_loss[kb], .weight_decay = weight_decays[kb]};
    rc = 0;
done:
    trainer_free(&T);
    free(order), free(loss), free(best_loss), free(best_round), free(since);
    if (rc) mlp_free(out);
    return rc;
}

/* ---- prediction ---- */

/* The hidden pre-activations a = b1 + W1ᵀ·x' of one row, in float, a row of W1 at a time and
   skipping zero inputs (most name-token columns). Hidden units go in chunks of 16 (GCC vector
   types, compiled for AVX-512, AVX2 and baseline x86-64, picked by CPU feature at load time):
   scoring 100,000 files with a 2,082 × 32 network then takes well under a second. */
typedef float v16 __attribute__((vector_size(16 * sizeof(float))));
typedef float v16u __attribute__((vector_size(16 * sizeof(float)), aligned(sizeof(float))));
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void hidden_of(const mlp_model *m, const float *x, float *a)
{
    const int h = m->hidden, h16 = h - h % 16;
    float xs[16];
    for (int u = 0; u < h; u++) a[u] = m->b1[u];
    for (int j0 = 0; j0 < m->dim; j0 += 16) {
        int nj = m->dim - j0 < 16 ? m->dim - j0 : 16;
        if (nj == 16) {   /* standardise 16 inputs at once */
            v16 v = ((v16) * (const v16u *)(x + j0) - (v16) * (const v16u *)(m->mean + j0)) /
                    (v16) * (const v16u *)(m->scale + j0);
            *(v16u *)xs = v;
        } else {
            for (int t = 0; t < nj; t++) xs[t] = (x[j0 + t] - m->mean[j0 + t]) / m->scale[j0 + t];
        }
        for (int t = 0; t < nj; t++) {
            if (xs[t] == 0) continue;
            const float *w = m->w1 + (size_t)(j0 + t) * h;
            for (int u = 0; u < h16; u += 16)
                *(v16u *)(a + u) = (v16) * (const v16u *)(a + u) + xs[t] * (v16) * (const v16u *)(w + u);
            for (int u = h16; u < h; u++) a[u] += xs[t] * w[u];
        }
    }
}

double mlp_log_odds(const mlp_model *m, const float *x)
{
    float a[MLP_MAX_HIDDEN];
    hidden_of(m, x, a);
    double o = m->b2;
    for (int u = 0; u < m->hidden; u++) o += (a[u] > 0 ? a[u] : 0) * (double)m->w2[u];
    return o;
}

double mlp_predict(const mlp_model *m, const float *x)
{
    return sigmoid(mlp_log_odds(m, x));
}

int mlp_predict_rows(const mlp_model *m, const float *X, const int *rows, int n, double *out)
{
    float *Xb = malloc(sizeof(float) * EVAL_ROWS * (size_t)m->dim);
    float *Z = malloc(sizeof(float) * EVAL_ROWS * (size_t)m->hidden);
    float *inv = malloc(sizeof(float) * (size_t)m->dim);
    if (!Xb || !Z || !inv) {
        free(Xb), free(Z), free(inv);
        return -1;
    }
    for (int j = 0; j < m->dim; j++) inv[j] = 1.0f / m->scale[j];
    for (int r0 = 0; r0 < n; r0 += EVAL_ROWS) {
        int nb = n - r0 < EVAL_ROWS ? n - r0 : EVAL_ROWS;
        if (rows) gather(X, rows + r0, nb, m->dim, m->mean, inv, Xb);
        else gather(X + (size_t)r0 * m->dim, NULL, nb, m->dim, m->mean, inv, Xb);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nb, m->hidden, m->dim, 1.0f, Xb, m->dim, m->w1,
                    m->hidden, 0.0f, Z, m->hidden);
        for (int i = 0; i < nb; i++) {
            double o = m->b2;
            for (int u = 0; u < m->hidden; u++) {
                float a = Z[(size_t)i * m->hidden + u] + m->b1[u];
                o += (a > 0 ? a : 0) * (double)m->w2[u];
            }
            out[r0 + i] = sigmoid(o);
        }
    }
    free(Xb), free(Z), free(inv);
    return 0;
}

void mlp_free(mlp_model *m)
{
    free(m->mean), free(m->scale), free(m->w1), free(m->b1), free(m->w2);
    memset(m, 0, sizeof *m);
}
