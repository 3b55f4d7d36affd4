/*
 * encoder_choice.c — which encoder a library's commands use, and making the embeddings it lacks,
 * so that labels outlive every change of encoder, folder or disk (see cli.h).
 */
#include <stdio.h>
#include <string.h>

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

/* One line: how many labelled images name covers and, when it is not the one in use, what
   `cull model use` would embed and roughly how long that takes. */
static int print_coverage(library *lib, const char *name, int in_use, FILE *out)
{
    id_of_name f = {name, "", 0};
    int64_t embedded = 0, labelled = 0;
    if (library_each_encoder(lib, find_id, &f) ||
        library_labelled_coverage(lib, f.id[0] ? f.id : "(none)", &embedded, &labelled))
        return -1;
    fprintf(out, "  %-14s %lld of %lld labelled images embedded", name, (long long)embedded, (long long)labelled);
    if (in_use) {
        fprintf(out, " (in use)\n");
        return 0;
    }
    lack l = {0};
    if (library_each_missing(lib, f.id[0] ? f.id : "(none)", 0, count_lack, &l)) return -1;
    if (l.readable) {
        double minutes = l.readable / encoder_rough_rate(name) / 60;
        fprintf(out, "; `cull model use %s` embeds the %lld still readable, about %.0f min", name,
                (long long)l.readable, minutes < 1 ? 1 : minutes);
    }
    fputc('\n', out);
    return 0;
}

int cli_print_encoders(library *lib, FILE *out)
{
    char name[FS_PATH_MAX];
    const char *why;
    if (cli_encoder_name(lib, NULL, name, sizeof name, &why)) return -1;
    fprintf(out, "encoder in use: %s (%s)\n", name, why);
    int in_registry = 0;
    const model_entry *m;
    for (size_t i = 0; (m = model_at(i)); i++) {
        const char *n = m->name;
        int in_use = strcmp(n, name) == 0;
        in_registry |= in_use;
        if ((in_use || encoder_installed(n)) && print_coverage(lib, n, in_use, out)) goto failed;
    }
    if (!in_registry && print_coverage(lib, name, 1, out)) goto failed;
    return 0;
failed:
    cli_error("library: %s", library_error(lib));
    return -1;
}

/* Labelled images whose bytes are gone everywhere, named (by where they were last seen). */
static int name_gone(const library_missing *m, void *ctx)
{
    int64_t *n = ctx;
    if (library_missing_source(m)) return 0;
    if ((*n)++ == 0) fprintf(stdout, "labelled images the encoder in use lacks and whose bytes are gone (on disk and in the Trash):\n");
    fputs("  ", stdout);
    cli_put_path(stdout, m->last_path ? m->last_path : "(no known path)");
    fputc('\n', stdout);
    return 0;
}

int cli_print_gone(library *lib)
{
    char name[FS_PATH_MAX], err[1024];
    if (cli_encoder_name(lib, NULL, name, sizeof name, NULL)) return -1;
    encoder *enc = encoder_open(name, err, sizeof err);
    if (!enc) {
        printf("the encoder in use cannot be opened here: %s\n", err);
        return 0;
    }
    int64_t n = 0;
    int rc = library_each_missing(lib, enc->id, 0, name_gone, &n);
    encoder_close(enc);
    if (rc) cli_error("library: %s", library_error(lib));
    else if (n) printf("  (%lld: they teach only models of encoders that embedded them)\n", (long long)n);
    return rc;
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
    library *lib = cli_open_library(g);
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
