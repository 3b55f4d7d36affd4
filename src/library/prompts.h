/*
 * prompts.h — the user's prompts: sentences saying what they keep and what they delete ("a
 * screenshot of a chat" → delete), compared with images through a CLIP text tower. They stand in
 * for labels until there are enough to train on (zero-shot ranking), then each one's cosine with
 * the image is a feature of the trained model. Numbered for `cull prompt
 * remove N`; a number is never reused.
 */
#ifndef CULL_LIBRARY_PROMPTS_H
#define CULL_LIBRARY_PROMPTS_H

#include <stdint.h>
#include "library/library.h"

typedef struct {
    int64_t id;
    int label;          /* LABEL_KEEP or LABEL_DELETE */
    const char *text;   /* valid during the callback only */
    int64_t added_at;   /* unix seconds */
} library_prompt;

/* Adding or removing a prompt moves the library's label version (library_label_version): a model
   trained before is stale. Call each inside a transaction (library_begin) so both happen or
   neither. */

/* Adds a prompt; *id (may be NULL) gets its number. 0, or -1 (library_error). */
int library_add_prompt(library *lib, int label, const char *text, int64_t *id);
/* Removes prompt id: 1 removed, 0 there was none, -1 on error. */
int library_remove_prompt(library *lib, int64_t id);
/* Every prompt, oldest first. 0, or -1. */
int library_each_prompt(library *lib, void (*fn)(const library_prompt *p, void *ctx), void *ctx);

#endif
