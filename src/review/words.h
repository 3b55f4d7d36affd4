/*
 * words.h — the review page's words: the text tower of the encoder under review (when it has one),
 * the library's prompts as they were when the review started, their zero-shot model (the scoring
 * while there are too few labels to train), and the search queue.
 *
 * Threads: words_search encodes under the words' own lock (one text tower, one prompt at a time);
 * the caller holds the session's db_lock for the library it reads. Everything else is fixed after
 * words_open.
 */
#ifndef CULL_REVIEW_WORDS_H
#define CULL_REVIEW_WORDS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "learn/model.h"
#include "library/library.h"

typedef struct review_words review_words;

/* The words of encoder_name (its images' id encoder_id) over lib. NULL when the encoder has no
   text tower or it cannot load: note then says why (the page shows it). */
review_words *words_open(library *lib, const char *encoder_name, const char *encoder_id, char *note, size_t cap);
void words_close(review_words *w);

/* The prompts' zero-shot model, or NULL (no text tower, or prompts of one side only). */
const cull_model *words_zero_shot(const review_words *w);

/* For /api/state: {"search": bool, "prompts": [{"label", "text"}], "note": why not, or null}; w may
   be NULL (note then is its why). */
json_t *words_state(const review_words *w, const char *note);

/* The cosine of every image of lib embedded by the encoder with text, by image id: ids[i] with
   cosine[i], *n of them (free both). 0, or -1 with err (not UTF-8, too long, out of memory). */
int words_search(review_words *w, library *lib, const char *text, int64_t **ids, double **cosine, size_t *n,
                 char *err, size_t errlen);

#endif
