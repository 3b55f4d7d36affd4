/*
 * indexer.c — walk, read once, hash, decode, embed, store. See indexer.h.
 */
#include "pipeline/indexer.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <glib.h>

#include "library/actions.h"
#include "library/coverage.h"
#include "media/media.h"
#include "media/scan.h"
#include "util/fsutil.h"
#include "util/progress.h"
#include "util/plural.h"

#define COMMIT_EVERY_SECONDS 0.25
#define ENCODE_BATCH 16          /* previews per encode_batch call (encoders that have one) */

/* What the library already knows about a path: enough to skip an unchanged file unread. */
typedef struct {
    file_stamp st;
    int64_t image_id;
    int has_embedding;
    int seen;
} known_path;

typedef struct {
    char *path;
    int explicit;
    /* Embedding an image the library knows (index_missing): its id and content; the file must
       still hold that content. from_trash: a copy apply moved, read in place, never recorded
       as one of the image's paths. */
    int64_t want_id;
    uint8_t want_sha256[32];
    int from_trash;
} job;

enum { R_INDEXED, R_KNOWN, R_IGNORED, R_FAILED, R_DECODED, R_CHANGED };

typedef struct result {
    struct result *next;
    const job *job;
    int status;
    uint8_t sha256[32];
    int64_t image_id;        /* R_KNOWN */
    struct stat st;          /* as read */
    image_meta meta;         /* R_INDEXED, R_DECODED */
    float *vector;           /* R_INDEXED */
    rgb_image preview;       /* R_DECODED: waiting for the batch encoder */
    char reason[300];        /* R_FAILED */
} result;

typedef struct {
    library *lib;
    encoder *enc;
    const index_options *opt;
    index_summary *sum;
    GHashTable *paths;       /* char* → known_path*: every path the library has */
    GHashTable *hashes;      /* 32-byte sha → image id, for content already embedded */
    job *jobs;
    size_t n_jobs, cap_jobs;
    atomic_size_t next_job;
    pthread_mutex_t mu;
    pthread_cond_t ready;
    result *head, *tail;     /* finished results, for the main thread */
    int workers_running;     /* threads that still add to head: decoders and the batch encoder */
    /* Encoders with encode_batch: decoders queue previews here and one thread encodes them in
       batches, so decoding and inference overlap on all cores. Bounded (backpressure), since a
       preview is a quarter of a megabyte. */
    result *batch_head, *batch_tail;
    int batch_len, decoders_running;
    pthread_cond_t batch_ready, batch_room;
    int db_failed;
    volatile sig_atomic_t *stop;       /* the caller's (index_options.stop), else own_stop */
    volatile sig_atomic_t own_stop;
} run;

static void report(const char *path, const char *reason)
{
    /* The path goes out as bytes: it may not be UTF-8 and may hold newlines. */
    fputs("cull: ", stderr);
    fwrite(path, 1, strlen(path), stderr);
    fprintf(stderr, ": %s\n", reason);
}

static guint sha_hash(gconstpointer k)
{
    guint h;
    memcpy(&h, k, sizeof h);
    return h;
}

static gboolean sha_equal(gconstpointer a, gconstpointer b) { return memcmp(a, b, 32) == 0; }

static void load_path(const char *path, const file_stamp *st, int64_t image_id, int has_emb, void *ctx)
{
    run *r = ctx;
    known_path *k = g_new0(known_path, 1);
    *k = (known_path){*st, image_id, has_emb, 0};
    g_hash_table_insert(r->paths, g_strdup(path), k);
}

static void load_hash(const uint8_t sha[32], int64_t image_id, void *ctx)
{
    run *r = ctx;
    g_hash_table_insert(r->hashes, g_memdup2(sha, 32), g_memdup2(&image_id, sizeof image_id));
}

/* ---- the walk (main thread) ---------------------------------------------------------------- */

static int call_on_file(run *r, const char *path, int64_t image_id)
{
    if (!r->opt->on_file || r->opt->on_file(r->lib, path, image_id, r->opt->ctx) == 0) return 0;
    r->db_failed = 1;
    return -1;
}

static job *add_job(run *r)
{
    if (r->n_jobs == r->cap_jobs) {
        r->cap_jobs = r->cap_jobs ? r->cap_jobs * 2 : 1024;
        r->jobs = g_renew(job, r->jobs, r->cap_jobs);
    }
    return &r->jobs[r->n_jobs++];
}

static void found_file(const char *path, const struct stat *st, int explicit, void *ctx)
{
    run *r = ctx;
    known_path *k = g_hash_table_lookup(r->paths, path);
    file_stamp now = file_stamp_of(st);
    if (k) k->seen = 1;
    if (k && k->has_embedding && file_stamp_equal(&k->st, &now)) {
        r->sum->found++;
        r->sum->unchanged++;
        call_on_file(r, path, k->image_id);
        return;
    }
    *add_job(r) = (job){.path = g_strdup(path), .explicit = explicit};
}

static void walk_problem(const char *path, const char *reason, void *ctx)
{
    run *r = ctx;
    r->sum->failed++;
    report(path, reason);
}

/* ---- the workers --------------------------------------------------------------------------- */

static void process(run *r, const job *j, result *res)
{
    char err[256];
    file_buffer fb;
    if (!j->want_id && !j->explicit && !media_file_is_image(j->path)) {
        res->status = R_IGNORED;
        return;
    }
    if (media_read_file(j->path, r->opt->max_bytes, &fb, err, sizeof err) != 0) {
        res->status = R_FAILED;
        snprintf(res->reason, sizeof res->reason, "%s", err);
        return;
    }
    res->st = fb.st;
    media_sha256(fb.data, fb.len, res->sha256);
    if (j->want_id && memcmp(res->sha256, j->want_sha256, 32) != 0) {
        res->status = R_CHANGED;
        file_buffer_free(&fb);
        return;
    }
    const int64_t *known = j->want_id ? NULL : g_hash_table_lookup(r->hashes, res->sha256);
    if (known) {
        res->status = R_KNOWN;
        res->image_id = *known;
        file_buffer_free(&fb);
        return;
    }
    rgb_image preview;
    int rc = media_decode(fb.data, fb.len, r->opt->max_pixels, &preview, &res->meta, err, sizeof err);
    file_buffer_free(&fb);
    if (rc == 0 && r->enc->encode_batch) {
        res->preview = preview;
        res->status = R_DECODED;
        return;
    }
    if (rc == 0) {
        res->vector = malloc((size_t)r->enc->dim * sizeof *res->vector);
        rc = res->vector ? r->enc->encode(r->enc, &preview, res->vector, err, sizeof err) : -1;
        if (!res->vector) snprintf(err, sizeof err, "out of memory");
        rgb_image_free(&preview);
    }
    if (rc != 0) {
        res->status = R_FAILED;
        snprintf(res->reason, sizeof res->reason, "%s", err);
        return;
    }
    res->status = R_INDEXED;
}

static void push_result(run *r, result *res)
{
    pthread_mutex_lock(&r->mu);
    if (r->tail) r->tail->next = res;
    else r->head = res;
    r->tail = res;
    pthread_cond_signal(&r->ready);
    pthread_mutex_unlock(&r->mu);
}

static void push_decoded(run *r, result *res)
{
    pthread_mutex_lock(&r->mu);
    while (r->batch_len >= 2 * ENCODE_BATCH) pthread_cond_wait(&r->batch_room, &r->mu);
    if (r->batch_tail) r->batch_tail->next = res;
    else r->batch_head = res;
    r->batch_tail = res;
    r->batch_len++;
    pthread_cond_signal(&r->batch_ready);
    pthread_mutex_unlock(&r->mu);
}

static void *worker(void *arg)
{
    run *r = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&r->next_job, 1);
        if (i >= r->n_jobs || *r->stop) break;
        result *res = calloc(1, sizeof *res);
        if (!res) break;
        res->job = &r->jobs[i];
        process(r, res->job, res);
        if (res->status == R_DECODED) push_decoded(r, res);
        else push_result(r, res);
    }
    pthread_mutex_lock(&r->mu);
    r->decoders_running--;
    r->workers_running--;
    pthread_cond_signal(&r->ready);
    pthread_cond_signal(&r->batch_ready);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* Encodes a batch of decoded previews; when the batch call fails, each image is encoded alone so
   that one bad image fails alone. */
static void encode_batch_of(run *r, result **batch, int n)
{
    const encoder *enc = r->enc;
    rgb_image imgs[ENCODE_BATCH];
    char err[256];
    float *out = malloc((size_t)n * enc->dim * sizeof *out);
    for (int i = 0; i < n; i++) imgs[i] = batch[i]->preview;
    int batch_ok = out && enc->encode_batch(enc, imgs, n, out, err, sizeof err) == 0;
    for (int i = 0; i < n; i++) {
        result *res = batch[i];
        res->vector = malloc((size_t)enc->dim * sizeof *res->vector);
        int rc = -1;
        if (!res->vector) snprintf(err, sizeof err, "out of memory");
        else if (batch_ok) rc = (memcpy(res->vector, out + (size_t)i * enc->dim, (size_t)enc->dim * sizeof *out), 0);
        else rc = enc->encode(enc, &res->preview, res->vector, err, sizeof err);
        res->status = rc == 0 ? R_INDEXED : R_FAILED;
        if (rc) snprintf(res->reason, sizeof res->reason, "%s", err);
        rgb_image_free(&res->preview);
        push_result(r, res);
    }
    free(out);
}

static void *batch_encoder(void *arg)
{
    run *r = arg;
    result *batch[ENCODE_BATCH];
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (r->batch_len < ENCODE_BATCH && r->decoders_running > 0) pthread_cond_wait(&r->batch_ready, &r->mu);
        int n = 0;
        while (n < ENCODE_BATCH && r->batch_head) {
            batch[n++] = r->batch_head;
            r->batch_head = r->batch_head->next;
            batch[n - 1]->next = NULL;
        }
        if (!r->batch_head) r->batch_tail = NULL;
        r->batch_len -= n;
        pthread_cond_broadcast(&r->batch_room);
        pthread_mutex_unlock(&r->mu);
        if (n == 0) break;
        encode_batch_of(r, batch, n);
    }
    pthread_mutex_lock(&r->mu);
    r->workers_running--;
    pthread_cond_signal(&r->ready);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---- storing (main thread) ----------------------------------------------------------------- */

static int store(run *r, result *res)
{
    const char *path = res->job->path;
    index_summary *s = r->sum;
    switch (res->status) {
    case R_IGNORED:
        s->ignored++;
        return 0;
    case R_FAILED:
        s->found++;
        s->failed++;
        report(path, res->reason);
        return 0;
    case R_INDEXED:
        if (library_put_image(r->lib, res->sha256, &res->meta, &res->image_id) ||
            library_put_embedding(r->lib, res->image_id, r->enc->id, res->vector, r->enc->dim))
            return -1;
        s->indexed++;
        break;
    case R_KNOWN:
        s->known++;
        break;
    case R_CHANGED: /* the labelled picture is no longer in this file */
        s->unreadable++;
        report(path, res->job->from_trash ? "the Trash copy no longer holds the indexed picture"
                                          : "changed since it was indexed (`cull index` records the new content)");
        return 0;
    }
    s->found++;
    if (res->job->from_trash) return 0;
    file_stamp st = file_stamp_of(&res->st);
    if (library_put_path(r->lib, path, res->image_id, &st)) return -1;
    return call_on_file(r, path, res->image_id);
}

static void free_results(result *res)
{
    while (res) {
        result *next = res->next;
        free(res->vector);
        free(res);
        res = next;
    }
}

/* Takes results as workers finish them and commits every COMMIT_EVERY_SECONDS, so an
   interruption loses at most the last fraction of a second (and a clean stop loses nothing). */
static int drain(run *r, progress *bar)
{
    double last_commit = now_monotonic();
    int64_t handled = 0;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (!r->head && r->workers_running > 0) pthread_cond_wait(&r->ready, &r->mu);
        result *batch = r->head;
        r->head = r->tail = NULL;
        int running = r->workers_running;
        pthread_mutex_unlock(&r->mu);
        for (result *res = batch; res && !r->db_failed; res = res->next) {
            if (store(r, res)) r->db_failed = 1;
            progress_step(bar, ++handled);
        }
        free_results(batch);
        if (r->db_failed) return -1;
        if (now_monotonic() - last_commit >= COMMIT_EVERY_SECONDS || (!batch && running == 0)) {
            if (library_commit(r->lib) || library_begin(r->lib)) return -1;
            last_commit = now_monotonic();
        }
        if (!batch && running == 0) return 0;
    }
}

/* Whether path is a root or under one, by looking its ancestors up in the set of roots: a run with
   many roots (import's list of files) costs each known path its depth, not the number of roots.
   Roots are absolute and normalised, as fs_is_under wants them. */
static int under_a_root(GHashTable *roots, const char *path)
{
    char buf[FS_PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return 0;
    for (;;) {
        if (g_hash_table_contains(roots, buf)) return 1;
        char *slash = strrchr(buf, '/');
        if (!slash) return 0;
        if (slash == buf) return g_hash_table_contains(roots, "/");
        *slash = 0;
    }
}

static void mark_gone(run *r, char *const *roots, int n_roots)
{
    GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);
    for (int i = 0; i < n_roots; i++)
        if (roots[i]) g_hash_table_add(set, roots[i]);
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, r->paths);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        known_path *k = value;
        struct stat st;
        if (!k->seen && under_a_root(set, key) && stat(key, &st) != 0 && library_set_path_present(r->lib, key, 0) == 0)
            r->sum->gone++;
    }
    g_hash_table_destroy(set);
}

static void run_init(run *r, library *lib, encoder *enc, const index_options *o, index_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    *r = (run){.lib = lib, .enc = enc, .opt = o, .sum = sum};
    r->stop = o->stop ? o->stop : &r->own_stop;
    r->paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    r->hashes = g_hash_table_new_full(sha_hash, sha_equal, g_free, g_free);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->ready, NULL);
    pthread_cond_init(&r->batch_ready, NULL);
    pthread_cond_init(&r->batch_room, NULL);
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n_jobs; i++) g_free(r->jobs[i].path);
    g_free(r->jobs);
    g_hash_table_destroy(r->paths);
    g_hash_table_destroy(r->hashes);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->ready);
    pthread_cond_destroy(&r->batch_ready);
    pthread_cond_destroy(&r->batch_room);
}

/* Runs the collected jobs on the worker threads and stores the results (inside the open
   transaction, committing as it goes). 0, or -1 when the library failed. */
static int run_jobs(run *r, const char *what)
{
    progress bar;
    progress_start(&bar, what, (int64_t)r->n_jobs);
    bar.enabled &= r->opt->show_progress;
    int nthreads = r->opt->jobs < 1 ? 1 : r->opt->jobs;
    if ((size_t)nthreads > r->n_jobs) nthreads = r->n_jobs ? (int)r->n_jobs : 0;
    int batching = r->enc->encode_batch && nthreads > 0;
    pthread_t *threads = g_new0(pthread_t, nthreads + 1);
    r->decoders_running = nthreads;
    r->workers_running = nthreads + batching;
    int started = 0;
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&threads[started], NULL, worker, r) == 0) started++;
        else r->decoders_running--, r->workers_running--;
    }
    int encoder_started = batching && pthread_create(&threads[started], NULL, batch_encoder, r) == 0;
    if (batching && !encoder_started) r->workers_running--;
    if (started == 0 && r->n_jobs > 0) {
        fprintf(stderr, "cull: cannot start a worker thread\n");
        *r->stop = 1;
    }
    int drained = drain(r, &bar);
    if (drained != 0) *r->stop = 1; /* the library failed: finish no more files */
    for (int i = 0; i < started + encoder_started; i++) pthread_join(threads[i], NULL);
    g_free(threads);
    free_results(r->head);
    r->head = r->tail = NULL;
    progress_finish(&bar);
    r->sum->interrupted = *r->stop;
    return drained;
}

/* Commits what run_jobs stored (drained: its return). 0, or -1 with the library's error printed. */
static int commit_run(run *r, int drained)
{
    if (drained == 0 && library_commit(r->lib) == 0) return 0;
    fprintf(stderr, "cull: library: %s\n", library_error(r->lib));
    library_rollback(r->lib);
    return -1;
}

int index_paths(library *lib, encoder *enc, char *const *roots, int n_roots, const index_options *o,
                index_summary *sum)
{
    double t0 = now_monotonic();
    run r;
    run_init(&r, lib, enc, o, sum);
    int rc = -1;
    char **abs_roots = g_new0(char *, n_roots + 1);

    if (library_each_path(lib, enc->id, load_path, &r) || library_each_embedded_hash(lib, enc->id, load_hash, &r) ||
        library_begin(lib)) {
        fprintf(stderr, "cull: library: %s\n", library_error(lib));
        goto out;
    }
    scan_callbacks cb = {found_file, walk_problem, &r, r.stop};
    for (int i = 0; i < n_roots && !*r.stop; i++) {
        char abs[FS_PATH_MAX];
        if (fs_absolute(roots[i], abs, sizeof abs) == 0) abs_roots[i] = g_strdup(abs);
        scan_root(roots[i], &cb);
    }
    if (r.db_failed) {
        library_rollback(lib);
        goto out;
    }

    int drained = run_jobs(&r, "indexing");
    if (drained == 0 && !sum->interrupted) mark_gone(&r, abs_roots, n_roots);
    rc = commit_run(&r, drained);
out:
    sum->seconds = now_monotonic() - t0;
    for (int i = 0; i < n_roots; i++) g_free(abs_roots[i]);
    g_free(abs_roots);
    run_free(&r);
    return rc;
}

/* ---- embedding what an encoder lacks ------------------------------------------------------- */

static int add_missing(const library_missing *m, void *ctx)
{
    run *r = ctx;
    const char *from = library_missing_source(m);
    if (!from) {
        r->sum->unreadable++;
        return 0;
    }
    job *j = add_job(r);
    *j = (job){.path = g_strdup(from), .explicit = 1, .want_id = m->image_id, .from_trash = from != m->path};
    memcpy(j->want_sha256, m->sha256, 32);
    return 0;
}

int index_missing(library *lib, encoder *enc, int all, const index_options *o, index_summary *sum)
{
    double t0 = now_monotonic();
    run r;
    run_init(&r, lib, enc, o, sum);
    int rc = -1;
    if (library_each_missing(lib, enc->id, all, add_missing, &r) || library_begin(lib)) {
        fprintf(stderr, "cull: library: %s\n", library_error(lib));
        goto out;
    }
    char what[128];
    snprintf(what, sizeof what, "embedding with %s", enc->name);
    rc = commit_run(&r, run_jobs(&r, what));
out:
    sum->seconds = now_monotonic() - t0;
    run_free(&r);
    return rc;
}

void index_print_summary(const index_summary *s)
{
    double rate = s->seconds > 0 ? (double)s->indexed / s->seconds : 0;
    fprintf(stderr, "%lld %s: %lld indexed, %lld moved or copied, %lld unchanged, %lld failed",
            (long long)s->found, plural(s->found, "image", "images"), (long long)s->indexed, (long long)s->known, (long long)s->unchanged,
            (long long)s->failed);
    if (s->ignored) fprintf(stderr, "; %lld other %s ignored", (long long)s->ignored, plural(s->ignored, "file", "files"));
    if (s->gone) fprintf(stderr, "; %lld no longer on disk", (long long)s->gone);
    if (s->unreadable) fprintf(stderr, "; %lld whose bytes are gone", (long long)s->unreadable);
    fprintf(stderr, " (%.1f s, %.1f images/s)\n", s->seconds, rate);
    if (s->interrupted)
        fprintf(stderr, "cull: interrupted: finished work is saved; run the same command again to continue\n");
}
