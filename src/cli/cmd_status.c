/*
 * cmd_status.c — `cull status`: what the library holds and how good the model is.
 */
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "pipeline/trainer.h"

static int run_status(int argc, char **argv, const cli_globals *g);

const cli_command cmd_status = {
    "status",
    "counts, encoders, labels, model age and metrics",
    "usage: cull status\n"
    "\n"
    "Shows where the library is, how many images, files and labels it holds, the encoder its\n"
    "commands use (and why), how many labelled images each installed encoder has embedded and what\n"
    "a switch (cull model use) would embed, labelled images whose bytes are gone everywhere, the\n"
    "embeddings per encoder, and for each trained model its age, whether labels changed since, and\n"
    "its cross-validated metrics.\n",
    run_status,
};

typedef struct {
    library *lib;
    int64_t label_version;
} status_ctx;

static void describe_age(time_t then, char *out, size_t cap)
{
    long s = (long)(time(NULL) - then);
    if (s < 120) snprintf(out, cap, "%ld seconds ago", s);
    else if (s < 7200) snprintf(out, cap, "%ld minutes ago", s / 60);
    else if (s < 172800) snprintf(out, cap, "%ld hours ago", s / 3600);
    else snprintf(out, cap, "%ld days ago", s / 86400);
}

static void show_encoder(const char *encoder_id, int64_t n, void *ctx)
{
    status_ctx *s = ctx;
    printf("encoder %s: %lld embeddings\n", encoder_id, (long long)n);
    library_model stored;
    if (library_latest_model(s->lib, encoder_id, &stored) != 1) {
        printf("  no model yet (cull train)\n");
        return;
    }
    cull_model m;
    char err[256], age[64];
    describe_age((time_t)stored.created_at, age, sizeof age);
    if (cull_model_from_json(stored.json, &m, err, sizeof err) == 0) {
        printf("  model trained %s on %d keep + %d delete%s\n", age, m.n_keep, m.n_delete,
               stored.label_version == s->label_version ? "" : " (labels changed since; rank will retrain)");
        printf("  %s; cross-validated ROC-AUC %.3f, average precision %.3f, balanced accuracy %.3f\n",
               cull_model_kind_name(m.kind), m.cv.auc, m.cv.ap, m.cv.bacc);
        printf("  deletes found in the first 10%% / 30%% / 50%%: %.0f%% / %.0f%% / %.0f%%\n", 100 * m.cv.found[0],
               100 * m.cv.found[1], 100 * m.cv.found[2]);
        cull_model_free(&m);
    } else {
        printf("  model trained %s cannot be read: %s\n", age, err);
    }
    library_model_free(&stored);
}

static int run_status(int argc, char **argv, const cli_globals *g)
{
    static const struct option LONG[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+", LONG, NULL)) != -1) {
        if (c == 'h') return cli_help(&cmd_status);
        return cli_usage_error(&cmd_status, "unknown option");
    }
    if (optind < argc) return cli_usage_error(&cmd_status, "unexpected argument '%s'", argv[optind]);
    library *lib = cli_open_library(g);
    if (!lib) return EXIT_SOME_FAILED;
    library_counts k;
    if (library_counts_get(lib, &k)) {
        cli_error("library: %s", library_error(lib));
        library_close(lib);
        return EXIT_SOME_FAILED;
    }
    struct stat st;
    long long bytes = stat(g->db_path, &st) == 0 ? (long long)st.st_size : 0;
    printf("library %s (%.1f MB)\n", g->db_path, bytes / 1e6);
    printf("images: %lld (files on disk: %lld, paths no longer on disk: %lld)\n", (long long)k.images,
           (long long)k.paths_present, (long long)k.paths_missing);
    printf("labels: %lld keep, %lld delete; %lld images on disk unlabelled\n", (long long)k.keep, (long long)k.del,
           (long long)k.unlabeled_present);
    status_ctx s = {lib, library_label_version(lib)};
    int rc = cli_print_encoders(lib, stdout) || cli_print_gone(lib) || library_each_encoder(lib, show_encoder, &s);
    library_close(lib);
    return rc ? EXIT_SOME_FAILED : EXIT_OK;
}
