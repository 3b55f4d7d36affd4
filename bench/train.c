/*
 * train.c — benchmark: training time of the keep/delete model.
 *
 *   train ROWS EMBED_DIM...
 *
 * (an EMBED_DIM of "lite" means the lite encoder's length; "512p8" means 512 floats and 8 prompt
 * columns, as a CLIP encoder with 8 prompts gives, with the comparison without them that `cull
 * train` then runs: one prompt points the way the deletes differ, the others are random). For each embedding length, makes ROWS
 * synthetic labelled images (an embedding, metadata and a file name each), builds their feature
 * rows with features_build, then times what `cull train` (the default, --model auto) does with
 * them: select_fit (learn/select.h) — near-duplicate groups, the logistic regression for every λ
 * and fold plus the final fits, the comparison with exact-content groups only, the MLP's folds
 * and final fit — with the encoder's near-duplicate threshold (lite's for lite, the default
 * otherwise). `--model logreg` runs all but the MLP, so its time is the sum of the other parts.
 * Reading the rows from the library and storing the model are not included. Like the cull binary, it calls blas_setup
 * first, so OpenBLAS runs the kernel set cull would pick (OPENBLAS_CORETYPE overrides it).
 *
 * The data is made so that the problem is learnable but not separable (AUC around 0.85), as real
 * labels are: 30% deletes; the deletes' embeddings are shifted along a few directions; screenshots
 * and messenger images are deleted more often; one row in ten is an exact duplicate of the row
 * before (same group, same label), so grouped folds matter. Embeddings of 1000 dimensions or more
 * are made non-negative and sparse like a CNN's pooled activations (mobilenet-like); shorter ones
 * are dense (lite-like).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>

#include "encoders/encoder.h"
#include "learn/cv.h"
#include "learn/features.h"
#include "learn/logreg.h"
#include "learn/dupes.h"
#include "learn/metrics.h"
#include "learn/select.h"
#include "pipeline/trainer.h"
#include "util/blas_setup.h"
#include "timing.h"
#include "util/splitmix.h"

#define TARGET_SECONDS 10.0      /* --model logreg (DESIGN.md §5) */
#define TARGET_AUTO_SECONDS 20.0 /* --model auto, which also cross-validates an MLP */
#define TARGET_DIM 1792
#define TARGET_ROWS 25000


static uint64_t rng_state;

static uint64_t rnd(void)
{
    return splitmix_next(&rng_state);
}

static double uniform(void) { return (rnd() >> 11) * (1.0 / 9007199254740992.0); }

/* Roughly standard normal: the sum of four 16-bit uniforms, centred and scaled (cheap enough for
   45 million draws). */
static double gauss(void)
{
    uint64_t r = rnd();
    double s = (double)(r & 0xffff) + (double)((r >> 16) & 0xffff) + (double)((r >> 32) & 0xffff) + (double)(r >> 48);
    return (s / 65536.0 - 2.0) * 1.7320508075688772;
}

typedef struct {
    int n, embed_dim, n_prompts, dim;
    float *X;
    int8_t *y;
    uint64_t *group;
} dataset;

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "train: out of memory\n");
        exit(1);
    }
    return p;
}

/* n_prompts unit vectors of embed_dim floats: the first along the deletes' shift, the rest random
   (from a stream of their own, so that the rows are those of the run without prompts). */
static float *make_prompts(int embed_dim, int n_prompts)
{
    uint64_t rows_state = rng_state;
    rng_state = 0x70726f6d70747300ULL;
    float *u = xmalloc(sizeof(float) * (size_t)embed_dim * (size_t)(n_prompts + 1));
    for (int k = 0; k < n_prompts; k++) {
        float *v = u + (size_t)k * embed_dim;
        double ss = 0;
        for (int j = 0; j < embed_dim; j++) v[j] = (float)(k == 0 ? (j % 16 == 0) : gauss()), ss += v[j] * v[j];
        for (int j = 0; j < embed_dim; j++) v[j] = (float)(v[j] / sqrt(ss));
    }
    rng_state = rows_state;
    return u;
}

static void make_dataset(dataset *d, int n, int embed_dim, int n_prompts)
{
    static const char *const makes[][2] = {
        {"Apple", "iPhone 12"}, {"samsung", "SM-G991B"}, {"Canon", "Canon EOS 80D"}, {"NIKON CORPORATION", "NIKON D750"},
        {"Google", "Pixel 6"}, {"SONY", "ILCE-7M3"},
    };
    rng_state = 0x5eed0000ULL + (uint64_t)embed_dim;
    d->n = n;
    d->embed_dim = embed_dim;
    d->n_prompts = n_prompts;
    d->dim = features_dim(embed_dim, n_prompts);
    float *prompts = make_prompts(embed_dim, n_prompts);
    d->X = xmalloc((size_t)n * d->dim * sizeof *d->X);
    d->y = xmalloc((size_t)n);
    d->group = xmalloc((size_t)n * sizeof *d->group);
    float *emb = xmalloc((size_t)embed_dim * sizeof *emb);
    /* Deletes differ along every 16th coordinate, by the same total distance whatever the length. */
    int sparse = embed_dim >= 1000;
    double shift = 1.4 / sqrt((embed_dim + 15) / 16);
    for (int i = 0; i < n; i++) {
        if (i > 0 && rnd() % 10 == 0) {   /* an exact duplicate of the previous picture */
            memcpy(d->X + (size_t)i * d->dim, d->X + (size_t)(i - 1) * d->dim, (size_t)d->dim * sizeof *d->X);
            d->y[i] = d->y[i - 1];
            d->group[i] = d->group[i - 1];
            continue;
        }
        int kind = (int)(rnd() % 10);    /* 0-5 camera photo, 6-7 screenshot, 8-9 messenger image */
        double p_delete = kind < 6 ? 0.2 : kind < 8 ? 0.6 : 0.45;
        int del = uniform() < p_delete;
        for (int j = 0; j < embed_dim; j++) {
            double v = gauss() + (j % 16 == 0 && del ? shift : 0.0) + (kind >= 6 && j % 16 == 8 ? 0.5 : 0.0);
            emb[j] = (float)(sparse ? (v > 0.3 ? v - 0.3 : 0.0) : v);
        }
        image_meta meta = {0};
        char name[128];
        if (kind < 6) {
            const char *const *mk = makes[rnd() % 6];
            snprintf(meta.make, sizeof meta.make, "%s", mk[0]);
            snprintf(meta.model, sizeof meta.model, "%s", mk[1]);
            snprintf(meta.format, sizeof meta.format, "jpeg");
            snprintf(meta.datetime, sizeof meta.datetime, "2023:%02d:%02d 12:%02d:%02d", 1 + (int)(rnd() % 12),
                     1 + (int)(rnd() % 28), (int)(rnd() % 60), (int)(rnd() % 60));
            int landscape = rnd() % 3 != 0;
            meta.width = landscape ? 4000 : 3000;
            meta.height = landscape ? 3000 : 4000;
            meta.bytes = (int64_t)(3.2e6 * exp(0.3 * gauss()));
            if (rnd() % 2)
                snprintf(name, sizeof name, "IMG_%04d.JPG", (int)(rnd() % 10000));
            else
                snprintf(name, sizeof name, "DSC%05d.jpg", (int)(rnd() % 100000));
        } else if (kind < 8) {
            snprintf(meta.format, sizeof meta.format, "png");
            meta.width = 1080;
            meta.height = 2400;
            meta.bytes = (int64_t)(9e5 * exp(0.5 * gauss()));
            snprintf(name, sizeof name, "Screenshot_2023%04d-%06d.png", (int)(rnd() % 10000), (int)(rnd() % 1000000));
        } else {
            snprintf(meta.format, sizeof meta.format, "jpeg");
            meta.width = 1600;
            meta.height = 1200;
            meta.bytes = (int64_t)(2e5 * exp(0.4 * gauss()));
            snprintf(name, sizeof name, "IMG-2023%04d-WA%04d.jpg", (int)(rnd() % 10000), (int)(rnd() % 10000));
        }
        features_build(emb, embed_dim, prompts, n_prompts, &meta, name, d->X + (size_t)i * d->dim);
        d->y[i] = (int8_t)del;
        d->group[i] = rnd();
    }
    free(emb);
    free(prompts);
}

static void dataset_free(dataset *d)
{
    free(d->X);
    free(d->y);
    free(d->group);
}

/* What trainer_train does between gathering the rows and storing the model. */
static int bench_dim(int n, int embed_dim, int n_prompts)
{
    dataset d;
    double t0 = now_monotonic();
    make_dataset(&d, n, embed_dim, n_prompts);
    double t_make = now_monotonic() - t0;
    int n_delete = 0;
    for (int i = 0; i < n; i++) n_delete += d.y[i];
    select_data sd = {.X = d.X, .y = d.y, .group = d.group, .n = n, .dim = d.dim, .embed_dim = embed_dim,
                      .n_prompts = n_prompts, .dupes_threshold = dupes_default_threshold(embed_dim < 100 ? "lite-1" : "")};
    select_options so = {.kind = SELECT_AUTO, .compare_grouping = 1, .compare_prompts = 1};
    select_result r;
    char err[256];
    double t1 = now_monotonic();
    if (select_fit(&sd, &so, &r, err, sizeof err)) {
        fprintf(stderr, "train: %s\n", err);
        return 1;
    }
    double total = now_monotonic() - t1;
    double logreg_only = r.seconds_dupes + r.seconds_logreg + r.seconds_exact + r.seconds_prompts;
    int target = embed_dim == TARGET_DIM && n == TARGET_ROWS;
    printf("  %d rows × %d features (embedding %d, %d prompts), %d deletes\n", n, d.dim, embed_dim, n_prompts, n_delete);
    printf("    train total (auto)   %7.2f s", total);
    if (target)
        printf("   — target ≤ %.0f s: %s", TARGET_AUTO_SECONDS, total <= TARGET_AUTO_SECONDS ? "met" : "NOT MET");
    printf("\n");
    printf("      near-duplicates    %7.2f s   (%d groups holding %d rows, cosine ≥ %.3f; grouped folds)\n",
           r.seconds_dupes, r.near_groups, r.near_rows, sd.dupes_threshold);
    printf("      logistic regr.     %7.2f s   (%d λ × %d folds + final fits; λ = %g: ROC-AUC %.3f)\n",
           r.seconds_logreg, SELECT_N_LAMBDAS, r.folds, r.lambda, r.auc_logreg);
    printf("      ungrouped compare  %7.2f s   (ROC-AUC %.3f with exact-content groups only)\n", r.seconds_exact,
           r.auc_exact_groups);
    if (n_prompts)
        printf("      without prompts    %7.2f s   (logistic regression again without the prompt columns: ROC-AUC %.3f)\n",
               r.seconds_prompts, r.auc_without_prompts);
    printf("      MLP                %7.2f s   (%d folds + final fit; ROC-AUC %.3f)\n", r.seconds_mlp, r.folds,
           r.auc_mlp);
    printf("      kept: %s (ROC-AUC %.3f, AP %.3f)\n", r.kind == MODEL_MLP ? "MLP" : "logistic regression", r.cv.auc,
           r.cv.ap);
    printf("    train --model logreg %7.2f s   (all but the MLP)", logreg_only);
    if (target)
        printf("   — target ≤ %.0f s: %s", TARGET_SECONDS, logreg_only <= TARGET_SECONDS ? "met" : "NOT MET");
    printf("\n    (making the synthetic rows: %.2f s, not counted)\n", t_make);
    select_result_free(&r);
    dataset_free(&d);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || atoi(argv[1]) < 10) {
        fprintf(stderr, "usage: train ROWS EMBED_DIM[pPROMPTS]...\n");
        return 2;
    }
    blas_setup(argv);
    int n = atoi(argv[1]);
    printf("train: as `cull train` (select_fit, %d folds, auto), OpenBLAS %s kernels, %d threads\n", TRAIN_FOLDS,
           openblas_get_corename(), openblas_get_num_threads());
    for (int i = 2; i < argc; i++) {
        int e = atoi(argv[i]), p = 0;
        const char *at_p = strchr(argv[i], 'p');
        if (at_p) p = atoi(at_p + 1);
        if (strcmp(argv[i], "lite") == 0) {
            char err[256];
            encoder *enc = encoder_open("lite", err, sizeof err);
            if (!enc) {
                fprintf(stderr, "train: %s\n", err);
                return 1;
            }
            e = enc->dim;
            encoder_close(enc);
        }
        if (e < 1 || p < 0) {
            fprintf(stderr, "train: bad EMBED_DIM '%s'\n", argv[i]);
            return 2;
        }
        if (bench_dim(n, e, p)) return 1;
    }
    return 0;
}
