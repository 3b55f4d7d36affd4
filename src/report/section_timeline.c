/*
 * section_timeline.c — how the labels came about: keep and delete labels set per day, or per week
 * over long spans, by when each label was last set; see sections.h.
 */
#include <glib.h>
#include <time.h>

#include "library/label_days.h"
#include "report/sections.h"
#include "report/svg.h"

#define WEEKLY_AFTER_DAYS 90   /* a longer span is drawn by weeks, so that its bars stay wide enough to read */

/* The library's days with labels, oldest first. */
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

static void day_counts_free(day_counts *d)
{
    g_free(d->day);
    g_free(d->keep);
    g_free(d->del);
}

static void day_label(int64_t day, char *buf, size_t cap)
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%d", &tm);
}

int section_timeline(FILE *f, library *lib)
{
    day_counts d = {0};
    if (library_label_days(lib, add_day, &d)) {
        day_counts_free(&d);
        return -1;
    }
    fputs("<h2 id=\"timeline\">Labels over time</h2>\n", f);
    if (d.n == 0) {
        fputs("<p class=\"note\">No labels.</p>\n", f);
        return 0;
    }
    /* Days since 1970-01-01, a Thursday: a week starts on the Monday at or before the day. */
    int weekly = d.day[d.n - 1] - d.day[0] > WEEKLY_AFTER_DAYS;
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
    day_counts_free(&d);
    return 0;
}
