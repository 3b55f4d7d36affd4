/*
 * api_apply.c — GET /api/apply (what would move, and its plan id) and POST /api/apply (move it):
 * exactly what `cull apply --plan` does, on its own library connection so labelling never waits
 * for it. The POST names the plan the page showed; when labels or files changed since, nothing
 * moves and the answer is 409 with the new plan, for the page to show and ask again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review/api.h"
#include "review/learner.h"
#include "safety/apply.h"

#define PLAN_LIST_MAX 500    /* paths listed on the page; the totals count them all */

/* The dry run's files → [{"path", "bytes"}] (the first PLAN_LIST_MAX). */
static void plan_item(void *ctx, const char *path, int64_t bytes)
{
    json_t *a = ctx;
    if (json_array_size(a) < PLAN_LIST_MAX)
        json_array_append_new(a, json_pack("{s:o, s:I}", "path", quote_json_path(path), "bytes", (json_int_t)bytes));
}

static json_t *summary_json(const apply_summary *sum)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:s}", "files", (json_int_t)sum->files, "bytes", (json_int_t)sum->bytes,
                     "failed", (json_int_t)sum->failed, "gone", (json_int_t)sum->gone, "batch",
                     (json_int_t)sum->batch, "plan", sum->plan);
}

int api_apply(review_session *s, const review_call *c, review_reply *r)
{
    int run = !strcmp(c->method, "POST");
    char plan[APPLY_PLAN_CHARS + 1] = "";
    if (run) {
        json_t *body = json_loadb(c->body ? c->body : "", c->body_len, 0, NULL);
        int confirmed = json_is_true(json_object_get(body, "confirm"));
        const char *shown = json_string_value(json_object_get(body, "plan"));
        if (shown && strlen(shown) == APPLY_PLAN_CHARS) memcpy(plan, shown, sizeof plan);
        json_decref(body);
        if (!confirmed || !plan[0])
            return reply_error(r, 400, "apply moves files: send {\"confirm\": true, \"plan\": the plan GET /api/apply "
                                       "showed}");
    }
    char err[1024];
    pthread_mutex_lock(&s->apply_lock);
    library *lib = library_open(s->db_path, LIBRARY_EXISTING, err, sizeof err);
    if (!lib) {
        pthread_mutex_unlock(&s->apply_lock);
        return reply_error(r, 500, "%s", err);
    }
    if (run && library_lock_changes(lib)) {
        snprintf(err, sizeof err, "%s", library_error(lib));
        library_close(lib);
        pthread_mutex_unlock(&s->apply_lock);
        return reply_error(r, 409, "%s", err);
    }
    json_t *items = json_array();
    apply_summary sum;
    int rc = items ? apply_plan_or_run(lib, s->roots, s->n_roots, !run, run ? plan : NULL, plan_item, items, &sum) : -1;
    if (rc < 0) snprintf(err, sizeof err, "%s", items ? library_error(lib) : "out of memory");
    library_close(lib);
    pthread_mutex_unlock(&s->apply_lock);
    if (rc < 0) {
        json_decref(items);
        return reply_error(r, 500, "apply failed: %s", err);
    }
    json_t *j = summary_json(&sum);
    if (rc == APPLY_PLAN_CHANGED) {    /* nothing moved: the page shows the new list and asks again */
        json_object_set_new(j, "items", items);
        json_object_set_new(j, "error", json_string("the files to move changed since the list was shown: nothing "
                                                    "moved; here is the new list"));
        return reply_json(r, 409, j);
    }
    if (!run) json_object_set_new(j, "items", items);
    else json_decref(items);
    if (run && sum.files) learner_request(s->learner, 0);    /* moved files leave the snapshot */
    if (run) json_object_set_new(j, "state", api_state(s));
    return reply_json(r, 200, j);
}
