/*
 * cmd_train.c — `cull train`: fit the keep/delete model and print honest metrics.
 */
#include <getopt.h>

#include "cli/cli.h"
#include "pipeline/trainer.h"

static int run_train(int argc, char **argv, const cli_globals *g);

const cli_command cmd_train = {
    "train",
    "learn keep/delete from the labels; print cross-validated metrics",
    "usage: cull train [--encoder NAME]\n"
    "\n"
    "Fits a class-balanced, L2-regularised logistic regression on every labelled image's embedding,\n"
    "metadata (size, pixels, aspect, format, camera) and file-name tokens (never folder names),\n"
    "solved to convergence. Before that, 5-fold cross-validation with each picture kept inside one\n"
    "fold measures how well it ranks images it has not seen:\n"
    "  ROC-AUC, average precision, balanced accuracy, and the share of deletes found after\n"
    "  reviewing the first 10%, 30% and 50% of the ranking.\n"
    "The model is stored in the library; `cull rank` uses it (and retrains when labels changed).\n"
    "\n"
    "options:\n"
    "  --encoder NAME     whose embeddings to learn from (default: the best one installed)\n"
    "\n"
    "example:\n"
    "  cull train\n",
    run_train,
};

static int run_train(int argc, char **argv, const cli_globals *g)
{
    static const struct option LONG[] = {
        {"encoder", required_argument, 0, 'e'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *name = NULL;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+e:", LONG, NULL)) != -1) {
        if (c == 'e') name = optarg;
        else if (c == 'h') return cli_help(&cmd_train);
        else return cli_usage_error(&cmd_train, "unknown option");
    }
    if (optind < argc) return cli_usage_error(&cmd_train, "unexpected argument '%s'", argv[optind]);
    char id[96], err[512];
    if (cli_encoder_id(name, id, sizeof id)) return EXIT_SOME_FAILED;
    library *lib = cli_open_library(g);
    if (!lib) return EXIT_SOME_FAILED;
    cull_model m;
    int rc = trainer_train(lib, id, &m, err, sizeof err);
    library_close(lib);
    if (rc != 0) {
        cli_error("%s", err);
        return EXIT_SOME_FAILED;
    }
    trainer_print_metrics(stdout, &m);
    cull_model_free(&m);
    return EXIT_OK;
}
