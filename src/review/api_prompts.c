/*
 * api_prompts.c — POST /api/prompt: the page adds a prompt ({"label": "keep"|"delete", "text"}),
 * as `cull prompt add` does, or removes one ({"remove": N}), as `cull prompt remove N` does. The
 * answer's state lists the prompts at once; the learner then reads them again, scores with them
 * and retrains (learner.h), as when they change in another terminal.
 */
#include <stdio.h>
#include <string.h>

#include "encoders/clip_tokenizer.h"
#include "library/prompts.h"
#include "review/api.h"
#include "review/learner.h"
#include "review/words.h"

/* Adds or removes under db_lock, one transaction (the prompt with the label version's move).
   1 done, 0 no such prompt to remove, -1 with err. */
static int change(review_session *s, int64_t remove, int label, const char *text, int64_t *id, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->db_lock);
    int rc = library_begin(s->lib)                          ? -1
             : remove > 0                                   ? library_remove_prompt(s->lib, remove)
             : library_add_prompt(s->lib, label, text, id) ? -1
                                                            : 1;
    if (rc >= 0 && library_commit(s->lib)) rc = -1;
    if (rc < 0) {
        snprintf(err, errlen, "%s", library_error(s->lib));
        library_rollback(s->lib);
    } else if (rc == 1 && words_list_prompts(s->words, s->lib, err, errlen)) {
        fprintf(stderr, "cull review: %s\n", err);   /* stored: the learner's next look lists it */
    }
    pthread_mutex_unlock(&s->db_lock);
    return rc;
}

int api_prompt(review_session *s, json_t *body, review_reply *r)
{
    if (!s->words)
        return reply_error(r, 409, "prompts need a text tower: %s", s->words_note[0] ? s->words_note : "none here");
    json_t *rm = json_object_get(body, "remove");
    const char *side = json_string_value(json_object_get(body, "label"));
    const char *text = json_string_value(json_object_get(body, "text"));
    int64_t remove = json_is_integer(rm) && json_integer_value(rm) > 0 ? (int64_t)json_integer_value(rm) : -1, id = 0;
    int label = side && !strcmp(side, "keep") ? LABEL_KEEP : side && !strcmp(side, "delete") ? LABEL_DELETE : -1;
    if (rm ? remove < 0 || side || text : label < 0 || !text)
        return reply_error(r, 400, "want {\"label\": \"keep\"|\"delete\", \"text\": TEXT} or {\"remove\": N}");
    const char *why = rm ? NULL : clip_text_problem(text);
    if (why) return reply_error(r, 400, "the prompt is %s", why);
    char err[512];
    int rc = change(s, remove, label, text, &id, err, sizeof err);
    if (rc < 0) return reply_error(r, 500, "%s the prompt failed: %s", rm ? "removing" : "adding", err);
    if (rc == 0) return reply_error(r, 404, "there is no prompt %lld", (long long)remove);
    learner_request(s->learner, 1);
    return reply_json(r, 200, json_pack("{s:b, s:I, s:o}", "ok", 1, "id", (json_int_t)(rm ? remove : id), "state",
                                        api_state(s)));
}
