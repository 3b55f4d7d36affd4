/*
 * importer.c — keep rules, and what marks from another tool decide (importer.h).
 */
#include "pipeline/importer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "library/library.h"

/* A whole number in [lo, hi] that is all of text; −1 otherwise. */
static int small_number(const char *text, int lo, int hi)
{
    char *end;
    long v = strtol(text, &end, 10);
    return *text && !*end && v >= lo && v <= hi ? (int)v : -1;
}

int import_rule_parse(const char *text, import_rule *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *copy = strdup(text), *save = NULL;
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0, items = 0;
    for (char *item = strtok_r(copy, ",", &save); item && rc == 0; item = strtok_r(NULL, ",", &save)) {
        items++;
        if (!strcmp(item, "pick")) {
            out->pick = 1;
        } else if (!strncmp(item, "rating>=", 8) && small_number(item + 8, 1, 5) > 0) {
            out->min_rating = small_number(item + 8, 1, 5);
        } else if (!strncmp(item, "color=", 6) && small_number(item + 6, 1, 10) > 0) {
            out->colors |= 1u << small_number(item + 6, 1, 10);
        } else if (!strncmp(item, "label=", 6) && item[6] && strlen(item + 6) < sizeof out->labels[0] &&
                   out->n_labels < IMPORT_RULE_LABELS) {
            snprintf(out->labels[out->n_labels++], sizeof out->labels[0], "%s", item + 6);
        } else {
            snprintf(err, errlen, "'%s' is not a keep rule item (pick, rating>=1..5, label=TEXT, color=1..10)", item);
            rc = -1;
        }
    }
    if (rc == 0 && items == 0) {
        snprintf(err, errlen, "the keep rule is empty (say pick, rating>=N, label=TEXT or color=N)");
        rc = -1;
    }
    free(copy);
    return rc;
}

void import_decide(const xmp_marks *m, const import_rule *r, import_decision *out)
{
    out->label = LABEL_NONE;
    if (!m->source[0]) {
        snprintf(out->why, sizeof out->why, "no XMP");
        return;
    }
    if (m->has_rating && m->rating < 0) {
        out->label = LABEL_DELETE;
        snprintf(out->why, sizeof out->why, "rejected (rating -1)");
    } else if (m->pick == XMP_PICK_REJECTED) {
        out->label = LABEL_DELETE;
        snprintf(out->why, sizeof out->why, "rejected (pick)");
    } else if (r->pick && m->pick == XMP_PICK_ACCEPTED) {
        out->label = LABEL_KEEP;
        snprintf(out->why, sizeof out->why, "picked");
    } else if (r->min_rating && m->has_rating && m->rating >= r->min_rating) {
        out->label = LABEL_KEEP;
        snprintf(out->why, sizeof out->why, "rating %g ≥ %d", m->rating, r->min_rating);
    } else if (m->color > 0 && (r->colors >> m->color & 1)) {
        out->label = LABEL_KEEP;
        snprintf(out->why, sizeof out->why, "color label %d", m->color);
    } else {
        for (int i = 0; i < r->n_labels && out->label == LABEL_NONE; i++)
            if (m->label[0] && !strcasecmp(m->label, r->labels[i])) {
                out->label = LABEL_KEEP;
                snprintf(out->why, sizeof out->why, "label %.64s", m->label);
            }
    }
    if (out->label == LABEL_NONE)
        snprintf(out->why, sizeof out->why, "%s", !m->has_rating || m->rating == 0 ? "unrated" : "not kept by the rule");
}

int import_map_root(const char *path, char *const *maps, int n_maps, char *out, size_t cap)
{
    const char *rest = path, *to = "";
    for (int i = 0; i < n_maps; i++) {
        const char *eq = strchr(maps[i], '=');
        size_t n = (size_t)(eq - maps[i]);
        while (n > 1 && maps[i][n - 1] == '/') n--;   /* "OLD/" maps like "OLD" */
        int root = n == 1 && maps[i][0] == '/';     /* "/" is a prefix of every absolute path */
        if (strncmp(path, maps[i], n) == 0 && (root || path[n] == '/' || path[n] == 0)) {
            rest = root ? path : path + n, to = eq + 1;
            break;
        }
    }
    size_t lt = strlen(to);
    if (lt > 1 && to[lt - 1] == '/' && rest[0] == '/') lt--;
    return snprintf(out, cap, "%.*s%s", (int)lt, to, rest) >= (int)cap ? -1 : 0;
}
