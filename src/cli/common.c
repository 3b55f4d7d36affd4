/*
 * common.c — helpers every subcommand uses (see cli.h).
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <jansson.h>

#include "cli/cli.h"
#include "util/quote.h"
#include "encoders/encoder.h"
#include "media/media.h"
#include "pipeline/trainer.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cull: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cull %s: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see: cull %s --help)\n", cmd->name);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_help(const cli_command *cmd)
{
    fputs(cmd->usage, stdout);
    return EXIT_OK;
}

library *cli_open_library(const cli_globals *g, library_mode mode)
{
    char err[1024];
    library *lib = library_open(g->db_path, mode, err, sizeof err);
    if (!lib) cli_error("%s%s", strncmp(err, "no library", 10) ? "cannot open library " : "", err);
    return lib;
}

int cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}

int cli_default_jobs(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set) > 0 ? CPU_COUNT(&set) : 1;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void cli_put_path(FILE *f, const char *path)
{
    quote_path(f, path);
}

void cli_put_record_path(FILE *f, const char *path, int nul)
{
    if (nul) fwrite(path, 1, strlen(path), f);
    else quote_path(f, path);
}

void cli_end_record(FILE *f, int nul)
{
    fputc(nul ? '\0' : '\n', f);
}

const char *cli_not_saved(const library *lib)
{
    return library_read_only(lib) ? ", in memory only: the library is read-only here" : "";
}

int cli_current_model(library *lib, const char *encoder_id, int need_out_of_fold, cull_model *out, int *retrained)
{
    char err[512];
    int stale, redone = 0;
    int rc = trainer_current_model(lib, encoder_id, out, &stale, err, sizeof err);
    if (rc == 0 && need_out_of_fold && out->n_oof == 0) { /* from before out-of-fold scores were kept */
        fprintf(stderr, "cull: the stored model has no out-of-fold scores: retraining\n");
        cull_model_free(out);
        rc = trainer_train(lib, encoder_id, out, err, sizeof err);
        redone = 1;
    }
    if (retrained) *retrained = stale || redone;
    if (rc != 0) {
        cli_error("%s", err);
        return -1;
    }
    if (stale)
        fprintf(stderr, "cull: the model was older than the labels: retrained on %d labels (ROC-AUC %.3f)%s\n",
                out->n_keep + out->n_delete, out->cv.auc, cli_not_saved(lib));
    return 0;
}

int cli_start_media(void)
{
    if (media_init("cull") == 0) return 0;
    cli_error("cannot start libvips (the image decoder)");
    return -1;
}
