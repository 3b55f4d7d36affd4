/*
 * queue.c — snapshot bookkeeping and queue order; see queue.h.
 */
#include "review/queue.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "library/library.h"

static const char *const NAMES[] = {"likely", "uncertain", "suspects", "folder"};

int queue_parse(const char *name, queue_kind *kind)
{
    for (int i = 0; i < 4; i++)
        if (name && !strcmp(name, NAMES[i])) {
            *kind = (queue_kind)i;
            return 0;
        }
    return -1;
}

const char *queue_name(queue_kind kind) { return NAMES[kind]; }

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const review_item *)a)->id, y = ((const review_item *)b)->id;
    return x < y ? -1 : x > y;
}

review_item *snapshot_find(const review_snapshot *s, int64_t id)
{
    review_item key = {.id = id};
    return s->n ? bsearch(&key, s->items, s->n, sizeof *s->items, by_id) : NULL;
}

void snapshot_free(review_snapshot *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->items[i].path);
    free(s->items);
    s->items = NULL;
    s->n = 0;
}

/* qsort is not stable, so (id, position) pairs are sorted: of an image's rows, the first added
   (the lowest path) wins. */
typedef struct {
    int64_t id;
    size_t pos;
} id_pos;

static int by_id_pos(const void *a, const void *b)
{
    const id_pos *x = a, *y = b;
    if (x->id != y->id) return x->id < y->id ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

void snapshot_finish(review_snapshot *s)
{
    if (s->n == 0) return;
    id_pos *order = malloc(s->n * sizeof *order);
    review_item *sorted = malloc(s->n * sizeof *sorted);
    if (!order || !sorted) { /* fall back: sort in place; duplicates keep an arbitrary path */
        free(order);
        free(sorted);
        qsort(s->items, s->n, sizeof *s->items, by_id);
    } else {
        for (size_t i = 0; i < s->n; i++) order[i] = (id_pos){s->items[i].id, i};
        qsort(order, s->n, sizeof *order, by_id_pos);
        for (size_t i = 0; i < s->n; i++) sorted[i] = s->items[order[i].pos];
        free(order);
        free(s->items);
        s->items = sorted;
    }
    size_t w = 0;
    for (size_t r = 0; r < s->n; r++) {
        if (w > 0 && s->items[w - 1].id == s->items[r].id) {
            free(s->items[r].path);
            continue;
        }
        s->items[w++] = s->items[r];
    }
    s->n = w;
}

int queue_folder_cmp(const char *a, const char *b)
{
    const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
    size_t da = sa ? (size_t)(sa - a) : 0, db = sb ? (size_t)(sb - b) : 0;
    size_t n = da < db ? da : db;
    int c = memcmp(a, b, n);
    if (c) return c;
    if (da != db) return da < db ? -1 : 1;
    return strcmp(a + da, b + db);
}

typedef struct {
    double key;            /* smaller first */
    const char *path;      /* then folder order */
    size_t i;
} candidate;

static int by_key(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return queue_folder_cmp(x->path, y->path);
}

/* Sort key of an item in a queue; 0 when the item is not in it. */
static int key_of(const review_item *it, queue_kind kind, double *key)
{
    if (it->seen) return 0;
    int labelled = it->label != LABEL_NONE;
    double p = it->p;
    int scored = !isnan(p);
    switch (kind) {
    case QUEUE_LIKELY:
        if (labelled) return 0;
        *key = scored ? -p : 0;
        return 1;
    case QUEUE_UNCERTAIN:
        if (labelled) return 0;
        *key = scored ? fabs(p - 0.5) : 0;
        return 1;
    case QUEUE_SUSPECTS:
        if (!labelled) return 0;
        *key = scored ? -(it->label == LABEL_DELETE ? 1 - p : p) : 0;
        return 1;
    case QUEUE_FOLDER:
        *key = 0;
        return 1;
    }
    return 0;
}

size_t queue_select(const review_snapshot *s, queue_kind kind, size_t *idx, size_t limit)
{
    candidate *c = malloc((s->n ? s->n : 1) * sizeof *c);
    if (!c) return (size_t)-1;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        double key;
        if (key_of(&s->items[i], kind, &key)) c[n++] = (candidate){key, s->items[i].path, i};
    }
    qsort(c, n, sizeof *c, by_key);
    for (size_t i = 0; i < n && i < limit; i++) idx[i] = c[i].i;
    free(c);
    return n;
}
