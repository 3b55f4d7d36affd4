/*
 * words.h — the review page's words: the text tower of the encoder under review (when it has one),
 * the library's prompts with their vectors, their zero-shot model (the scoring while there are
 * too few labels to train), and the search queue. The prompts are read again when they change
 * during the review (cull prompt add or remove in another terminal): words_refresh.
 *
 * Threads: words_search and words_refresh use the text tower under the words' own lock (one
 * prompt at a time); the page's list has a lock of its own, so no request waits for an encoding.
 * The caller of words_search and words_list_prompts holds the session's db_lock for the library
 * it reads. words_refresh, words_zero_shot and words_vectors belong to the learner thread (and to
 * words_open's caller before the learner starts); words_state and words_list_prompts may be
 * called from any thread.
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

/* Reads the prompts again when lib's label version moved since they were read (labels or prompts
   changed), encoding only the new ones, and remakes the zero-shot model. w may be NULL. 1 when the
   prompts changed, 0 when not, -1 with err (the words keep what they had). */
int words_refresh(review_words *w, library *lib, char *err, size_t errlen);

/* Reads the page's list of prompts again at once, after the page added or removed one (the
   learner's words_refresh follows for the rest); the caller holds the session's db_lock for lib.
   0, or -1 with err. */
int words_list_prompts(review_words *w, library *lib, char *err, size_t errlen);

/* The prompts' zero-shot model, or NULL (no text tower, or prompts of one side only). Valid until
   the next words_refresh. */
const cull_model *words_zero_shot(const review_words *w);

/* The prompts with their unit vectors, as trainer.h's train_options.vectors takes them (the trainer
   then needs no text tower of its own), or NULL. Valid until the next words_refresh. */
const model_prompts *words_vectors(const review_words *w);

/* For /api/state: {"search": bool, "prompts": [{"id", "label", "text"}], "note": why not, or
   null}; w may be NULL (note then is its why). */
json_t *words_state(review_words *w, const char *note);

/* The cosine of every image of lib embedded by the encoder with text, by image id: ids[i] with
   cosine[i], *n of them (free both). 0, or -1 with err (not UTF-8, too long, out of memory). */
int words_search(review_words *w, library *lib, const char *text, int64_t **ids, double **cosine, size_t *n,
                 char *err, size_t errlen);

#endif
