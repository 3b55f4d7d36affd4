/*
 * scored.h — the report's labelled images, each with the P(delete) the model gave it out of fold
 * (by the cross-validation model that did not train on it): what every section of the page draws
 * from. Read once from the library; the sections only read them.
 */
#ifndef CULL_REPORT_SCORED_H
#define CULL_REPORT_SCORED_H

#include <stddef.h>
#include <stdint.h>

#include "learn/metrics.h"
#include "learn/model.h"
#include "library/library.h"

typedef struct {
    int64_t image_id;
    double p;             /* out-of-fold P(delete) */
    int label;            /* LABEL_KEEP or LABEL_DELETE */
    uint8_t sha[32];      /* the labelled content: a thumbnail is made only from a file that still holds it */
    char *path;           /* first present path, or NULL */
    char *format;         /* "unknown" when the metadata names none */
    char *camera;         /* make and model; "none" when the metadata names none */
} scored_image;

typedef struct {
    scored_image *items;
    size_t n, cap;
    int unscored;         /* labelled images left out: the model has no out-of-fold score for them */
} scored_images;

/* Every labelled image that encoder_id has embedded and m has an out-of-fold score for, in the
   library's order. 0; or -1 with "reading the library failed: ..." in err and nothing left in out
   to free. */
int scored_read(library *lib, const char *encoder_id, const cull_model *m, scored_images *out, char *err,
                size_t errlen);

/* Frees what scored_read filled in; out is left empty, so a second call does nothing. */
void scored_free(scored_images *s);

/* The metrics (metrics.h) of the images items[idx[0..n)], or of items[0..n) when idx is NULL.
   -1 when a class is missing (metrics_compute) or memory is short. */
int scored_metrics(const scored_image *items, const size_t *idx, size_t n, metrics *m);

#endif
