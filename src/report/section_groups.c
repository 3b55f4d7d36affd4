/*
 * section_groups.c — where the model does worse: metrics per format, camera or folder; see
 * sections.h.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "report/sections.h"

#define GROUP_ROWS 40      /* rows of each table; the rest are summed up in one */

static const struct {
    const char *title, *id, *column;
} GROUPINGS[] = {
    [BY_FORMAT] = {"By format", "by-format", "format"},
    [BY_CAMERA] = {"By camera", "by-camera", "camera (make model)"},
    [BY_FOLDER] = {"By folder", "by-folder", "folder"},
};

typedef struct {
    char *key;
    size_t *idx, n, cap;   /* the scored images in the group, by index */
    int64_t del;
} group;

static int by_size_desc(const void *a, const void *b)
{
    const group *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return strcmp(x->key, y->key);
}

static char *group_key(const scored_image *it, section_grouping by)
{
    switch (by) {
    case BY_FORMAT: return g_strdup(it->format);
    case BY_CAMERA: return g_strdup(it->camera);
    default: return it->path ? g_path_get_dirname(it->path) : g_strdup("(no file on disk)");
    }
}

/* The groups of s in the order they first appear; *ng of them. */
static group *make_groups(const scored_images *s, section_grouping by, size_t *ng)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    group *gs = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < s->n; i++) {
        char *key = group_key(&s->items[i], by);
        gpointer at;
        size_t k;
        if (g_hash_table_lookup_extended(seen, key, NULL, &at)) {
            k = (size_t)GPOINTER_TO_SIZE(at);
            g_free(key);
        } else {
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                gs = g_realloc(gs, cap * sizeof *gs);
            }
            k = n++;
            gs[k] = (group){key, NULL, 0, 0, 0};
            g_hash_table_insert(seen, key, GSIZE_TO_POINTER(k));
        }
        group *gr = &gs[k];
        if (gr->n == gr->cap) {
            gr->cap = gr->cap ? 2 * gr->cap : 8;
            gr->idx = g_realloc(gr->idx, gr->cap * sizeof *gr->idx);
        }
        gr->idx[gr->n++] = i;
        gr->del += s->items[i].label == LABEL_DELETE;
    }
    g_hash_table_destroy(seen);
    *ng = n;
    return gs;
}

void section_groups(FILE *f, const scored_images *s, section_grouping by)
{
    size_t ng;
    group *gs = make_groups(s, by, &ng);
    if (ng) qsort(gs, ng, sizeof *gs, by_size_desc);
    fprintf(f, "<h2 id=\"%s\">", GROUPINGS[by].id);
    html_text(f, GROUPINGS[by].title);
    fputs("</h2>\n<table class=\"groups\">\n<tr><th class=\"k\">", f);
    html_text(f, GROUPINGS[by].column);
    fputs("</th><th>images</th><th>deletes</th><th>ROC-AUC</th><th>average precision</th></tr>\n", f);
    size_t shown = ng < GROUP_ROWS ? ng : GROUP_ROWS, rest_n = 0;
    int64_t rest_del = 0;
    for (size_t k = 0; k < ng; k++) {
        if (k >= shown) {
            rest_n += gs[k].n;
            rest_del += gs[k].del;
            continue;
        }
        metrics m;
        int ok = scored_metrics(s->items, gs[k].idx, gs[k].n, &m) == 0;
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
