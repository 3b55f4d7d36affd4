/*
 * cmd_dupes.c — `cull dupes`: exact duplicates (one picture, several files) and near-duplicate
 * groups (embedding cosine ≥ a threshold), each with the member the model would keep.
 *
 * Only images with a file on disk take part: the user can act on nothing else. Near-duplicate
 * groups are connected components (learn/dupes.h), so a chain of pairs makes one group; the
 * cosine printed for each member is to the kept member, which shows how loose a chain is.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "cli/cli.h"
#include "learn/dupes.h"
#include "learn/features.h"
#include "pipeline/trainer.h"
#include "util/fsutil.h"
#include "util/plural.h"

#define MAX_PAIRS 10000000

static int run_dupes(int argc, char **argv, const cli_globals *g);

const cli_command cmd_dupes = {
    "dupes",
    "exact and near-duplicate groups, with the copy to keep",
    "usage: cull dupes [--format tsv|json] [-z] [--threshold T] [--encoder NAME] [--no-index]\n"
    "\n"
    "Lists groups of files that hold the same picture (exact: one content, several paths) or\n"
    "nearly the same (near: resized, re-encoded, cropped copies, bursts; the cosine similarity of\n"
    "their embeddings is at least T, and pairs chain into one group). In each group the member the\n"
    "model would keep comes first: the lowest P(delete) of the current model (retrained first when\n"
    "labels changed), or, with no model yet, the largest image. Only files on disk are listed.\n"
    "cull never deletes anything: label the copies you do not want and run cull apply.\n"
    "\n"
    "tsv (default): one line per file, no header, a group's lines together, keep first:\n"
    "  GROUP<TAB>KIND<TAB>COSINE<TAB>ROLE<TAB>P_DELETE<TAB>ABSOLUTE_PATH\n"
    "  GROUP     group number, 1 = the largest group\n"
    "  KIND      exact (every file of the group is one picture) or near\n"
    "  COSINE    the embedding cosine between this file's picture and the kept one's\n"
    "            (1.000000 for the kept file and exact copies of it)\n"
    "  ROLE      keep or dup\n"
    "  P_DELETE  the model's P(delete) for this file, or - with no model\n"
    "json: an array of {\"group\", \"kind\", \"members\": [{\"path\", \"role\", \"cosine\", \"p_delete\",\n"
    "  \"pixels\"}]}.\n"
    "\n"
    "options:\n"
    "  --format tsv|json   output format (default tsv)\n"
    "  -z, --null          records end in NUL, paths raw (tsv)\n"
    "  --threshold T       near-duplicate cosine, 0 < T <= 1 (default per encoder, measured on\n"
    "                      re-encoded, halved and cropped copies of photos: lite 0.985, mobilenet\n"
    "                      0.90, others 0.95). Copies of photos are found reliably; screenshots\n"
    "                      are harder: different screenshots of one app can group, heavily\n"
    "                      re-encoded ones can be missed (lite, which sees colour and texture\n"
    "                      statistics only, more so)\n"
    "  --encoder NAME      whose embeddings to compare (default: the library's, see cull status)\n"
    "  --no-index          embed nothing: fail, saying what is missing, instead\n"
    "\n"
    CLI_HELP_RECORDS
    "\n"
    CLI_HELP_EXIT
    "\n"
    "examples:\n"
    "  cull dupes | awk -F'\\t' '$4 == \"dup\"' | cut -f6     # every copy the model would not keep\n"
    "  cull dupes --threshold 0.99 --format json\n",
    run_dupes,
};

/* ---- gathering: one entry per present file, one per picture ---- */

typedef struct {
    char *path;
    int image;          /* index into the pictures */
    double p;           /* P(delete), NAN without a model */
} file_entry;

typedef struct {
    int64_t id;
    int64_t pixels;
} picture;

typedef struct {
    const cull_model *model;   /* NULL: none */
    float *scratch;
    int dim;
    file_entry *files;
    size_t n_files, cap_files;
    picture *pics;
    float *emb;                /* n_pics × dim, L2-normalised */
    int n_pics, cap_pics;
    int64_t *slot_id;          /* open addressing: image id → picture index */
    int *slot_pic;
    size_t n_slots;
    int bad_dim;
} gather_run;

static size_t slot_of(const gather_run *r, int64_t id)
{
    size_t h = (size_t)((uint64_t)id * 0x9e3779b97f4a7c15ULL) & (r->n_slots - 1);
    while (r->slot_pic[h] >= 0 && r->slot_id[h] != id) h = (h + 1) & (r->n_slots - 1);
    return h;
}

static int grow_slots(gather_run *r)
{
    size_t old = r->n_slots, n = old ? old * 2 : 4096;
    int64_t *ids = r->slot_id;
    int *pics = r->slot_pic;
    r->slot_id = malloc(sizeof *r->slot_id * n);
    r->slot_pic = malloc(sizeof *r->slot_pic * n);
    if (!r->slot_id || !r->slot_pic) return -1;
    r->n_slots = n;
    for (size_t i = 0; i < n; i++) r->slot_pic[i] = -1;
    for (size_t i = 0; i < old; i++)
        if (pics[i] >= 0) {
            size_t h = slot_of(r, ids[i]);
            r->slot_id[h] = ids[i], r->slot_pic[h] = pics[i];
        }
    free(ids), free(pics);
    return 0;
}

/* The picture index of row's image, added (with its normalised embedding) when new; -1 on error. */
static int picture_of(gather_run *r, const library_row *row)
{
    if (2 * (size_t)(r->n_pics + 1) > r->n_slots && grow_slots(r)) return -1;
    size_t h = slot_of(r, row->image_id);
    if (r->slot_pic[h] >= 0) return r->slot_pic[h];
    if (r->n_pics == r->cap_pics) {
        int cap = r->cap_pics ? 2 * r->cap_pics : 1024;
        picture *p = realloc(r->pics, sizeof *p * cap);
        if (p) r->pics = p;
        float *e = realloc(r->emb, sizeof *e * (size_t)cap * r->dim);
        if (e) r->emb = e;
        if (!p || !e) return -1;
        r->cap_pics = cap;
    }
    int k = r->n_pics++;
    r->pics[k] = (picture){row->image_id, (int64_t)row->meta.width * row->meta.height};
    float *e = r->emb + (size_t)k * r->dim;
    double s = 0;
    for (int j = 0; j < r->dim; j++) s += (double)row->embedding[j] * row->embedding[j];
    float inv = s > 0 ? (float)(1 / sqrt(s)) : 0.0f;
    for (int j = 0; j < r->dim; j++) e[j] = row->embedding[j] * inv;
    r->slot_id[h] = row->image_id, r->slot_pic[h] = k;
    return k;
}

static int add_file(const library_row *row, void *ctx)
{
    gather_run *r = ctx;
    if (!row->path) return 0;
    if (r->dim == 0) r->dim = row->dim;
    if (row->dim != r->dim) {
        r->bad_dim = 1;
        return 1;
    }
    if (r->n_files == r->cap_files) {
        size_t cap = r->cap_files ? 2 * r->cap_files : 1024;
        file_entry *f = realloc(r->files, sizeof *f * cap);
        if (!f) return 1;
        r->files = f, r->cap_files = cap;
    }
    int pic = picture_of(r, row);
    char *path = strdup(row->path);
    if (pic < 0 || !path) {
        free(path);
        return 1;
    }
    double p = NAN;
    if (r->model && row->dim == r->model->embed_dim)
        p = cull_model_score(r->model, row->embedding, &row->meta, fs_basename(row->path), r->scratch);
    r->files[r->n_files++] = (file_entry){path, pic, p};
    return 0;
}

/* ---- groups ---- */

typedef struct {
    int group;          /* component: the smallest picture index in it */
    int file;
    float cos;          /* to the kept picture */
    int keep;
} member;

typedef struct {
    const gather_run *r;
    int has_model;
} order_ctx;

/* Within a component: the file to keep first (lowest P(delete), then most pixels, then path). */
static int better_keep(const gather_run *r, int has_model, int a, int b)
{
    const file_entry *x = &r->files[a], *y = &r->files[b];
    if (has_model && x->p != y->p) return x->p < y->p;
    int64_t px = r->pics[x->image].pixels, py = r->pics[y->image].pixels;
    if (px != py) return px > py;
    return strcmp(x->path, y->path) < 0;
}

static int cmp_members(const void *pa, const void *pb, void *ctx)
{
    const member *a = pa, *b = pb;
    const order_ctx *o = ctx;
    if (a->group != b->group) return a->group - b->group;
    if (a->keep != b->keep) return b->keep - a->keep;
    if (a->cos != b->cos) return a->cos > b->cos ? -1 : 1;
    return strcmp(o->r->files[a->file].path, o->r->files[b->file].path);
}

typedef struct {
    int start, len;     /* members[start .. start+len) */
    int exact;
} group_span;

/* Largest groups first; equal sizes in component order. */
static int cmp_spans(const void *pa, const void *pb)
{
    const group_span *a = pa, *b = pb;
    if (a->len != b->len) return b->len - a->len;
    return a->start - b->start;
}

static float cosine(const gather_run *r, int a, int b)
{
    if (a == b) return 1.0f;
    const float *x = r->emb + (size_t)a * r->dim, *y = r->emb + (size_t)b * r->dim;
    double s = 0;
    for (int j = 0; j < r->dim; j++) s += (double)x[j] * y[j];
    return (float)s;
}

static void print_tsv(const gather_run *r, const member *m, const group_span *g, int n_groups, int nul)
{
    for (int k = 0; k < n_groups; k++)
        for (int i = g[k].start; i < g[k].start + g[k].len; i++) {
            const file_entry *f = &r->files[m[i].file];
            printf("%d\t%s\t%.6f\t%s\t", k + 1, g[k].exact ? "exact" : "near", m[i].cos, m[i].keep ? "keep" : "dup");
            if (isnan(f->p)) printf("-\t");
            else printf("%.6f\t", f->p);
            cli_put_record_path(stdout, f->path, nul);
            cli_end_record(stdout, nul);
        }
}

static void print_json(const gather_run *r, const member *m, const group_span *g, int n_groups)
{
    json_t *a = json_array();
    for (int k = 0; k < n_groups; k++) {
        json_t *members = json_array();
        for (int i = g[k].start; i < g[k].start + g[k].len; i++) {
            const file_entry *f = &r->files[m[i].file];
            json_array_append_new(members, json_pack("{s:o, s:s, s:f, s:o, s:I}", "path", cli_json_path(f->path), "role",
                                                     m[i].keep ? "keep" : "dup", "cosine", (double)m[i].cos, "p_delete",
                                                     isnan(f->p) ? json_null() : json_real(f->p), "pixels",
                                                     (json_int_t)r->pics[f->image].pixels));
        }
        json_array_append_new(a, json_pack("{s:i, s:s, s:o}", "group", k + 1, "kind", g[k].exact ? "exact" : "near",
                                           "members", members));
    }
    json_dumpf(a, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    putchar('\n');
    json_decref(a);
}

/* Groups from the pairs: near components of two pictures or more, and pictures with several files.
   Fills *members (every file of every group, each group's keep first) and *spans. */
static int build_groups(const gather_run *r, const dupes_pair *pairs, size_t np, int has_model, member **members,
                        group_span **spans, int *n_groups, int *n_exact, int *n_near)
{
    int n = r->n_pics, rc = -1;
    int *comp = malloc(sizeof(int) * (size_t)(n ? n : 1)), *size = calloc((size_t)(n ? n : 1), sizeof(int));
    int *files_of = calloc((size_t)(n ? n : 1), sizeof(int)), *keep = malloc(sizeof(int) * (size_t)(n ? n : 1));
    member *m = malloc(sizeof *m * (r->n_files ? r->n_files : 1));
    group_span *g = malloc(sizeof *g * (r->n_files ? r->n_files : 1));
    if (!comp || !size || !files_of || !keep || !m || !g || dupes_groups(n, pairs, np, 0, comp) < 0) goto done;
    for (int i = 0; i < n; i++) size[comp[i]]++, keep[i] = -1;
    for (size_t f = 0; f < r->n_files; f++) files_of[r->files[f].image]++;
    /* The kept file of each component. */
    for (size_t f = 0; f < r->n_files; f++) {
        int c = comp[r->files[f].image];
        if (keep[c] < 0 || better_keep(r, has_model, (int)f, keep[c])) keep[c] = (int)f;
    }
    size_t nm = 0;
    for (size_t f = 0; f < r->n_files; f++) {
        int pic = r->files[f].image, c = comp[pic];
        if (size[c] < 2 && files_of[pic] < 2) continue;
        int kp = r->files[keep[c]].image;
        m[nm++] = (member){c, (int)f, cosine(r, pic, kp), keep[c] == (int)f};
    }
    order_ctx o = {r, has_model};
    qsort_r(m, nm, sizeof *m, cmp_members, &o);
    int ng = 0;
    *n_exact = *n_near = 0;
    for (size_t i = 0; i < nm;) {
        size_t j = i;
        while (j < nm && m[j].group == m[i].group) j++;
        int exact = size[m[i].group] < 2;
        g[ng++] = (group_span){(int)i, (int)(j - i), exact};
        *(exact ? n_exact : n_near) += 1;
        i = j;
    }
    qsort(g, (size_t)ng, sizeof *g, cmp_spans);
    *members = m, *spans = g, *n_groups = ng;
    m = NULL, g = NULL;
    rc = 0;
done:
    free(comp), free(size), free(files_of), free(keep), free(m), free(g);
    return rc;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int run_dupes(int argc, char **argv, const cli_globals *g)
{
    static const struct option LONG[] = {
        {"encoder", required_argument, 0, 'e'}, {"no-index", no_argument, 0, 'N'}, {"format", required_argument, 0, 'f'},
        {"threshold", required_argument, 0, 't'}, {"null", no_argument, 0, 'z'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *name = NULL, *format = "tsv";
    double threshold = NAN;
    int no_index = 0, nul = 0;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+e:f:t:z", LONG, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'z': nul = 1; break;
        case 'e': name = optarg; break;
        case 'N': no_index = 1; break;
        case 'f': format = optarg; break;
        case 't':
            threshold = strtod(optarg, &end);
            if (*end || end == optarg || !(threshold > 0 && threshold <= 1))
                return cli_usage_error(&cmd_dupes, "--threshold wants a number in (0, 1], not '%s'", optarg);
            break;
        case 'h': return cli_help(&cmd_dupes);
        default: return cli_usage_error(&cmd_dupes, "unknown option");
        }
    }
    if (optind < argc) return cli_usage_error(&cmd_dupes, "unexpected argument '%s'", argv[optind]);
    if (strcmp(format, "tsv") && strcmp(format, "json"))
        return cli_usage_error(&cmd_dupes, "--format is tsv or json, not '%s'", format);
    if (nul && strcmp(format, "json") == 0) return cli_usage_error(&cmd_dupes, "-z goes with the tsv format");
    char id[96], err[512];
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    if (cli_prepare_encoder(lib, name, 1, no_index, id, sizeof id)) {
        library_close(lib);
        return EXIT_SOME_FAILED;
    }
    if (isnan(threshold)) threshold = dupes_default_threshold(id);

    cull_model model;
    int retrained, have_model = trainer_current_model(lib, id, &model, &retrained, err, sizeof err) == 0;
    if (!have_model) fprintf(stderr, "cull: no model (%s): keeping the largest image of each group\n", err);
    else if (retrained) fprintf(stderr, "cull: the model was older than the labels: retrained%s\n", cli_not_saved(lib));
    gather_run r = {.model = have_model ? &model : NULL};
    if (have_model) r.scratch = malloc(sizeof(float) * (size_t)features_dim(model.embed_dim));
    int rc = EXIT_SOME_FAILED;
    dupes_pair *pairs = NULL;
    member *members = NULL;
    group_span *spans = NULL;
    size_t np = 0;
    int n_groups = 0, n_exact = 0, n_near = 0;
    double t0 = now();
    if ((have_model && !r.scratch) || library_each_row(lib, id, 1, add_file, &r)) {
        cli_error("reading the library failed: %s", library_error(lib));
        goto done;
    }
    if (r.bad_dim) {
        cli_error("embeddings of %s have different lengths; re-index", id);
        goto done;
    }
    double t1 = now();
    int prc = dupes_pairs(r.emb, r.n_pics, r.dim, (size_t)r.dim, (float)threshold, MAX_PAIRS, &pairs, &np, NULL);
    if (prc == -2) {
        cli_error("more than %d near-duplicate pairs at cosine >= %g: raise --threshold", MAX_PAIRS, threshold);
        goto done;
    }
    if (prc || build_groups(&r, pairs, np, have_model, &members, &spans, &n_groups, &n_exact, &n_near)) {
        cli_error("out of memory");
        goto done;
    }
    double t2 = now();
    if (strcmp(format, "json") == 0) print_json(&r, members, spans, n_groups);
    else print_tsv(&r, members, spans, n_groups, nul);
    fprintf(stderr,
            "%d exact-duplicate %s, %d near-duplicate %s (cosine >= %g, %s) among %d %s in %zu %s;"
            " kept: %s (read %.1f s, compared %.1f s)\n",
            n_exact, plural(n_exact, "group", "groups"), n_near, plural(n_near, "group", "groups"), threshold, id, r.n_pics,
            plural(r.n_pics, "picture", "pictures"), r.n_files, plural((long long)r.n_files, "file", "files"),
            have_model ? "lowest P(delete) of the model" : "the largest image", t1 - t0, t2 - t1);
    rc = EXIT_OK;
done:
    library_close(lib);
    for (size_t i = 0; i < r.n_files; i++) free(r.files[i].path);
    free(r.files), free(r.pics), free(r.emb), free(r.slot_id), free(r.slot_pic), free(r.scratch);
    free(pairs), free(members), free(spans);
    if (have_model) cull_model_free(&model);
    return rc;
}
