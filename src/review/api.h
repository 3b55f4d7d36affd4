/*
 * api.h — the JSON API of `cull review` (all under /api/, token and origin already checked):
 *
 *   GET  /api/state                     model metrics, training, counts, undo available
 *   GET  /api/queue?name=Q&limit=N      the next N images of queue Q (queue.h) with their facts
 *   GET  /api/image/ID/thumb|display    JPEG of image ID (a library id: never a path)
 *   GET  /api/explain/ID                why ID scores as it does (api_explain.c)
 *   POST /api/label {"id", "label"}     keep|delete, stored at once (source "review")
 *   POST /api/skip {"id"}               out of the queues for this run
 *   POST /api/undo                      takes back the newest label or skip
 *   POST /api/prompt {"label", "text"}  adds a prompt, as cull prompt add (api_prompts.c)
 *   POST /api/prompt {"remove": N}      removes prompt N, as cull prompt remove
 *   GET  /api/apply                     what apply would move: files, bytes, paths
 *   POST /api/apply {"confirm": true}   moves them to the Trash as `cull apply` does
 * POST bodies are JSON; every POST answers with the state too.
 */
#ifndef CULL_REVIEW_API_H
#define CULL_REVIEW_API_H

#include <jansson.h>
#include "review/http.h"
#include "review/session.h"
#include "util/quote.h"

void api_handle(review_session *s, const review_call *c, review_reply *r);

/* Shared by the api_*.c files. */
json_t *api_state(review_session *s);
int api_apply(review_session *s, const review_call *c, review_reply *r);
/* rest: "ID/thumb" or "ID/display". */
int api_image(review_session *s, const char *rest, review_reply *r);
/* rest: "ID". */
int api_explain(review_session *s, const char *rest, review_reply *r);
/* Whether id is a labelled image the explain panel may show (its thumbnail is served too). */
int api_explain_knows(review_session *s, int64_t id);
/* body: the POST's JSON object. */
int api_prompt(review_session *s, json_t *body, review_reply *r);
/* Frees the explain panel's cache; at the end of the run. */
void api_explain_free(review_session *s);
/* A whole decimal id in [1, 10^18); -1 otherwise. */
int64_t api_parse_id(const char *s, size_t n);

#endif
