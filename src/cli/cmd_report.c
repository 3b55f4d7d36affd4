/*
 * cmd_report.c — `cull report`: the options, the library and its current model, and the output
 * file; the page itself is report/report.h's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "report/report.h"

static int run_report(int argc, char **argv, const cli_globals *g);

const cli_command cmd_report = {
    "report",
    "an HTML page on the model: curves, calibration, weak spots, top suspects",
    "usage: cull report [-o FILE.html] [--encoder NAME] [--no-index]\n"
    "\n"
    "Writes one self-contained HTML page (inline styles and SVG charts, thumbnails embedded; no\n"
    "scripts, nothing loaded from the network) about the model and the labels:\n"
    "  - the library, the encoder, the model and its cross-validated metrics; the prompts among\n"
    "    its features and what they changed (as cull train says);\n"
    "  - the ROC curve, the effort curve (share of deletes found against share of the ranking\n"
    "    reviewed) and calibration (predicted P(delete) against the observed delete rate);\n"
    "  - metrics by format, by camera and by folder;\n"
    "  - keep and delete labels set per day (per week over long spans);\n"
    "  - thumbnails of the 24 labels the model doubts most (as cull suspects).\n"
    "Every score is out-of-fold: each image is judged by the cross-validation model that did not\n"
    "train on it. The model is retrained first, and said so, when labels or prompts changed.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE  where to write (default ./cull-report.html); its path is printed\n"
    "  --encoder NAME     whose model to use (default: the library's, see cull status)\n"
    "  --no-index         embed nothing: fail, saying what is missing, instead\n"
    "\n"
    CLI_HELP_EXIT
    "\n"
    "examples:\n"
    "  cull report && xdg-open cull-report.html\n"
    "  cull report -o /tmp/model.html --encoder lite\n",
    run_report,
    CLI_NEEDS_MEDIA,
};

/* Called only after report_page_read succeeded: a report that cannot be made leaves no empty page. */
static int write_page(const char *out, const report_page *page, library *lib, char *err, size_t errlen)
{
    FILE *f = fopen(out, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", out, strerror(errno));
        return -1;
    }
    int rc = report_page_write(f, page, lib, err, errlen);
    if (ferror(f)) rc = -1, snprintf(err, errlen, "writing %s failed", out);
    if (fclose(f) && rc == 0) {
        snprintf(err, errlen, "writing %s failed: %s", out, strerror(errno));
        rc = -1;
    }
    return rc;
}

static int run_report(int argc, char **argv, const cli_globals *g)
{
    const char *name = NULL, *out = "cull-report.html";
    int no_index = 0, optind;
    const cli_option options[] = {
        OPTION_STRING("encoder", 'e', &name),
        OPTION_FLAG("no-index", 0, &no_index),
        OPTION_STRING("output", 'o', &out),
        OPTION_END,
    };
    int parsed = cli_parse_options(&cmd_report, options, argc, argv, &optind);
    if (parsed != CLI_PARSED) return parsed;
    if (optind < argc) return cli_usage_error(&cmd_report, "unexpected argument '%s'", argv[optind]);
    if (!*out) return cli_usage_error(&cmd_report, "-o wants a file name");
    char id[96], err[512];
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    cull_model model;
    int retrained;
    if (cli_prepare_encoder(lib, name, 0, no_index, id, sizeof id) || cli_current_model(lib, name, id, 1, &model, &retrained)) {
        library_close(lib);
        return EXIT_SOME_FAILED;
    }
    report_source src = {g->db_path, id, &model, retrained};
    report_page page;
    int rc = EXIT_OK;
    if (report_page_read(lib, &src, &page, err, sizeof err) || write_page(out, &page, lib, err, sizeof err)) {
        cli_error("%s", err);
        rc = EXIT_SOME_FAILED;
    } else {
        cli_put_path(stdout, out);
        putchar('\n');
        if (page.scored.unscored)
            fprintf(stderr, "cull: %d labelled images had no out-of-fold score\n", page.scored.unscored);
    }
    library_close(lib);
    report_page_free(&page);
    cull_model_free(&model);
    return rc;
}
