/*
 * cmd_status.c — `cull status`: what the library holds and how good the model is.
 */
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "pipeline/zero_shot.h"
#include "pipeline/trainer.h"

static int run_status(int argc, char **argv, const cli_globals *g);

const cli_command cmd_status = {
    "status",
    "counts, encoders, labels, model age and metrics",
    "usage: cull status [--format text|json]\n"
    "\n"
    "Shows where the library is, how many images, files, labels and prompts it holds, the encoder its\n"
    "commands use (and why), how many labelled images each installed encoder has embedded and what\n"
    "a switch (cull model use) would embed, labelled images whose bytes are gone everywhere, the\n"
    "embeddings per encoder, and for each trained model its age, the prompts among its features,\n"
    "whether labels or prompts changed since, and its cross-validated metrics.\n"
    "\n"
    "options:\n"
    "  --format text|json  text (default), or one JSON object: library, bytes, read_only, images,\n"
    "                      files_on_disk, paths_missing, labels {keep, delete}, unlabelled_on_disk,\n"
    "                      prompts {keep, delete},\n"
    "                      encoder_in_use {name, why}, coverage [{encoder, in_use, labelled_embedded,\n"
    "                      labelled, to_embed, minutes}], gone [paths], gone_unknown (why the\n"
    "                      encoder in use cannot be opened, when it cannot), embeddings [{encoder,\n"
    "                      count, model}] where model is null or {trained_at, keep, delete,\n"
    "                      prompts, stale, kind, roc_auc, average_precision, balanced_accuracy}\n"
    "\n"
    "exit status: 0 done, 1 no library or the library failed, 2 usage error\n",
    run_status,
    0,   /* no image decoding */
};

typedef struct {
    library *lib;
    int64_t label_version;
    int prompts;       /* the library's */
    json_t *json;      /* --format json: the embeddings array */
} status_ctx;

static void describe_age(time_t then, char *out, size_t cap)
{
    long s = (long)(time(NULL) - then);
    if (s < 120) snprintf(out, cap, "%ld seconds ago", s);
    else if (s < 7200) snprintf(out, cap, "%ld minutes ago", s / 60);
    else if (s < 172800) snprintf(out, cap, "%ld hours ago", s / 3600);
    else snprintf(out, cap, "%ld days ago", s / 86400);
}

/* The latest model stored for encoder_id, for the text and the JSON alike: 0 none; 1 read into *m
   (cull_model_free it); -1 stored but unreadable, err says why. *trained_at and *stale describe
   the stored row whenever there is one. */
static int latest_model(const status_ctx *s, const char *encoder_id, cull_model *m, int64_t *trained_at, int *stale,
                        char *err, size_t cap)
{
    library_model stored;
    if (library_latest_model(s->lib, encoder_id, &stored) != 1) return 0;
    *trained_at = stored.created_at;
    *stale = stored.label_version != s->label_version;
    int rc = cull_model_from_json(stored.json, m, err, cap) == 0 ? 1 : -1;
    library_model_free(&stored);
    return rc;
}

static void show_encoder(const char *encoder_id, int64_t n, void *ctx)
{
    status_ctx *s = ctx;
    printf("encoder %s: %lld embeddings\n", encoder_id, (long long)n);
    cull_model m;
    int64_t trained_at;
    int stale;
    char err[256], age[64];
    int found = latest_model(s, encoder_id, &m, &trained_at, &stale, err, sizeof err);
    if (!found) {
        printf("  no model yet (cull train)\n");
        return;
    }
    describe_age((time_t)trained_at, age, sizeof age);
    if (found < 0) {
        printf("  model trained %s cannot be read: %s\n", age, err);
        return;
    }
    printf("  model trained %s on %d keep + %d delete", age, m.n_keep, m.n_delete);
    if (m.prompts.n) printf(" with %d prompt%s", m.prompts.n, m.prompts.n == 1 ? "" : "s");
    if (stale) printf(" (labels or prompts changed since; rank will retrain)");
    else if (m.prompts.n < s->prompts)
        printf(" (%d of the library's prompts left out: cull train says why)", s->prompts - m.prompts.n);
    putchar('\n');
    printf("  %s; cross-validated ROC-AUC %.3f, average precision %.3f, balanced accuracy %.3f\n",
           cull_model_kind_name(m.kind), m.cv.auc, m.cv.ap, m.cv.bacc);
    char effort[256];
    trainer_effort_text(&m, effort, sizeof effort);
    printf("  %s\n", effort);
    cull_model_free(&m);
}

/* ---- --format json ---- */

static void gone_json(const char *last_path, void *ctx)
{
    json_array_append_new(ctx, last_path ? quote_json_path(last_path) : json_null());
}

static void encoder_json(const char *encoder_id, int64_t n, void *ctx)
{
    status_ctx *s = ctx;
    json_t *model = json_null();
    cull_model m;
    int64_t trained_at;
    int stale;
    char err[256];
    int found = latest_model(s, encoder_id, &m, &trained_at, &stale, err, sizeof err);
    if (found > 0) {
        model = json_pack("{s:I, s:i, s:i, s:i, s:b, s:s, s:f, s:f, s:f}", "trained_at", (json_int_t)trained_at, "keep",
                          m.n_keep, "delete", m.n_delete, "prompts", m.prompts.n, "stale", stale, "kind",
                          cull_model_kind_name(m.kind), "roc_auc", m.cv.auc, "average_precision", m.cv.ap,
                          "balanced_accuracy", m.cv.bacc);
        cull_model_free(&m);
    } else if (found < 0) {
        model = json_pack("{s:I, s:s}", "trained_at", (json_int_t)trained_at, "unreadable", err);
    }
    json_array_append_new(s->json, json_pack("{s:s, s:I, s:o}", "encoder", encoder_id, "count", (json_int_t)n, "model", model));
}

static void print_source(const char *source, int64_t keep, int64_t del, void *ctx)
{
    int *first = ctx;
    printf("%s%s %lld keep + %lld delete", *first ? "  by source: " : ", ", source, (long long)keep, (long long)del);
    *first = 0;
}

static void source_json(const char *source, int64_t keep, int64_t del, void *ctx)
{
    json_object_set_new(ctx, source, json_pack("{s:I, s:I}", "keep", (json_int_t)keep, "delete", (json_int_t)del));
}

/* 0, or -1 with the error printed. */
static int print_json(library *lib, const char *path, long long bytes, const library_counts *k)
{
    json_t *o = json_pack("{s:o, s:I, s:b, s:I, s:I, s:I, s:{s:I, s:I}, s:I, s:[], s:[]}", "library",
                          quote_json_path(path), "bytes", (json_int_t)bytes, "read_only", library_read_only(lib), "images",
                          (json_int_t)k->images, "files_on_disk", (json_int_t)k->paths_present, "paths_missing",
                          (json_int_t)k->paths_missing, "labels", "keep", (json_int_t)k->keep, "delete", (json_int_t)k->del,
                          "unlabelled_on_disk", (json_int_t)k->unlabeled_present, "gone", "embeddings");
    char err[1024];
    status_ctx s = {lib, library_label_version(lib), 0, json_object_get(o, "embeddings")};
    int gone = -1;
    json_t *by_source = json_object();
    json_object_set_new(json_object_get(o, "labels"), "by_source", by_source);
    json_t *encoders = cli_encoders_json(lib);
    if (encoders) json_object_update(o, encoders);
    json_decref(encoders);
    int no_sources = library_each_label_source(lib, source_json, by_source);
    if (no_sources) cli_error("library: %s", library_error(lib));
    int failed = no_sources || !encoders || (gone = cli_each_gone(lib, gone_json, json_object_get(o, "gone"), err, sizeof err)) < 0;
    if (!failed && library_each_encoder(lib, encoder_json, &s)) {
        cli_error("library: %s", library_error(lib));
        failed = 1;
    }
    if (failed) { /* printed */
        json_decref(o);
        return -1;
    }
    if (gone == 1) json_object_set_new(o, "gone_unknown", json_string(err));
    int sides[2];
    if (zero_shot_sides(lib, sides, err, sizeof err)) {
        cli_error("library: %s", err);
        json_decref(o);
        return -1;
    }
    json_object_set_new(o, "prompts", json_pack("{s:i, s:i}", "keep", sides[0], "delete", sides[1]));
    json_dumpf(o, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    putchar('\n');
    json_decref(o);
    return 0;
}

static int run_status(int argc, char **argv, const cli_globals *g)
{
    const char *format = "text";
    int optind;
    const cli_option options[] = {
        OPTION_CHOICE("format", 0, &format, "text|json"),
        OPTION_END,
    };
    int parsed = cli_parse_options(&cmd_status, options, argc, argv, &optind);
    if (parsed != CLI_PARSED) return parsed;
    if (optind < argc) return cli_usage_error(&cmd_status, "unexpected argument '%s'", argv[optind]);
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    library_counts k;
    if (library_counts_get(lib, &k)) {
        cli_error("library: %s", library_error(lib));
        library_close(lib);
        return EXIT_SOME_FAILED;
    }
    struct stat st;
    long long bytes = stat(g->db_path, &st) == 0 ? (long long)st.st_size : 0;
    if (!strcmp(format, "json")) {
        int rc = print_json(lib, g->db_path, bytes, &k);
        library_close(lib);
        return rc ? EXIT_SOME_FAILED : EXIT_OK;
    }
    printf("library %s (%.1f MB)\n", g->db_path, bytes / 1e6);
    printf("images: %lld (files on disk: %lld, paths no longer on disk: %lld)\n", (long long)k.images,
           (long long)k.paths_present, (long long)k.paths_missing);
    printf("labels: %lld keep, %lld delete; %lld images on disk unlabelled\n", (long long)k.keep, (long long)k.del,
           (long long)k.unlabeled_present);
    int first = 1;
    if ((k.keep || k.del) && library_each_label_source(lib, print_source, &first) == 0) putchar('\n');
    int sides[2];
    char err[512];
    int have_sides = zero_shot_sides(lib, sides, err, sizeof err) == 0;
    if (have_sides && sides[0] + sides[1]) printf("prompts: %d keep, %d delete (cull prompt list)\n", sides[0], sides[1]);
    status_ctx s = {lib, library_label_version(lib), have_sides ? sides[0] + sides[1] : 0, NULL};
    int rc = cli_print_encoders(lib, stdout) || cli_print_gone(lib) || library_each_encoder(lib, show_encoder, &s);
    library_close(lib);
    return rc ? EXIT_SOME_FAILED : EXIT_OK;
}
