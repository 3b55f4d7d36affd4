/*
 * cmd_report.c — `cull report`: one self-contained HTML page on how well the model ranks, where it
 * does worse, how the labels came about, and the labels it doubts most.
 *
 * Every curve uses the out-of-fold P(delete) stored with the model (as `cull suspects` does), so
 * no image is scored by a model that saw its label. The page holds no script and loads nothing:
 * styles and charts are inline, thumbnails are data: URIs, and every piece of text from the
 * library (paths are bytes) is made valid UTF-8 and escaped.
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "library/report_queries.h"
#include "media/media.h"
#include "pipeline/trainer.h"
#include "report/html.h"
#include "report/svg.h"

#define REPORT_THUMBS 24
#define REPORT_THUMB_SIDE 160
#define REPORT_GROUP_ROWS 40      /* rows of each by-group table; the rest are summed up */
#define REPORT_MAX_POINTS 600     /* points per curve */

static int run_report(int argc, char **argv, const cli_globals *g);

const cli_command cmd_report = {
    "report",
    "an HTML page on the model: curves, calibration, weak spots, top suspects",
    "usage: cull report [-o FILE.html] [--encoder NAME] [--no-index]\n"
    "\n"
    "Writes one self-contained HTML page (inline styles and SVG charts, thumbnails embedded; no\n"
    "scripts, nothing loaded from the network) about the model and the labels:\n"
    "  - the library, the encoder, the model and its cross-validated metrics;\n"
    "  - the ROC curve, the effort curve (share of deletes found against share of the ranking\n"
    "    reviewed) and calibration (predicted P(delete) against the observed delete rate);\n"
    "  - metrics by format, by camera and by folder;\n"
    "  - keep and delete labels set per day (per week over long spans);\n"
    "  - thumbnails of the 24 labels the model doubts most (as cull suspects).\n"
    "Every score is out-of-fold: each image is judged by the cross-validation model that did not\n"
    "train on it. The model is retrained first, and said so, when labels changed.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE  where to write (default ./cull-report.html); its path is printed\n"
    "  --encoder NAME     whose model to use (default: the library's, see cull status)\n"
    "  --no-index         embed nothing: fail, saying what is missing, instead\n"
    "\n"
    CLI_HELP_EXIT
    "\n"
    "examples:\n"
    "  cull report && xdg-open cull-report.html\n"
    "  cull report -o /tmp/model.html --encoder lite\n",
    run_report,
    CLI_NEEDS_MEDIA,
};

typedef struct {
    double p;             /* out-of-fold P(delete) */
    int label;
    uint8_t sha[32];
    char *path;           /* first present path, or NULL */
    char *format, *camera;
} item;

typedef struct {
    const cull_model *model;
    item *items;
    size_t n, cap;
    int missing;
    int oom;
} report_run;

static int add_row(const library_row *row, void *ctx)
{
    report_run *r = ctx;
    if (row->label == LABEL_NONE) return 0;
    double p = cull_model_oof(r->model, row->image_id);
    if (p < 0) {
        r->missing++;
        return 0;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 1024;
        item *grown = realloc(r->items, cap * sizeof *grown);
        if (!grown) return r->oom = 1;
        r->items = grown;
        r->cap = cap;
    }
    item *it = &r->items[r->n++];
    it->p = p;
    it->label = row->label;
    memcpy(it->sha, row->sha256, 32);
    it->path = row->path ? g_strdup(row->path) : NULL;
    it->format = g_strdup(row->meta.format[0] ? row->meta.format : "unknown");
    char camera[160];
    media_camera_name(&row->meta, camera, sizeof camera);
    it->camera = g_strdup(camera[0] ? camera : "none");
    return 0;
}

/* Highest P(delete) first; within a tie, keeps first (pessimistic, as metrics.h's AP). */
static int by_p_desc(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->p != y->p) return x->p < y->p ? 1 : -1;
    return x->label - y->label;
}

static double wrong(const item *it) { return it->label == LABEL_KEEP ? it->p : 1 - it->p; }

static int by_suspicion(const void *a, const void *b)
{
    const item *const *x = a, *const *y = b;
    double sx = wrong(*x), sy = wrong(*y);
    if (sx != sy) return sx < sy ? 1 : -1;
    return strcmp((*x)->path, (*y)->path);
}

/* Metrics of a subset of the items (by index). */
static int subset_metrics(const item *items, const size_t *idx, size_t n, metrics *m)
{
    double *s = malloc((n ? n : 1) * sizeof *s);
    int8_t *y = malloc(n ? n : 1);
    int rc = -1;
    if (s && y) {
        for (size_t i = 0; i < n; i++) {
            s[i] = items[idx[i]].p;
            y[i] = (int8_t)(items[idx[i]].label == LABEL_DELETE);
        }
        rc = metrics_compute(s, y, (int)n, m);
    } else {
        memset(m, 0, sizeof *m);
    }
    free(s);
    free(y);
    return rc;
}

/* --- page sections ------------------------------------------------------------------------- */

static const char *STYLE =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}"
    "td.k,th.k{text-align:left;max-width:600px;overflow-wrap:anywhere}"
    ".charts{display:flex;flex-wrap:wrap;gap:16px}"
    ".chart{background:#fff}"
    ".thumbs{display:flex;flex-wrap:wrap;gap:12px}.thumb{width:170px;font-size:12px}"
    ".thumb img{max-width:160px;max-height:160px;display:block;margin-bottom:4px}"
    ".path{overflow-wrap:anywhere;color:#555}.note{color:#666}.warn{color:#a33}"
    ".lab-delete{color:#d1495b;font-weight:600}.lab-keep{color:#4c9f70;font-weight:600}";

static void section_header(FILE *f, const cli_globals *g, const char *encoder, const cull_model *m,
                           const library_counts *c, size_t n, int retrained)
{
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M %z", &tm);
    fputs("<h1>cull report</h1>\n<table class=\"summary\">\n<tr><th class=\"k\">library</th><td class=\"k\">", f);
    html_text(f, g->db_path);
    fprintf(f, "</td></tr>\n<tr><th class=\"k\">images</th><td class=\"k\">%lld (%lld files present, %lld gone)</td></tr>\n",
            (long long)c->images, (long long)c->paths_present, (long long)c->paths_missing);
    fprintf(f, "<tr><th class=\"k\">labels</th><td class=\"k\">%lld keep, %lld delete; %lld files unlabelled</td></tr>\n",
            (long long)c->keep, (long long)c->del, (long long)c->unlabeled_present);
    fputs("<tr><th class=\"k\">encoder</th><td class=\"k\">", f);
    html_text(f, encoder);
    fputs("</td></tr>\n<tr><th class=\"k\">model</th><td class=\"k\">", f);
    html_text(f, cull_model_kind_name(m->kind));
    fprintf(f, ", trained on %d keep and %d delete labels%s</td></tr>\n", m->n_keep, m->n_delete,
            retrained ? " (retrained now: the labels had changed)" : "");
    fprintf(f, "<tr><th class=\"k\">cross-validated (%d folds)</th><td class=\"k\">ROC-AUC <b id=\"cv-auc\">%.3f</b>,"
               " average precision <b id=\"cv-ap\">%.3f</b>, balanced accuracy <b id=\"cv-bacc\">%.3f</b></td></tr>\n",
            m->folds, m->cv.auc, m->cv.ap, m->cv.bacc);
    fprintf(f, "<tr><th class=\"k\">scored here</th><td class=\"k\">%zu labelled images, each by the fold model that"
               " did not train on it</td></tr>\n", n);
    fprintf(f, "<tr><th class=\"k\">date</th><td class=\"k\">%s</td></tr>\n</table>\n", date);
}

/* Appends p to pts unless it is within a small step of the last one (the last point always). */
static void add_point(svg_point *pts, int *n, double x, double y, int force)
{
    if (*n > 0 && !force && fabs(x - pts[*n - 1].x) < 1.0 / REPORT_MAX_POINTS &&
        fabs(y - pts[*n - 1].y) < 1.0 / REPORT_MAX_POINTS)
        return;
    pts[*n] = (svg_point){x, y};
    (*n)++;
}

static void section_curves(FILE *f, const item *items, size_t n, const metrics *all)
{
    size_t pos = (size_t)all->n_delete, neg = n - pos;
    svg_point *roc = malloc((n + 2) * sizeof *roc), *eff = malloc((n + 2) * sizeof *eff);
    static const svg_point diag[2] = {{0, 0}, {1, 1}};
    if (!roc || !eff) {
        free(roc);
        free(eff);
        fputs("<p class=\"warn\">out of memory drawing the curves</p>\n", f);
        return;
    }
    int nr = 0, ne = 0;
    add_point(roc, &nr, 0, 0, 1);
    add_point(eff, &ne, 0, 0, 1);
    size_t tp = 0, fp = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].label == LABEL_DELETE) tp++; else fp++;
        add_point(eff, &ne, (double)(i + 1) / (double)n, (double)tp / (double)pos, i + 1 == n);
        if (i + 1 < n && items[i + 1].p == items[i].p) continue;   /* a tie is one step of the ROC */
        add_point(roc, &nr, (double)fp / (double)neg, (double)tp / (double)pos, i + 1 == n);
    }
    fputs("<h2 id=\"curves\">Ranking quality</h2>\n<div class=\"charts\">\n", f);
    char title[96];
    snprintf(title, sizeof title, "ROC curve (AUC %.3f)", all->auc);
    svg_series rs[2] = {{diag, 2, "#999", "random", 1, 0}, {roc, nr, "#1f5fa8", "out-of-fold model", 0, 0}};
    svg_unit_chart(f, title, "false positive rate (keeps flagged)", "true positive rate (deletes found)", rs, 2);
    svg_series es[2] = {{diag, 2, "#999", "random order", 1, 0}, {eff, ne, "#d1495b", "model's ranking", 0, 0}};
    svg_unit_chart(f, "Effort: deletes found vs ranking reviewed", "share of the ranking reviewed",
                   "share of deletes found", es, 2);
    fputs("</div>\n<p class=\"note\">", f);
    fprintf(f, "ROC-AUC %.3f: the chance that a random delete is ranked above a random keep. "
               "Reviewing the top 10%% / 30%% / 50%% of the ranking finds %.0f%% / %.0f%% / %.0f%% of the deletes.</p>\n",
            all->auc, 100 * all->found[0], 100 * all->found[1], 100 * all->found[2]);
    free(roc);
    free(eff);
}

static void section_calibration(FILE *f, const item *items, size_t n)
{
    int64_t cnt[10] = {0}, del[10] = {0};
    double sum[10] = {0};
    for (size_t i = 0; i < n; i++) {
        int b = (int)(items[i].p * 10);
        b = b < 0 ? 0 : b > 9 ? 9 : b;
        cnt[b]++;
        sum[b] += items[i].p;
        del[b] += items[i].label == LABEL_DELETE;
    }
    svg_point pts[10];
    int np = 0;
    for (int b = 0; b < 10; b++)
        if (cnt[b]) pts[np++] = (svg_point){sum[b] / (double)cnt[b], (double)del[b] / (double)cnt[b]};
    static const svg_point diag[2] = {{0, 0}, {1, 1}};
    fputs("<h2 id=\"calibration\">Calibration</h2>\n<div class=\"charts\">\n", f);
    svg_series s[3] = {{diag, 2, "#999", "perfectly calibrated", 1, 0}, {pts, np, "#1f5fa8", NULL, 0, 0},
                       {pts, np, "#1f5fa8", NULL, 0, 1}};
    svg_unit_chart(f, "Calibration (10 bins)", "mean predicted P(delete)", "observed delete rate", s, 3);
    fputs("<table>\n<tr><th class=\"k\">predicted P(delete)</th><th>images</th><th>deletes</th>"
          "<th>mean predicted</th><th>observed rate</th></tr>\n", f);
    for (int b = 0; b < 10; b++) {
        fprintf(f, "<tr><td class=\"k\">%.1f – %.1f</td><td>%lld</td><td>%lld</td>", b / 10.0, (b + 1) / 10.0,
                (long long)cnt[b], (long long)del[b]);
        if (cnt[b])
            fprintf(f, "<td>%.3f</td><td>%.3f</td></tr>\n", sum[b] / (double)cnt[b], (double)del[b] / (double)cnt[b]);
        else
            fputs("<td>–</td><td>–</td></tr>\n", f);
    }
    fputs("</table>\n</div>\n", f);
}

typedef struct {
    char *key;
    size_t *idx, n, cap;
    int64_t del;
} group;

static int by_size_desc(const void *a, const void *b)
{
    const group *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return strcmp(x->key, y->key);
}

typedef enum { BY_FORMAT, BY_CAMERA, BY_FOLDER } group_by;

static void section_groups(FILE *f, const item *items, size_t n, group_by by, const char *title, const char *id,
                           const char *column)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    group *gs = NULL;
    size_t ng = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        char *key = by == BY_FORMAT   ? g_strdup(items[i].format)
                    : by == BY_CAMERA ? g_strdup(items[i].camera)
                    : items[i].path   ? g_path_get_dirname(items[i].path)
                                      : g_strdup("(no file on disk)");
        gpointer at;
        size_t k;
        if (g_hash_table_lookup_extended(seen, key, NULL, &at)) {
            k = (size_t)GPOINTER_TO_SIZE(at);
            g_free(key);
        } else {
            if (ng == cap) {
                cap = cap ? 2 * cap : 16;
                gs = g_realloc(gs, cap * sizeof *gs);
            }
            k = ng++;
            gs[k] = (group){key, NULL, 0, 0, 0};
            g_hash_table_insert(seen, key, GSIZE_TO_POINTER(k));
        }
        group *gr = &gs[k];
        if (gr->n == gr->cap) {
            gr->cap = gr->cap ? 2 * gr->cap : 8;
            gr->idx = g_realloc(gr->idx, gr->cap * sizeof *gr->idx);
        }
        gr->idx[gr->n++] = i;
        gr->del += items[i].label == LABEL_DELETE;
    }
    g_hash_table_destroy(seen);
    if (ng) qsort(gs, ng, sizeof *gs, by_size_desc);
    fprintf(f, "<h2 id=\"%s\">", id);
    html_text(f, title);
    fprintf(f, "</h2>\n<table class=\"groups\">\n<tr><th class=\"k\">");
    html_text(f, column);
    fputs("</th><th>images</th><th>deletes</th><th>ROC-AUC</th><th>average precision</th></tr>\n", f);
    size_t shown = ng < REPORT_GROUP_ROWS ? ng : REPORT_GROUP_ROWS, rest_n = 0;
    int64_t rest_del = 0;
    for (size_t k = 0; k < ng; k++) {
        if (k >= shown) {
            rest_n += gs[k].n;
            rest_del += gs[k].del;
            continue;
        }
        metrics m;
        int ok = subset_metrics(items, gs[k].idx, gs[k].n, &m) == 0;
        fputs("<tr><td class=\"k\">", f);
        html_text(f, gs[k].key);
        fprintf(f, "</td><td>%zu</td><td>%lld</td>", gs[k].n, (long long)gs[k].del);
        if (ok)
            fprintf(f, "<td>%.3f</td><td>%.3f</td></tr>\n", m.auc, m.ap);
        else
            fputs("<td>–</td><td>–</td></tr>\n", f);
    }
    if (ng > shown)
        fprintf(f, "<tr><td class=\"k\">%zu more</td><td>%zu</td><td>%lld</td><td>–</td><td>–</td></tr>\n", ng - shown,
                rest_n, (long long)rest_del);
    fputs("</table>\n<p class=\"note\">ROC-AUC and average precision only where the group holds both keeps and"
          " deletes.</p>\n", f);
    for (size_t k = 0; k < ng; k++) {
        g_free(gs[k].key);
        g_free(gs[k].idx);
    }
    g_free(gs);
}

typedef struct {
    int64_t *day, *keep, *del;
    size_t n, cap;
} day_counts;

static void add_day(int64_t day, int64_t keep, int64_t del, void *ctx)
{
    day_counts *d = ctx;
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 64;
        d->day = g_realloc(d->day, d->cap * sizeof *d->day);
        d->keep = g_realloc(d->keep, d->cap * sizeof *d->keep);
        d->del = g_realloc(d->del, d->cap * sizeof *d->del);
    }
    d->day[d->n] = day;
    d->keep[d->n] = keep;
    d->del[d->n] = del;
    d->n++;
}

static void day_label(int64_t day, char *buf, size_t cap)
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%d", &tm);
}

static int section_time(FILE *f, library *lib)
{
    day_counts d = {0};
    if (report_label_days(lib, add_day, &d)) {
        g_free(d.day);
        g_free(d.keep);
        g_free(d.del);
        return -1;
    }
    fputs("<h2 id=\"timeline\">Labels over time</h2>\n", f);
    if (d.n == 0) {
        fputs("<p class=\"note\">No labels.</p>\n", f);
        return 0;
    }
    /* Days since 1970-01-01, a Thursday: a week starts on the Monday at or before the day. */
    int weekly = d.day[d.n - 1] - d.day[0] > 90;
    int64_t step = weekly ? 7 : 1;
    int64_t first = weekly ? d.day[0] - ((d.day[0] % 7 + 10) % 7) : d.day[0];
    size_t nb = (size_t)((d.day[d.n - 1] - first) / step + 1);
    int64_t *keep = g_new0(int64_t, nb), *del = g_new0(int64_t, nb);
    char **labels = g_new0(char *, nb + 1);
    for (size_t i = 0; i < d.n; i++) {
        size_t b = (size_t)((d.day[i] - first) / step);
        keep[b] += d.keep[i];
        del[b] += d.del[i];
    }
    for (size_t b = 0; b < nb; b++) {
        labels[b] = g_malloc(16);
        day_label(first + (int64_t)b * step, labels[b], 16);
    }
    svg_stacked_bars(f, weekly ? "Labels set per week (by when each label was last set)"
                               : "Labels set per day (by when each label was last set)",
                     (const char *const *)labels, keep, del, (int)nb);
    fprintf(f, "<table>\n<tr><th class=\"k\">%s</th><th>keep</th><th>delete</th></tr>\n", weekly ? "week of" : "day");
    for (size_t b = 0; b < nb; b++) {
        if (keep[b] + del[b] == 0) continue;
        fprintf(f, "<tr><td class=\"k\">%s</td><td>%lld</td><td>%lld</td></tr>\n", labels[b], (long long)keep[b],
                (long long)del[b]);
    }
    fputs("</table>\n", f);
    g_strfreev(labels);
    g_free(keep);
    g_free(del);
    g_free(d.day);
    g_free(d.keep);
    g_free(d.del);
    return 0;
}

/* The thumbnail of one suspect, from its file if that still holds the image. */
static void thumb(FILE *f, const item *it)
{
    char err[256];
    file_buffer fb;
    void *jpeg = NULL;
    size_t len = 0;
    int ok = 0;
    if (media_read_file(it->path, MEDIA_DEFAULT_MAX_BYTES, &fb, err, sizeof err) == 0) {
        uint8_t got[32];
        media_sha256(fb.data, fb.len, got);
        if (memcmp(got, it->sha, 32) != 0)
            snprintf(err, sizeof err, "the file changed since it was indexed");
        else
            ok = media_render_jpeg(fb.data, fb.len, REPORT_THUMB_SIDE, 80, &jpeg, &len, err, sizeof err) == 0;
        file_buffer_free(&fb);
    }
    fputs("<div class=\"thumb\">", f);
    if (ok) {
        fputs("<img alt=\"\" src=\"data:image/jpeg;base64,", f);
        html_base64(f, jpeg, len);
        fputs("\"/>", f);
        g_free(jpeg);
    } else {
        fputs("<p class=\"warn\">no thumbnail: ", f);
        html_text(f, err);
        fputs("</p>", f);
    }
    const char *lab = it->label == LABEL_KEEP ? "keep" : "delete";
    fprintf(f, "<div>%.3f <span class=\"lab-%s\">%s</span> (P(delete) %.3f)</div><div class=\"path\">", wrong(it), lab,
            lab, it->p);
    html_text(f, it->path);
    fputs("</div></div>\n", f);
}

static void section_suspects(FILE *f, const item *items, size_t n)
{
    const item **with_file = malloc((n ? n : 1) * sizeof *with_file);
    size_t m = 0;
    if (!with_file) return;
    for (size_t i = 0; i < n; i++)
        if (items[i].path) with_file[m++] = &items[i];
    if (m) qsort(with_file, m, sizeof *with_file, by_suspicion);
    size_t shown = m < REPORT_THUMBS ? m : REPORT_THUMBS;
    fprintf(f, "<h2 id=\"suspects\">Top %zu suspects</h2>\n<p class=\"note\">The labels the out-of-fold model doubts"
               " most (as <code>cull suspects</code>): the score is P(delete) for a keep, 1 − P(delete) for a"
               " delete.</p>\n<div class=\"thumbs\">\n", shown);
    for (size_t i = 0; i < shown; i++) thumb(f, with_file[i]);
    fputs("</div>\n", f);
    free(with_file);
}

static int write_page(const char *out, library *lib, const cli_globals *g, const char *encoder, const cull_model *m,
                      int retrained, item *items, size_t n, char *err, size_t errlen)
{
    library_counts c;
    if (library_counts_get(lib, &c)) {
        snprintf(err, errlen, "reading the library failed: %s", library_error(lib));
        return -1;
    }
    qsort(items, n, sizeof *items, by_p_desc);
    double *s = malloc((n ? n : 1) * sizeof *s);
    int8_t *y = malloc(n ? n : 1);
    metrics all;
    int both = -1;
    if (s && y) {
        for (size_t i = 0; i < n; i++) {
            s[i] = items[i].p;
            y[i] = (int8_t)(items[i].label == LABEL_DELETE);
        }
        both = metrics_compute(s, y, (int)n, &all);
    }
    free(s);
    free(y);
    if (both) {
        snprintf(err, errlen, "the out-of-fold scores need both keep and delete labels");
        return -1;
    }
    FILE *f = fopen(out, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", out, strerror(errno));
        return -1;
    }
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
               "<title>cull report</title>\n<style>%s</style>\n</head>\n<body>\n", STYLE);
    section_header(f, g, encoder, m, &c, n, retrained);
    section_curves(f, items, n, &all);
    section_calibration(f, items, n);
    section_groups(f, items, n, BY_FORMAT, "By format", "by-format", "format");
    section_groups(f, items, n, BY_CAMERA, "By camera", "by-camera", "camera (make model)");
    section_groups(f, items, n, BY_FOLDER, "By folder", "by-folder", "folder");
    int rc = 0;
    if (section_time(f, lib)) {
        snprintf(err, errlen, "reading the library failed: %s", library_error(lib));
        rc = -1;
    }
    section_suspects(f, items, n);
    fputs("</body>\n</html>\n", f);
    if (ferror(f)) rc = -1, snprintf(err, errlen, "writing %s failed", out);
    if (fclose(f) && rc == 0) {
        snprintf(err, errlen, "writing %s failed: %s", out, strerror(errno));
        rc = -1;
    }
    return rc;
}

static int run_report(int argc, char **argv, const cli_globals *g)
{
    static const struct option LONG[] = {
        {"encoder", required_argument, 0, 'e'}, {"no-index", no_argument, 0, 'N'}, {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *name = NULL, *out = "cull-report.html";
    int no_index = 0;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+e:o:", LONG, NULL)) != -1) {
        switch (c) {
        case 'e': name = optarg; break;
        case 'N': no_index = 1; break;
        case 'o': out = optarg; break;
        case 'h': return cli_help(&cmd_report);
        default: return cli_usage_error(&cmd_report, "unknown option");
        }
    }
    if (optind < argc) return cli_usage_error(&cmd_report, "unexpected argument '%s'", argv[optind]);
    if (!*out) return cli_usage_error(&cmd_report, "-o wants a file name");
    char id[96], err[512];
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    cull_model model;
    int retrained;
    if (cli_prepare_encoder(lib, name, 0, no_index, id, sizeof id) || cli_current_model(lib, id, 1, &model, &retrained)) {
        library_close(lib);
        return EXIT_SOME_FAILED;
    }
    int rc;
    report_run r = {.model = &model};
    rc = EXIT_OK;
    if (library_each_row(lib, id, 0, add_row, &r) || r.oom) {
        cli_error("reading the library failed: %s", r.oom ? "out of memory" : library_error(lib));
        rc = EXIT_SOME_FAILED;
    } else if (write_page(out, lib, g, id, &model, retrained, r.items, r.n, err, sizeof err)) {
        cli_error("%s", err);
        rc = EXIT_SOME_FAILED;
    } else {
        cli_put_path(stdout, out);
        putchar('\n');
        if (r.missing) fprintf(stderr, "cull: %d labelled images had no out-of-fold score\n", r.missing);
    }
    library_close(lib);
    for (size_t i = 0; i < r.n; i++) {
        g_free(r.items[i].path);
        g_free(r.items[i].format);
        g_free(r.items[i].camera);
    }
    free(r.items);
    cull_model_free(&model);
    return rc;
}
