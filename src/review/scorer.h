/*
 * scorer.h — a review snapshot (queue.h) from the library: one item per image that has an
 * embedding from the encoder and a present file under the roots, scored once by the model.
 */
#ifndef CULL_REVIEW_SCORER_H
#define CULL_REVIEW_SCORER_H

#include <stddef.h>
#include "learn/model.h"
#include "library/library.h"
#include "review/queue.h"

/* model NULL: no scores (p is NAN). roots: absolute, normalised; none = everything.
   0, or -1 with a reason in err. */
int scorer_build(library *lib, const char *encoder_id, const cull_model *model, char *const *roots, int n_roots,
                 review_snapshot *out, char *err, size_t errlen);

#endif
