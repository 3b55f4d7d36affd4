/*
 * cmd_dupes.c — `cull dupes`: exact duplicates (one picture, several files) and near-duplicate
 * groups (embedding cosine ≥ a threshold), each with the file to keep; `--trash-copies` moves the
 * redundant paths of exact copies to the Trash (safety/apply.h).
 *
 * Only images with a file on disk take part: the user can act on nothing else. Near groups are
 * stars around their kept picture (learn/dupes.h dupes_star_groups), never chains: every member
 * is within the threshold of the kept one, whose cosine each line shows.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "learn/dupes.h"
#include "learn/features.h"
#include "pipeline/trainer.h"
#include "safety/apply.h"
#include "util/fsutil.h"
#include "util/plural.h"
#include "util/progress.h"

#define MAX_PAIRS 10000000

static int run_dupes(int argc, char **argv, const cli_globals *g);

const cli_command cmd_dupes = {
    "dupes",
    "exact and near-duplicate groups, with the copy to keep",
    "usage: cull dupes [--format tsv|json] [-z] [--threshold T] [--encoder NAME] [--no-index]\n"
    "       cull dupes --trash-copies [--dry-run [--format tsv|json] [-z]] [--yes] [PATH...]\n"
    "\n"
    "Lists groups of files that hold the same picture (exact: one content at several paths) or\n"
    "nearly the same (near: resized, re-encoded or cropped copies, bursts: the cosine similarity\n"
    "of their embeddings to the group's kept picture is at least T; groups never chain, so two\n"
    "pictures far apart are never grouped through a third). Only files on disk are listed.\n"
    "\n"
    "Which file is kept, first in each group:\n"
    "  of different pictures: a picture labelled keep, then an unlabelled one, then one labelled\n"
    "    delete; among those the most pixels (an original before its crops and downscales), then\n"
    "    the most bytes, then the model's lowest P(delete)\n"
    "  of the paths of one picture: a name that does not look like a copy (\"copy\" in it, or a\n"
    "    \" (2)\" before the extension), then the oldest file, then the shortest path\n"
    "\n"
    "What to do:\n"
    "  exact copies are one picture: labels belong to content, so labelling one copy labels all.\n"
    "    cull dupes --trash-copies moves every path but the kept one to the Trash (asking first;\n"
    "    logged; cull undo puts them back; with PATH only copies under PATH move).\n"
    "  near duplicates are different pictures: label the ones you do not want delete (cull label\n"
    "    delete PATH, or in cull review) and run cull apply.\n"
    "\n"
    "tsv (default): one line per file, no header, a group's lines together, the kept file first:\n"
    "  GROUP<TAB>KIND<TAB>COSINE<TAB>ROLE<TAB>P_DELETE<TAB>ABSOLUTE_PATH\n"
    "  GROUP     group number, 1 = the largest group\n"
    "  KIND      exact (the group is one picture) or near\n"
    "  COSINE    the embedding cosine between this file's picture and the kept one's\n"
    "  ROLE      keep (the file to keep), copy (the same bytes as the keep or dup line above it),\n"
    "            or dup (a different picture near the kept one)\n"
    "  P_DELETE  the model's P(delete) for this file, or - with no model\n"
    "json: an array of {\"group\", \"kind\", \"members\": [{\"path\", \"role\", \"cosine\", \"p_delete\",\n"
    "  \"pixels\"}]}.\n"
    "\n"
    "options:\n"
    "  --format tsv|json   output format (default tsv)\n"
    "  -z, --null          records end in NUL, paths raw (tsv)\n"
    "  --threshold T       near-duplicate cosine, 0 < T <= 1 (default per encoder, measured on\n"
    "                      re-encoded, halved and cropped copies: lite 0.985, mobilenet 0.90,\n"
    "                      others 0.95). Copies of photos are found and different photos kept\n"
    "                      apart. Charts and screenshots in one style are harder: different ones\n"
    "                      can group and re-encoded copies be missed; with mobilenet 0.98 joins\n"
    "                      almost no different ones; lite cannot tell them apart at all. A note\n"
    "                      on stderr says so when it applies\n"
    "  --encoder NAME      whose embeddings to compare (default: the library's, see cull status)\n"
    "  --no-index          embed nothing: fail, saying what is missing, instead\n"
    "  --trash-copies      move the redundant paths of exact copies to the Trash (see above);\n"
    "                      with --dry-run list them (BYTES<TAB>PATH), --yes moves without asking\n"
    "\n"
    CLI_HELP_RECORDS
    "\n"
    CLI_HELP_EXIT
    "\n"
    "examples:\n"
    "  cull dupes --trash-copies --dry-run                        # the copies that would go\n"
    "  cull dupes | awk -F'\\t' '$4 == \"dup\"' | cut -f6     # near duplicates of kept pictures\n"
    "  cull dupes --threshold 0.99 --format json\n",
    run_dupes,
    CLI_NEEDS_MEDIA,
};

/* ---- gathering: one entry per present file, one per picture ---- */

typedef struct {
    char *path;
    int image;          /* index into the pictures */
    double p;           /* P(delete), NAN without a model */
    int64_t mtime_ns;   /* for which path of a picture to keep */
} file_entry;

typedef struct {
    int64_t id;
    int64_t pixels, bytes;
    int label;
    int primary;        /* the file of this picture to keep (apply_copy_keep_first), -1 until known */
    double p;           /* the lowest P(delete) of its files, NAN without a model */
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
    r->pics[k] = (picture){row->image_id, (int64_t)row->meta.width * row->meta.height, row->meta.bytes, row->label, -1,
                           NAN};
    features_unit_vector(row->embedding, r->dim, r->emb + (size_t)k * r->dim);
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
    struct stat st;
    int64_t mtime = stat(path, &st) == 0 ? fs_mtime_ns(&st) : INT64_MAX;
    r->files[r->n_files++] = (file_entry){path, pic, p, mtime};
    picture *pc = &r->pics[pic];
    if (!isnan(p) && (isnan(pc->p) || p < pc->p)) pc->p = p;
    return 0;
}

/* ---- groups ---- */

enum { ROLE_KEEP, ROLE_DUP, ROLE_COPY };
static const char *const ROLE_NAMES[] = {"keep", "dup", "copy"};

typedef struct {
    int group;          /* the group's kept picture */
    int file;
    float cos;          /* to the kept picture */
    int role;
    int rank;           /* the picture's place in keep order */
} member;

/* Label tier for keeping: keep, then unlabelled, then delete. */
static int label_tier(int label)
{
    return label == LABEL_KEEP ? 0 : label == LABEL_NONE ? 1 : 2;
}

/* Pictures, best to keep first: label tier, most pixels, most bytes, lowest P(delete), path. */
static int cmp_keep(const void *pa, const void *pb, void *ctx)
{
    const gather_run *r = ctx;
    const picture *x = &r->pics[*(const int *)pa], *y = &r->pics[*(const int *)pb];
    if (label_tier(x->label) != label_tier(y->label)) return label_tier(x->label) - label_tier(y->label);
    if (x->pixels != y->pixels) return x->pixels > y->pixels ? -1 : 1;
    if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
    if (!isnan(x->p) && !isnan(y->p) && x->p != y->p) return x->p < y->p ? -1 : 1;
    return strcmp(r->files[x->primary].path, r->files[y->primary].path);
}

static int cmp_members(const void *pa, const void *pb, void *ctx)
{
    const member *a = pa, *b = pb;
    const gather_run *r = ctx;
    if (a->group != b->group) return a->group - b->group;
    if (a->rank != b->rank) {   /* the kept picture first, then the others by cosine */
        int ka = r->files[a->file].image == a->group, kb = r->files[b->file].image == b->group;
        if (ka != kb) return kb - ka;
        if (a->cos != b->cos) return a->cos > b->cos ? -1 : 1;
        return a->rank - b->rank;
    }
    if ((a->role == ROLE_COPY) != (b->role == ROLE_COPY)) return a->role == ROLE_COPY ? 1 : -1;
    return strcmp(r->files[a->file].path, r->files[b->file].path);
}

typedef struct {
    int start, len;     /* members[start .. start+len) */
    int exact;
} group_span;

/* Largest groups first; equal sizes in the order of their kept pictures in the library. */
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
            printf("%d\t%s\t%.6f\t%s\t", k + 1, g[k].exact ? "exact" : "near", m[i].cos, ROLE_NAMES[m[i].role]);
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
            json_array_append_new(members, json_pack("{s:o, s:s, s:f, s:o, s:I}", "path", quote_json_path(f->path), "role",
                                                     ROLE_NAMES[m[i].role], "cosine", (double)m[i].cos, "p_delete",
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

/* Groups from the pairs: stars of two pictures or more around their kept picture, and pictures
   with several files. Fills *members (every file of every group, each group's keep first) and
   *spans. */
static int build_groups(gather_run *r, const dupes_pair *pairs, size_t np, member **members, group_span **spans,
                        int *n_groups, int *n_exact, int *n_near)
{
    int n = r->n_pics, rc = -1;
    size_t one = 1;
    int *order = malloc(sizeof(int) * (size_t)(n ? n : 1)), *group = malloc(sizeof(int) * (size_t)(n ? n : 1));
    int *rank = malloc(sizeof(int) * (size_t)(n ? n : 1)), *size = calloc((size_t)(n ? n : 1), sizeof(int));
    int *files_of = calloc((size_t)(n ? n : 1), sizeof(int));
    member *m = malloc(sizeof *m * (r->n_files ? r->n_files : one));
    group_span *g = malloc(sizeof *g * (r->n_files ? r->n_files : one));
    if (!order || !group || !rank || !size || !files_of || !m || !g) goto done;
    /* The path each picture keeps, then the pictures in keep order, then the stars. */
    for (size_t f = 0; f < r->n_files; f++) {
        picture *pc = &r->pics[r->files[f].image];
        files_of[r->files[f].image]++;
        if (pc->primary < 0 || apply_copy_keep_first(r->files[f].path, r->files[f].mtime_ns, r->files[pc->primary].path,
                                                     r->files[pc->primary].mtime_ns))
            pc->primary = (int)f;
    }
    for (int i = 0; i < n; i++) order[i] = i;
    qsort_r(order, (size_t)n, sizeof *order, cmp_keep, r);
    for (int i = 0; i < n; i++) rank[order[i]] = i;
    if (dupes_star_groups(n, pairs, np, order, group) < 0) goto done;
    for (int i = 0; i < n; i++) size[group[i]]++;
    size_t nm = 0;
    for (size_t f = 0; f < r->n_files; f++) {
        int pic = r->files[f].image, c = group[pic];
        if (size[c] < 2 && files_of[pic] < 2) continue;
        int primary = r->pics[pic].primary == (int)f;
        int role = !primary ? ROLE_COPY : pic == c ? ROLE_KEEP : ROLE_DUP;
        m[nm++] = (member){c, (int)f, cosine(r, pic, c), role, rank[pic]};
    }
    qsort_r(m, nm, sizeof *m, cmp_members, r);
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
    free(order), free(group), free(rank), free(size), free(files_of), free(m), free(g);
    return rc;
}

static int run_dupes(int argc, char **argv, const cli_globals *g)
{
    const char *name = NULL, *format = NULL;
    double threshold = NAN;
    int no_index = 0, nul = 0, trash_copies = 0, dry_run = 0, yes = 0, optind;
    const cli_option options[] = {
        OPTION_STRING("encoder", 'e', &name),
        OPTION_FLAG("no-index", 0, &no_index),
        OPTION_CHOICE("format", 'f', &format, "tsv|json"),
        OPTION_REAL("threshold", 't', &threshold, 0, 1, 1, NULL),
        OPTION_FLAG("null", 'z', &nul),
        OPTION_FLAG("trash-copies", 0, &trash_copies),
        OPTION_FLAG("dry-run", 0, &dry_run),
        OPTION_FLAG("yes", 0, &yes),
        OPTION_END,
    };
    int parsed = cli_parse_options(&cmd_dupes, options, argc, argv, &optind);
    if (parsed != CLI_PARSED) return parsed;
    if ((dry_run || yes) && !trash_copies) return cli_usage_error(&cmd_dupes, "--dry-run and --yes go with --trash-copies");
    if (trash_copies) {
        if (name || no_index || !isnan(threshold))
            return cli_usage_error(&cmd_dupes, "--trash-copies compares contents: --encoder, --threshold and --no-index do not apply");
        cli_file_list list;
        if (cli_file_list_options(&cmd_dupes, dry_run, format, nul, &list)) return EXIT_USAGE;
        return cli_move_to_trash(g, 1, dry_run, yes, NULL, &list, argv + optind, argc - optind);
    }
    if (!format) format = "tsv";
    if (optind < argc) return cli_usage_error(&cmd_dupes, "unexpected argument '%s' (PATH goes with --trash-copies)", argv[optind]);
    if (nul && strcmp(format, "json") == 0) return cli_usage_error(&cmd_dupes, "-z goes with the tsv format");
    char id[96], err[1024] = "";
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    if (cli_prepare_encoder(lib, name, 1, no_index, id, sizeof id)) {
        library_close(lib);
        return EXIT_SOME_FAILED;
    }
    if (isnan(threshold)) threshold = dupes_default_threshold(id);

    cull_model model;
    char encoder_name[FS_PATH_MAX];
    train_report rep = {0};
    int retrained, have_model = cli_encoder_name(lib, name, encoder_name, sizeof encoder_name, NULL) == 0 &&
                                trainer_current_model(lib, encoder_name, id, &model, &retrained, &rep, err, sizeof err) == 0;
    if (!have_model) fprintf(stderr, "cull: no model (%s): P_DELETE is left out\n", err);
    else if (retrained) fprintf(stderr, "cull: the labels or prompts changed since the model was trained: retrained%s\n", cli_not_saved(lib));
    if (have_model && rep.prompts_unused[0]) fprintf(stderr, "cull: prompts left out of the model: %s\n", rep.prompts_unused);
    gather_run r = {.model = have_model ? &model : NULL};
    if (have_model) r.scratch = malloc(sizeof(float) * (size_t)cull_model_dim(&model));
    int rc = EXIT_SOME_FAILED;
    dupes_pair *pairs = NULL;
    member *members = NULL;
    group_span *spans = NULL;
    size_t np = 0;
    int n_groups = 0, n_exact = 0, n_near = 0;
    double t0 = now_monotonic();
    if ((have_model && !r.scratch) || library_each_row(lib, id, 1, add_file, &r)) {
        cli_error("reading the library failed: %s", library_error(lib));
        goto done;
    }
    if (r.bad_dim) {
        cli_error("embeddings of %s have different lengths; re-index", id);
        goto done;
    }
    double t1 = now_monotonic();
    int prc = dupes_pairs(r.emb, r.n_pics, r.dim, (size_t)r.dim, (float)threshold, MAX_PAIRS, &pairs, &np, NULL);
    if (prc == -2) {
        cli_error("more than %d near-duplicate pairs at cosine >= %g: raise --threshold", MAX_PAIRS, threshold);
        goto done;
    }
    if (prc || build_groups(&r, pairs, np, &members, &spans, &n_groups, &n_exact, &n_near)) {
        cli_error("out of memory");
        goto done;
    }
    double t2 = now_monotonic();
    if (strcmp(format, "json") == 0) print_json(&r, members, spans, n_groups);
    else print_tsv(&r, members, spans, n_groups, nul);
    fprintf(stderr,
            "%d exact-duplicate %s, %d near-duplicate %s (cosine >= %g, %s) among %d %s in %zu %s"
            " (read %.1f s, compared %.1f s)\n",
            n_exact, plural(n_exact, "group", "groups"), n_near, plural(n_near, "group", "groups"), threshold, id, r.n_pics,
            plural(r.n_pics, "picture", "pictures"), r.n_files, plural((long long)r.n_files, "file", "files"), t1 - t0,
            t2 - t1);
    const char *caveat = dupes_threshold_caveat(id, (float)threshold);
    if (n_near && caveat) fprintf(stderr, "note: %s\n", caveat);
    if (n_exact + n_near)
        fprintf(stderr, "exact copies: cull dupes --trash-copies moves the extra paths to the Trash; near duplicates: "
                        "label the ones you do not want delete, then cull apply\n");
    rc = EXIT_OK;
done:
    library_close(lib);
    for (size_t i = 0; i < r.n_files; i++) free(r.files[i].path);
    free(r.files), free(r.pics), free(r.emb), free(r.slot_id), free(r.slot_pic), free(r.scratch);
    free(pairs), free(members), free(spans);
    if (have_model) cull_model_free(&model);
    return rc;
}
