/*
 * apply.c — apply / undo over the Trash with a write-ahead action log; see apply.h.
 */
#include "safety/apply.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "library/actions.h"
#include "media/media.h"
#include "safety/trash.h"
#include "util/fsutil.h"

static void report(const char *path, const char *reason)
{
    fputs("cull: ", stderr);
    fwrite(path, 1, strlen(path), stderr);
    fprintf(stderr, ": %s\n", reason);
}

static trash_slot slot_of(const library_action *a)
{
    trash_slot t;
    snprintf(t.files, sizeof t.files, "%s", a->trash_path);
    snprintf(t.info, sizeof t.info, "%s", a->info_path);
    t.top[0] = 0;
    return t;
}

/* The last actions of a batch, copied out first: handling them writes to the very log a live
   query would be reading. */
typedef struct {
    library_action *items;
    size_t n, cap;
} action_list;

static int copy_action(const library_action *a, void *ctx)
{
    action_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        library_action *grown = realloc(l->items, l->cap * sizeof *grown);
        if (!grown) return 1;
        l->items = grown;
    }
    library_action *c = &l->items[l->n];
    *c = *a;
    c->path = strdup(a->path);
    c->trash_path = strdup(a->trash_path);
    c->info_path = strdup(a->info_path);
    c->event = strdup(a->event);
    l->n++;
    return !c->path || !c->trash_path || !c->info_path || !c->event;
}

static void free_actions(action_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->items[i].path);
        free((char *)l->items[i].trash_path);
        free((char *)l->items[i].info_path);
        free((char *)l->items[i].event);
    }
    free(l->items);
}

/* Calls fn on each last action of batch (< 0: all batches); stops at the first non-zero. */
static int for_each_action(library *lib, int64_t batch, library_action_fn fn, void *ctx)
{
    action_list l = {0};
    int rc = library_each_last_action(lib, batch, copy_action, &l) ? -1 : 0;
    for (size_t i = 0; i < l.n && rc == 0; i++) rc = fn(&l.items[i], ctx);
    free_actions(&l);
    return rc;
}

/* ---- reconcile ------------------------------------------------------------------------------ */

typedef struct {
    library *lib;
    int settled, failed;
} reconcile_ctx;

/* The log row and the path's presence in one transaction: a crash between them would leave the
   next run believing a moved file had vanished by itself. */
static int settle(library *lib, const library_action *a, const char *event, int present, const char *detail)
{
    if (library_begin(lib)) return -1;
    if (library_log_action(lib, a, event, detail) || library_set_path_present(lib, a->path, present)) {
        library_rollback(lib);
        return -1;
    }
    return library_commit(lib);
}

static int reconcile_one(const library_action *a, void *ctx)
{
    reconcile_ctx *r = ctx;
    int planned = strcmp(a->event, "planned") == 0, restoring = strcmp(a->event, "restoring") == 0;
    if (!planned && !restoring) return 0;
    trash_slot slot = slot_of(a);
    /* A planned row may predate its claim (apply logs first): what is at the Trash name is this
       file's only if the .trashinfo there records its path. */
    int at_origin = trash_exists(a->path),
        in_trash = trash_exists(a->trash_path) && (!planned || trash_owns(&slot, a->path));
    /* A copy across filesystems cut short lives under its partial name (trash.h): never the only
       copy, so it goes. */
    char partial[FS_PATH_MAX], why[256];
    if (trash_partial_path(planned ? a->trash_path : a->path, a->sha256, partial, sizeof partial) == 0)
        unlink(partial);
    int rc = 0;
    if (in_trash && !at_origin) {
        rc = settle(r->lib, a, "moved", 0, "settled after an interrupted run");
    } else if (at_origin && !in_trash) {
        trash_release(&slot, a->path);
        rc = settle(r->lib, a, planned ? "aborted" : "restored", 1, "settled after an interrupted run");
    } else if (at_origin && in_trash) {
        /* A cross-device copy was cut short. The side that is not the verified original is the
           partial copy: for apply that is the Trash copy; for undo, keep the Trash copy. */
        if (planned) {
            unlink(slot.files);
            trash_release(&slot, a->path);
            rc = settle(r->lib, a, "aborted", 1, "removed a partial Trash copy after an interrupted run");
        } else if (trash_content_is(a->path, a->sha256, why, sizeof why)) {
            /* A restore across filesystems renames only a verified copy into place: it was killed
               before removing the Trash copy, which is now the spare one. */
            unlink(slot.files);
            unlink(slot.info);
            rc = settle(r->lib, a, "restored", 1, "settled after an interrupted run");
        } else {
            rc = settle(r->lib, a, "moved", 0, "interrupted restore: the file stays in the Trash");
            report(a->path, "an interrupted undo left a file here and in the Trash; the Trash copy is kept");
        }
    } else {
        rc = settle(r->lib, a, "failed", 0, "neither at its path nor in the Trash after an interrupted run");
        report(a->path, "not found at its path or in the Trash after an interrupted run");
    }
    if (rc) r->failed = 1;
    r->settled++;
    return rc;
}

int apply_reconcile(library *lib)
{
    reconcile_ctx r = {lib, 0, 0};
    if (for_each_action(lib, -1, reconcile_one, &r) || r.failed) return -1;
    return r.settled;
}

/* ---- apply ---------------------------------------------------------------------------------- */

typedef struct {
    char *path;
    int64_t image_id, bytes, mtime_ns;
    uint8_t sha256[32];
} candidate;

typedef struct {
    char *const *roots;
    int n_roots;
    candidate *items;
    size_t n, cap;
} candidates;

/* 1 when path lies under one of roots, or there are none. */
static int under_roots(const char *path, char *const *roots, int n_roots)
{
    for (int i = 0; i < n_roots; i++)
        if (fs_is_under(path, roots[i])) return 1;
    return n_roots == 0;
}

static int collect(const char *path, int64_t image_id, const uint8_t sha[32], const file_stamp *st, void *ctx)
{
    candidates *c = ctx;
    if (!under_roots(path, c->roots, c->n_roots)) return 0;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        candidate *grown = realloc(c->items, c->cap * sizeof *grown);
        if (!grown) return 1;
        c->items = grown;
    }
    candidate *k = &c->items[c->n];
    if (!(k->path = strdup(path))) return 1;
    k->image_id = image_id;
    k->bytes = st->size;
    k->mtime_ns = st->mtime_ns;
    memcpy(k->sha256, sha, 32);
    c->n++;
    return 0;
}

/* Picks a Trash slot, logs it as planned, then claims it (in that order: a crash at any point
   leaves a planned row that apply_reconcile settles, never a .trashinfo no row knows about). A
   name another process takes in between is picked again. 0 with the slot claimed, 1 when the
   file cannot go to the Trash (err says why), -1 on a library error. */
static int claim_slot(library *lib, library_action *a, trash_slot *slot, char *err, size_t errlen)
{
    for (int tries = 0; tries < 16; tries++) {
        if (trash_pick(a->path, slot, err, errlen)) return 1;
        if (library_log_action(lib, a, "planned", NULL)) return -1; /* never claim what is not logged */
        int taken = trash_claim(a->path, slot, err, errlen);
        if (taken == 0) return 0;
        if (library_log_action(lib, a, "aborted", taken > 0 ? "the Trash name was taken meanwhile" : err))
            return -1;
        if (taken < 0) return 1;
    }
    snprintf(err, errlen, "the Trash names for this file kept being taken by another process");
    return 1;
}

static int move_one(library *lib, int64_t batch, const candidate *k, apply_summary *s)
{
    char err[600];
    trash_slot slot;
    library_action a = {.batch = batch, .image_id = k->image_id, .bytes = k->bytes, .path = k->path,
                        .trash_path = slot.files, .info_path = slot.info};
    int claimed = claim_slot(lib, &a, &slot, err, sizeof err);
    if (claimed < 0) return -1;
    if (claimed > 0) {
        report(k->path, err);
        s->failed++;
        return 0;
    }
    if (trash_move(k->path, &slot, k->sha256, err, sizeof err)) {
        report(k->path, err);
        s->failed++;
        return library_log_action(lib, &a, "failed", err);
    }
    s->files++;
    s->bytes += k->bytes;
    return settle(lib, &a, "moved", 0, NULL);
}

/* The batch for this run's moves: the one a killed apply left unfinished, continued, or a new
   one, marked unfinished before its first move. */
static int start_batch(library *lib, apply_summary *s)
{
    int64_t b = library_unfinished_batch(lib);
    if (b < 0) return -1;
    s->resumed = b > 0;
    s->batch = b > 0 ? b : library_new_batch(lib);
    if (s->batch <= 0) return -1;
    return b > 0 ? 0 : library_set_unfinished_batch(lib, s->batch);
}

static void free_candidates(candidates *c)
{
    for (size_t i = 0; i < c->n; i++) free(c->items[i].path);
    free(c->items);
}

/* Moves (or, with dry_run, lists) the candidates c holds, then frees them. */
/* The plan's id: what would move, each present file's path and content hash, in order. */
static void plan_id(const candidates *c, const uint8_t *present, char out[APPLY_PLAN_CHARS + 1])
{
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    for (size_t i = 0; ok && i < c->n; i++)
        if (present[i])
            ok = EVP_DigestUpdate(md, c->items[i].path, strlen(c->items[i].path) + 1) &&
                 EVP_DigestUpdate(md, c->items[i].sha256, 32);
    ok = ok && EVP_DigestFinal_ex(md, digest, &len);
    EVP_MD_CTX_free(md);
    char hex[65];
    media_sha256_hex(digest, hex);
    snprintf(out, APPLY_PLAN_CHARS + 1, "%.32s", ok ? hex : "unknown");
}

static int move_candidates(library *lib, candidates *c, int dry_run, const char *expect_plan, apply_item_fn each,
                           void *ctx, apply_summary *s)
{
    uint8_t *present = malloc(c->n + 1);
    if (!present) {
        free_candidates(c);
        return -1;
    }
    for (size_t i = 0; i < c->n; i++) present[i] = (uint8_t)trash_exists(c->items[i].path);
    plan_id(c, present, s->plan);
    int changed = !dry_run && expect_plan && strcmp(expect_plan, s->plan) != 0;
    if (changed) dry_run = 1;    /* show the new plan, move nothing */
    int rc = 0;
    for (size_t i = 0; i < c->n && rc == 0; i++) {
        const candidate *k = &c->items[i];
        if (!present[i]) {
            s->gone++;
            if (!dry_run) rc = library_set_path_present(lib, k->path, 0);
        } else if (dry_run) {
            if (each) each(ctx, k->path, k->bytes);
            s->files++;
            s->bytes += k->bytes;
        } else {
            if (s->batch == 0) rc = start_batch(lib, s);
            if (rc == 0) rc = move_one(lib, s->batch, k, s);
        }
    }
    /* Finished: a later apply is a batch of its own. */
    if (!dry_run && rc == 0 && library_set_unfinished_batch(lib, 0)) rc = -1;
    free_candidates(c);
    free(present);
    return rc == 0 && changed ? APPLY_PLAN_CHANGED : rc;
}

int apply_plan_or_run(library *lib, char *const *roots, int n_roots, int dry_run, const char *expect_plan,
                      apply_item_fn each, void *ctx, apply_summary *s)
{
    memset(s, 0, sizeof *s);
    if (!dry_run && apply_reconcile(lib) < 0) return -1;
    candidates c = {roots, n_roots, NULL, 0, 0};
    if (library_each_delete_candidate(lib, collect, &c)) {
        free_candidates(&c);
        return -1;
    }
    return move_candidates(lib, &c, dry_run, expect_plan, each, ctx, s);
}

/* ---- exact copies --------------------------------------------------------------------------- */

/* A file name a person or a tool gave a copy: "copy" in it, or " (2)" before the extension. */
static int looks_like_copy(const char *path)
{
    const char *name = fs_basename(path);
    if (strcasestr(name, "copy")) return 1;
    const char *dot = strrchr(name, '.'), *end = dot ? dot : name + strlen(name);
    if (end - name < 3 || end[-1] != ')') return 0;
    const char *p = end - 2;
    while (p > name && *p >= '0' && *p <= '9') p--;
    return p < end - 2 && *p == '(';
}

int apply_copy_keep_first(const char *a, int64_t mtime_a, const char *b, int64_t mtime_b)
{
    int copy_a = looks_like_copy(a), copy_b = looks_like_copy(b);
    if (copy_a != copy_b) return copy_b;
    if (mtime_a != mtime_b) return mtime_a < mtime_b;
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb) return la < lb;
    return strcmp(a, b) < 0;
}

int apply_copies_plan_or_run(library *lib, char *const *roots, int n_roots, int dry_run, const char *expect_plan,
                             apply_item_fn each, void *ctx, apply_summary *s)
{
    memset(s, 0, sizeof *s);
    if (!dry_run && apply_reconcile(lib) < 0) return -1;
    candidates all = {NULL, 0, NULL, 0, 0}, c = {NULL, 0, NULL, 0, 0};
    int rc = library_each_exact_copy(lib, collect, &all);
    /* all is ordered by image: in each run of one image, every path but the kept one is a
       candidate (when under roots). */
    for (size_t i = 0; i < all.n && rc == 0;) {
        size_t j = i, keep = i;
        for (; j < all.n && all.items[j].image_id == all.items[i].image_id; j++)
            if (apply_copy_keep_first(all.items[j].path, all.items[j].mtime_ns, all.items[keep].path,
                                      all.items[keep].mtime_ns))
                keep = j;
        for (size_t k = i; k < j; k++) {
            if (k == keep || !under_roots(all.items[k].path, roots, n_roots)) continue;
            if (c.n == c.cap) {
                c.cap = c.cap ? 2 * c.cap : 64;
                candidate *grown = realloc(c.items, c.cap * sizeof *grown);
                if (!grown) {
                    rc = -1;
                    break;
                }
                c.items = grown;
            }
            c.items[c.n++] = all.items[k];
            all.items[k].path = NULL; /* now c's */
        }
        i = j;
    }
    free_candidates(&all);
    if (rc) {
        free_candidates(&c);
        return -1;
    }
    return move_candidates(lib, &c, dry_run, expect_plan, each, ctx, s);
}

/* ---- undo ----------------------------------------------------------------------------------- */

typedef struct {
    library *lib;
    apply_summary *s;
    int db_failed;
    int dry_run;
    apply_item_fn each;
    void *ctx;
} undo_ctx;

static int restore_one(const library_action *a, void *ctx)
{
    undo_ctx *u = ctx;
    if (strcmp(a->event, "moved") != 0) return 0;
    if (u->dry_run) {
        if (u->each) u->each(u->ctx, a->path, a->bytes);
        u->s->files++;
        u->s->bytes += a->bytes;
        return 0;
    }
    char err[FS_PATH_MAX + 200];
    trash_slot slot = slot_of(a);
    if (library_log_action(u->lib, a, "restoring", NULL)) goto db_error;
    if (trash_restore(a->path, &slot, a->sha256, err, sizeof err)) {
        report(a->path, err);
        u->s->failed++;
        if (library_log_action(u->lib, a, "moved", err)) goto db_error;
        return 0;
    }
    u->s->files++;
    u->s->bytes += a->bytes;
    if (settle(u->lib, a, "restored", 1, NULL)) goto db_error;
    return 0;
db_error:
    u->db_failed = 1;
    return 1;
}

int apply_undo(library *lib, int dry_run, apply_item_fn each, void *ctx, apply_summary *s)
{
    memset(s, 0, sizeof *s);
    if (!dry_run && apply_reconcile(lib) < 0) return -1;
    /* Whatever a killed apply left unfinished is closed by undoing it. */
    if (!dry_run && library_set_unfinished_batch(lib, 0)) return -1;
    s->batch = library_last_trashed_batch(lib);
    if (s->batch <= 0) return s->batch < 0 ? -1 : 0;
    undo_ctx u = {lib, s, 0, dry_run, each, ctx};
    if (for_each_action(lib, s->batch, restore_one, &u) || u.db_failed) return -1;
    return 0;
}
