/*
 * report.c — the report page as a whole: what it reads, its style and summary, the order of its
 * sections; see report.h.
 */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "report/html.h"
#include "report/sections.h"

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
    ".near{overflow-wrap:anywhere;color:#555;margin-top:4px}"
    ".lab-delete{color:#d1495b;font-weight:600}.lab-keep{color:#4c9f70;font-weight:600}";

/* Highest P(delete) first; within a tie, keeps first (pessimistic, as metrics.h's AP). */
static int by_p_desc(const void *a, const void *b)
{
    const scored_image *x = a, *y = b;
    if (x->p != y->p) return x->p < y->p ? 1 : -1;
    return x->label - y->label;
}

int report_page_read(library *lib, const report_source *src, report_page *out, char *err, size_t errlen)
{
    *out = (report_page){.src = *src};
    if (scored_read(lib, src->encoder_id, src->model, &out->scored, err, errlen)) return -1;
    if (library_counts_get(lib, &out->counts)) {
        snprintf(err, errlen, "reading the library failed: %s", library_error(lib));
        report_page_free(out);
        return -1;
    }
    scored_images *s = &out->scored;
    qsort(s->items, s->n, sizeof *s->items, by_p_desc);
    if (scored_metrics(s->items, NULL, s->n, &out->all)) {
        snprintf(err, errlen, "the out-of-fold scores need both keep and delete labels");
        report_page_free(out);
        return -1;
    }
    if (explainer_open(lib, src->model, &out->near, err, errlen)) {
        report_page_free(out);
        return -1;
    }
    return 0;
}

/* The summary's row on the prompts whose cosines are the model's features, and what they changed. */
static void section_prompts(FILE *f, const cull_model *m)
{
    const model_prompts *p = &m->prompts;
    if (m->kind == MODEL_PROMPTS || p->n == 0) return;
    fprintf(f, "<tr><th class=\"k\">prompts</th><td class=\"k\">%d, each image's cosine with each one a feature", p->n);
    if (isfinite(m->auc_without_prompts) && isfinite(m->auc_logreg))
        fprintf(f, "; they changed logistic regression's ROC-AUC from <b id=\"auc-without-prompts\">%.3f</b> to"
                   " <b id=\"auc-with-prompts\">%.3f</b>", m->auc_without_prompts, m->auc_logreg);
    for (int k = 0; k < p->n; k++) {
        const char *side = p->label[k] == LABEL_DELETE ? "delete" : "keep";
        fprintf(f, "<div class=\"prompt\">%lld <span class=\"lab-%s\">%s</span> ", (long long)p->id[k], side, side);
        html_text(f, p->text[k]);
        fputs("</div>", f);
    }
    fputs("</td></tr>\n", f);
}

static void section_summary(FILE *f, const report_page *p)
{
    const cull_model *m = p->src.model;
    const library_counts *c = &p->counts;
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M %z", &tm);
    fputs("<h1>cull report</h1>\n<table class=\"summary\">\n<tr><th class=\"k\">library</th><td class=\"k\">", f);
    html_text(f, p->src.library_path);
    fprintf(f, "</td></tr>\n<tr><th class=\"k\">images</th><td class=\"k\">%lld (%lld files present, %lld gone)</td></tr>\n",
            (long long)c->images, (long long)c->paths_present, (long long)c->paths_missing);
    fprintf(f, "<tr><th class=\"k\">labels</th><td class=\"k\">%lld keep, %lld delete; %lld files unlabelled</td></tr>\n",
            (long long)c->keep, (long long)c->del, (long long)c->unlabeled_present);
    fputs("<tr><th class=\"k\">encoder</th><td class=\"k\">", f);
    html_text(f, p->src.encoder_id);
    fputs("</td></tr>\n<tr><th class=\"k\">model</th><td class=\"k\">", f);
    html_text(f, cull_model_kind_name(m->kind));
    fprintf(f, ", trained on %d keep and %d delete labels%s</td></tr>\n", m->n_keep, m->n_delete,
            p->src.retrained ? " (retrained now: the labels or prompts had changed)" : "");
    fprintf(f, "<tr><th class=\"k\">cross-validated (%d folds)</th><td class=\"k\">ROC-AUC <b id=\"cv-auc\">%.3f</b>,"
               " average precision <b id=\"cv-ap\">%.3f</b>, balanced accuracy <b id=\"cv-bacc\">%.3f</b></td></tr>\n",
            m->folds, m->cv.auc, m->cv.ap, m->cv.bacc);
    section_prompts(f, m);
    fprintf(f, "<tr><th class=\"k\">scored here</th><td class=\"k\">%zu labelled images, each by the fold model that"
               " did not train on it</td></tr>\n", p->scored.n);
    fprintf(f, "<tr><th class=\"k\">date</th><td class=\"k\">%s</td></tr>\n</table>\n", date);
}

int report_page_write(FILE *f, const report_page *p, library *lib, char *err, size_t errlen)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
               "<title>cull report</title>\n<style>%s</style>\n</head>\n<body>\n", STYLE);
    section_summary(f, p);
    section_curves(f, &p->scored, &p->all);
    section_calibration(f, &p->scored);
    section_groups(f, &p->scored, BY_FORMAT);
    section_groups(f, &p->scored, BY_CAMERA);
    section_groups(f, &p->scored, BY_FOLDER);
    int rc = 0;
    if (section_timeline(f, lib)) {
        snprintf(err, errlen, "reading the library failed: %s", library_error(lib));
        rc = -1;
    }
    section_suspects(f, &p->scored, &p->near);
    fputs("</body>\n</html>\n", f);
    return rc;
}

void report_page_free(report_page *p)
{
    scored_free(&p->scored);
    explainer_close(&p->near);
}
