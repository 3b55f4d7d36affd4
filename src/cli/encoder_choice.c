/*
 * encoder_choice.c — which encoder a library's commands use, and making the embeddings it lacks,
 * so that labels outlive every change of encoder, folder or disk (see cli.h).
 */
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/index_options.h"
#include "encoders/encoder.h"
#include "encoders/registry.h"
#include "library/coverage.h"
#include "util/fsutil.h"

/* ---- the choice ---------------------------------------------------------------------------- */

typedef struct {
    const char *name;
    int64_t most;
} most_embedded;

static void count_registry_encoder(const char *encoder_id, int64_t n, void *ctx)
{
    most_embedded *m = ctx;
    const char *name = encoder_name_of_id(encoder_id);
    if (name && n > m->most) *m = (most_embedded){name, n};
}

int cli_encoder_name(library *lib, const char *named, char *out, size_t cap, const char **why)
{
    const char *reason = "named with --encoder";
    char id[96];
    int r;
    most_embedded m = {NULL, 0};
    if (named) {
        snprintf(out, cap, "%s", named);
    } else if ((r = library_get_setting(lib, LIBRARY_SETTING_ENCODER, out, cap)) != 0) {
        if (r < 0) goto failed;
        reason = "chosen with cull model use";
    } else if ((r = library_newest_model_encoder(lib, id, sizeof id)) < 0) {
        goto failed;
    } else if (r == 1 && encoder_name_of_id(id)) {
        snprintf(out, cap, "%s", encoder_name_of_id(id));
        reason = "the encoder of the library's model";
    } else if (library_each_encoder(lib, count_registry_encoder, &m) != 0) {
        goto failed;
    } else if (m.name) {
        snprintf(out, cap, "%s", m.name);
        reason = "the encoder that embedded the library's images";
    } else {
        snprintf(out, cap, "%s", encoder_default_name());
        reason = "the best one installed (a new library)";
    }
    if (why) *why = reason;
    return 0;
failed:
    cli_error("library: %s", library_error(lib));
    return -1;
}

/* ---- what an encoder lacks ---------------------------------------------------------------- */

typedef struct {
    int64_t readable, readable_labelled;
} lack;

static int count_lack(const library_missing *m, void *ctx)
{
    lack *l = ctx;
    if (!library_missing_source(m)) return 0;
    l->readable++;
    l->readable_labelled += m->labelled;
    return 0;
}

int cli_prepare_encoder(library *lib, const char *named, int all, int no_index, char *id, size_t cap)
{
    char name[FS_PATH_MAX], err[1024];
    if (cli_encoder_name(lib, named, name, sizeof name, NULL)) return -1;
    encoder *enc = encoder_open(name, err, sizeof err);
    if (!enc) {
        cli_error("%s", err);
        return -1;
    }
    snprintf(id, cap, "%s", enc->id);
    lack l = {0};
    int rc = library_each_missing(lib, enc->id, all, count_lack, &l);
    if (rc) {
        cli_error("library: %s", library_error(lib));
    } else if (l.readable && library_read_only(lib)) {
        fprintf(stderr, "cull: %lld images (%lld of them labelled) have no %s embedding yet, and the library is "
                "read-only here: going on without them\n", (long long)l.readable, (long long)l.readable_labelled, enc->name);
    } else if (l.readable && no_index) {
        cli_error("%lld images (%lld of them labelled) have no %s embedding yet; run without --no-index, or "
                  "`cull model use %s`, to embed them",
                  (long long)l.readable, (long long)l.readable_labelled, enc->name, enc->name);
        rc = -1;
    } else if (l.readable) {
        fprintf(stderr, "cull: embedding %lld images with %s first (%lld labelled, read from disk or the Trash)\n",
                (long long)l.readable, enc->name, (long long)l.readable_labelled);
        index_summary sum;
        int st = index_cli_missing(lib, enc, all, &sum);
        if (st < 0 || st == 130) rc = -1;   /* the library failed (printed), or Ctrl-C: stop here */
    }
    encoder_close(enc);
    return rc;
}

/* ---- what each encoder covers, and what a switch costs --------------------------------------- */

typedef struct {
    const char *name;
    char id[96];      /* the id of this encoder's embeddings with the most of them, "" if none */
    int64_t most;
} id_of_name;

static void find_id(const char *encoder_id, int64_t n, void *ctx)
{
    id_of_name *f = ctx;
    const char *name = encoder_name_of_id(encoder_id);
    int match = name ? strcmp(name, f->name) == 0 : strcmp(encoder_id, f->name) == 0;
    if (match && n > f->most) {
        snprintf(f->id, sizeof f->id, "%s", encoder_id);
        f->most = n;
    }
}

/* How many labelled images name covers and, when it is not the one in use, what `cull model use`
   would embed and roughly how long that takes. */
static int coverage_of(library *lib, const char *name, int in_use, cli_coverage *c)
{
    id_of_name f = {name, "", 0};
    *c = (cli_coverage){.name = name, .in_use = in_use};
    const char *id = f.id;
    if (library_each_encoder(lib, find_id, &f)) return -1;
    if (!f.id[0]) id = "(none)";
    if (library_labelled_coverage(lib, id, &c->embedded, &c->labelled)) return -1;
    lack l = {0};
    if (!in_use && library_each_missing(lib, id, 0, count_lack, &l)) return -1;
    c->to_embed = l.readable;
    double minutes = l.readable / encoder_rough_rate(name) / 60;
    c->minutes = l.readable ? (minutes < 1 ? 1 : minutes) : 0;
    return 0;
}

int cli_each_coverage(library *lib, void (*fn)(const cli_coverage *c, void *ctx), void *ctx)
{
    char name[FS_PATH_MAX];
    const char *why;
    if (cli_encoder_name(lib, NULL, name, sizeof name, &why)) return -1;
    cli_coverage c = {.name = name, .in_use = 1, .why = why};
    fn(&c, ctx); /* first: the choice itself, with nothing counted */
    int in_registry = 0;
    const model_entry *m;
    for (size_t i = 0; (m = model_at(i)); i++) {
        int in_use = strcmp(m->name, name) == 0;
        in_registry |= in_use;
        if (!in_use && !encoder_installed(m->name)) continue;
        if (coverage_of(lib, m->name, in_use, &c)) goto failed;
        fn(&c, ctx);
    }
    if (!in_registry) {
        if (coverage_of(lib, name, 1, &c)) goto failed;
        fn(&c, ctx);
    }
    return 0;
failed:
    cli_error("library: %s", library_error(lib));
    return -1;
}

static void print_coverage(const cli_coverage *c, void *ctx)
{
    FILE *out = ctx;
    if (c->why) {
        fprintf(out, "encoder in use: %s (%s)\n", c->name, c->why);
        return;
    }
    fprintf(out, "  %-14s %lld of %lld labelled images embedded", c->name, (long long)c->embedded, (long long)c->labelled);
    if (c->in_use) fprintf(out, " (in use)");
    else if (c->to_embed)
        fprintf(out, "; `cull model use %s` embeds the %lld still readable, about %.0f min", c->name,
                (long long)c->to_embed, c->minutes);
    fputc('\n', out);
}

static void coverage_json(const cli_coverage *c, void *ctx)
{
    json_t *o = ctx;
    if (c->why) json_object_set_new(o, "encoder_in_use", json_pack("{s:s, s:s}", "name", c->name, "why", c->why));
    else
        json_array_append_new(json_object_get(o, "coverage"),
                              json_pack("{s:s, s:b, s:I, s:I, s:I, s:f}", "encoder", c->name, "in_use", c->in_use,
                                        "labelled_embedded", (json_int_t)c->embedded, "labelled",
                                        (json_int_t)c->labelled, "to_embed", (json_int_t)c->to_embed, "minutes",
                                        c->minutes));
}

json_t *cli_encoders_json(library *lib)
{
    json_t *o = json_pack("{s:[]}", "coverage");
    if (o && cli_each_coverage(lib, coverage_json, o) == 0) return o;
    json_decref(o);
    return NULL;
}

int cli_print_encoders(library *lib, FILE *out)
{
    return cli_each_coverage(lib, print_coverage, out);
}

typedef struct {
    void (*fn)(const char *last_path, void *ctx);
    void *ctx;
} gone_visit;

static int visit_gone(const library_missing *m, void *ctx)
{
    gone_visit *v = ctx;
    if (!library_missing_source(m)) v->fn(m->last_path, v->ctx);
    return 0;
}

int cli_each_gone(library *lib, void (*fn)(const char *last_path, void *ctx), void *ctx, char *err, size_t errlen)
{
    char name[FS_PATH_MAX];
    if (cli_encoder_name(lib, NULL, name, sizeof name, NULL)) return -1;
    encoder *enc = encoder_open(name, err, errlen);
    if (!enc) return 1;
    gone_visit v = {fn, ctx};
    int rc = library_each_missing(lib, enc->id, 0, visit_gone, &v);
    encoder_close(enc);
    if (rc) cli_error("library: %s", library_error(lib));
    return rc ? -1 : 0;
}

/* Labelled images whose bytes are gone everywhere, named (by where they were last seen). */
static void name_gone(const char *last_path, void *ctx)
{
    int64_t *n = ctx;
    if ((*n)++ == 0) printf("labelled images the encoder in use lacks and whose bytes are gone (on disk and in the Trash):\n");
    fputs("  ", stdout);
    cli_put_path(stdout, last_path ? last_path : "(no known path)");
    fputc('\n', stdout);
}

int cli_print_gone(library *lib)
{
    char err[1024];
    int64_t n = 0;
    int rc = cli_each_gone(lib, name_gone, &n, err, sizeof err);
    if (rc == 1) printf("the encoder in use cannot be opened here: %s\n", err);
    else if (rc == 0 && n) printf("  (%lld: they teach only models of encoders that embedded them)\n", (long long)n);
    return rc < 0 ? -1 : 0;
}

/* ---- cull model use ------------------------------------------------------------------------ */

int cli_model_use(const cli_globals *g, const char *named)
{
    char name[FS_PATH_MAX], err[1024], before[FS_PATH_MAX];
    if (strchr(named, '/')) {
        if (fs_absolute(named, name, sizeof name)) {
            cli_error("%s: path too long", named);
            return EXIT_USAGE;
        }
    } else {
        snprintf(name, sizeof name, "%s", named);
    }
    encoder *enc = encoder_open(name, err, sizeof err);
    if (!enc) {
        cli_error("%s", err);
        return EXIT_SOME_FAILED;
    }
    library *lib = cli_open_library(g, LIBRARY_CREATE);
    int rc = EXIT_SOME_FAILED;
    if (!lib) goto out;
    /* Recorded first: a switch that is interrupted is resumed by running it again, or by any
       command that needs the embeddings. */
    if (cli_encoder_name(lib, NULL, before, sizeof before, NULL) ||
        library_set_setting(lib, LIBRARY_SETTING_ENCODER, name)) {
        cli_error("library: %s", library_error(lib));
        goto out;
    }
    if (strcmp(before, name) != 0) fprintf(stderr, "this library now uses %s (it used %s)\n", name, before);
    index_summary sum;
    rc = index_cli_missing(lib, enc, 0, &sum);
    if (rc < 0) {
        rc = EXIT_SOME_FAILED;
        goto out;
    }
    int64_t embedded = 0, labelled = 0;
    if (library_labelled_coverage(lib, enc->id, &embedded, &labelled) == 0)
        fprintf(stderr, "%s has embedded %lld of %lld labelled images\n", enc->name, (long long)embedded,
                (long long)labelled);
    if (sum.unreadable)
        fprintf(stderr, "%lld labelled images are gone from disk and the Trash: they teach only models of encoders "
                        "that embedded them (cull status names them)\n", (long long)sum.unreadable);
out:
    library_close(lib);
    encoder_close(enc);
    return rc;
}
