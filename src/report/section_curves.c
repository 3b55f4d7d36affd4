/*
 * section_curves.c — the charts of how well the out-of-fold scores rank (ROC, effort) and how
 * well they are calibrated; see sections.h.
 */
#include <math.h>
#include <stdlib.h>

#include "report/sections.h"
#include "report/svg.h"

#define MAX_POINTS 600     /* points per curve: a page with thousands of labels stays small */

/* The reference line of a ranking no better than chance, and of perfect calibration. */
static const svg_point DIAGONAL[2] = {{0, 0}, {1, 1}};

/* Appends (x, y) to pts unless it is within a small step of the last one (with force, always). */
static void add_point(svg_point *pts, int *n, double x, double y, int force)
{
    if (*n > 0 && !force && fabs(x - pts[*n - 1].x) < 1.0 / MAX_POINTS && fabs(y - pts[*n - 1].y) < 1.0 / MAX_POINTS)
        return;
    pts[*n] = (svg_point){x, y};
    (*n)++;
}

void section_curves(FILE *f, const scored_images *s, const metrics *all)
{
    const scored_image *items = s->items;
    size_t n = s->n, pos = (size_t)all->n_delete, neg = n - pos;
    svg_point *roc = malloc((n + 2) * sizeof *roc), *eff = malloc((n + 2) * sizeof *eff);
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
    svg_series rs[2] = {{DIAGONAL, 2, "#999", "random", 1, 0}, {roc, nr, "#1f5fa8", "out-of-fold model", 0, 0}};
    svg_unit_chart(f, title, "false positive rate (keeps flagged)", "true positive rate (deletes found)", rs, 2);
    svg_series es[2] = {{DIAGONAL, 2, "#999", "random order", 1, 0}, {eff, ne, "#d1495b", "model's ranking", 0, 0}};
    svg_unit_chart(f, "Effort: deletes found vs ranking reviewed", "share of the ranking reviewed",
                   "share of deletes found", es, 2);
    fputs("</div>\n<p class=\"note\">", f);
    fprintf(f, "ROC-AUC %.3f: the chance that a random delete is ranked above a random keep. "
               "Reviewing the top 10%% / 30%% / 50%% of the ranking finds %.0f%% / %.0f%% / %.0f%% of the deletes.</p>\n",
            all->auc, 100 * all->found[0], 100 * all->found[1], 100 * all->found[2]);
    free(roc);
    free(eff);
}

void section_calibration(FILE *f, const scored_images *s)
{
    int64_t cnt[10] = {0}, del[10] = {0};
    double sum[10] = {0};
    for (size_t i = 0; i < s->n; i++) {
        int b = (int)(s->items[i].p * 10);
        b = b < 0 ? 0 : b > 9 ? 9 : b;
        cnt[b]++;
        sum[b] += s->items[i].p;
        del[b] += s->items[i].label == LABEL_DELETE;
    }
    svg_point pts[10];
    int np = 0;
    for (int b = 0; b < 10; b++)
        if (cnt[b]) pts[np++] = (svg_point){sum[b] / (double)cnt[b], (double)del[b] / (double)cnt[b]};
    fputs("<h2 id=\"calibration\">Calibration</h2>\n<div class=\"charts\">\n", f);
    /* The bins' points twice: once joined by a line, once as markers. */
    svg_series series[3] = {{DIAGONAL, 2, "#999", "perfectly calibrated", 1, 0}, {pts, np, "#1f5fa8", NULL, 0, 0},
                            {pts, np, "#1f5fa8", NULL, 0, 1}};
    svg_unit_chart(f, "Calibration (10 bins)", "mean predicted P(delete)", "observed delete rate", series, 3);
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
