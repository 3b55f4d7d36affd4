/*
 * explainer.h — why an image got its score: the model's terms (learn/explain.h) and the labelled
 * images it looks most like (learn/neighbours.h), for `cull explain`, `rank --explain`, the review
 * page's panel and the report's suspects.
 *
 * explainer_open reads every labelled image the model's encoder has embedded, once: its id, label,
 * a present path (NULL when every copy is gone: deleted images still teach) and its unit
 * embedding. Each batch of queries then costs one GEMM pass over them. The explainer borrows the
 * model; it must outlive the explainer.
 */
#ifndef CULL_PIPELINE_EXPLAINER_H
#define CULL_PIPELINE_EXPLAINER_H

#include <stdint.h>

#include "learn/explain.h"
#include "learn/model.h"
#include "learn/neighbours.h"
#include "library/library.h"

#define EXPLAIN_NEIGHBOURS 5   /* neighbours shown by default */

typedef struct {
    int64_t image_id;
    int label;                 /* LABEL_KEEP or LABEL_DELETE */
    char *path;                /* owned; NULL when no copy is present */
} labelled_image;

typedef struct {
    const cull_model *model;
    int n, dim;
    labelled_image *images;    /* n, by image id */
    float *unit;               /* n × dim unit embeddings */
} explainer;

/* Returns 0, or -1 with the reason in err. */
int explainer_open(library *lib, const cull_model *m, explainer *ex, char *err, size_t errlen);

/* The k labelled images nearest each of q images (raw embeddings, dim floats each, and their ids:
   an image is never its own neighbour): out[i·k + r].row indexes ex->images, −1 in slots left
   empty. Returns 0, or -1 when out of memory. */
int explainer_neighbours(const explainer *ex, const float *embeddings, const int64_t *ids, int q, int k,
                         neighbour *out);

/* As JSON (new references), shared by every output that explains: the neighbours as
   [{"image_id", "label", "similarity", "path"}] (path null when no copy is present; empty slots
   left out), and an explanation as {"p_delete", "log_odds", "method": "exact"|"occlusion",
   "contributions": [{"kind", "feature"|"token" (+ "count"), "value"}]}, most influential first. */
struct json_t *explainer_neighbours_json(const explainer *ex, const neighbour *nb, int k);
struct json_t *explanation_json(const explanation *e);

/* "keep" or "delete". */
const char *explainer_label_name(int label);

/* One image to explain, read from the library: its label, metadata and embedding by encoder_id
   (*embedding malloc'd: free it). 1 read; 0 when the encoder has not embedded it; -1 on error
   (out of memory, or the library's reason in library_error). */
int explainer_read_image(library *lib, const char *encoder_id, int64_t image_id, int *label, image_meta *meta,
                         float **embedding);

/* The row of images[] holding image_id, or −1. */
int explainer_find(const explainer *ex, int64_t image_id);

void explainer_close(explainer *ex);

#endif
