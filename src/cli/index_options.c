#include "cli/index_options.h"
#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "encoders/encoder.h"
#include "media/media.h"
#include "util/fsutil.h"

int index_cli_parse(const cli_command *cmd, int argc, char **argv, index_cli *out)
{
    memset(out, 0, sizeof *out);
    out->index.jobs = cli_default_jobs();
    out->index.max_pixels = MEDIA_DEFAULT_MAX_PIXELS;
    out->index.max_bytes = MEDIA_DEFAULT_MAX_BYTES;
    int64_t jobs = out->index.jobs;
    const cli_option options[] = {
        OPTION_STRING("encoder", 'e', &out->encoder),
        OPTION_INT("jobs", 'j', &jobs, 1, 256, NULL),
        OPTION_INT("max-pixels", 0, &out->index.max_pixels, 1, INT64_MAX, NULL),
        OPTION_FLAG("quiet", 'q', &out->quiet),
        OPTION_END,
    };
    int first, rc = cli_parse_options(cmd, options, argc, argv, &first);
    if (rc != CLI_PARSED) return rc;
    optind = first;
    out->index.jobs = (int)jobs;
    out->index.show_progress = !out->quiet;
    return CLI_PARSED;
}

/* Set by SIGINT/SIGTERM while a run is on: signals are process-wide, so this is the one flag. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* index_paths over roots, or with roots NULL index_missing; SIGINT/SIGTERM stop it cleanly. */
static int run_stoppable(library *lib, encoder *enc, char *const *roots, int n_roots, int all,
                         const index_options *given, index_summary *sum)
{
    index_options o = *given;
    interrupted = 0;
    o.stop = &interrupted;
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    int rc = roots ? index_paths(lib, enc, roots, n_roots, &o, sum) : index_missing(lib, enc, all, &o, sum);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc;
}

static int exit_status(const index_summary *sum) { return sum->interrupted ? 130 : sum->failed ? EXIT_SOME_FAILED : EXIT_OK; }

int index_cli_run(library *lib, index_cli *ic, char *const *roots, int n_roots, index_summary *out)
{
    char err[512], name[FS_PATH_MAX];
    if (cli_encoder_name(lib, ic->encoder, name, sizeof name, NULL)) return -1;
    encoder *enc = encoder_open(name, err, sizeof err);
    if (!enc) {
        cli_error("%s", err);
        return -1;
    }
    index_summary sum;
    int rc = run_stoppable(lib, enc, roots, n_roots, 0, &ic->index, &sum);
    encoder_close(enc);
    if (rc != 0) return -1;
    if (!ic->quiet || sum.failed) index_print_summary(&sum);
    if (out) *out = sum;
    return exit_status(&sum);
}

int index_cli_new_under(library *lib, const char *encoder_name, char *const *paths, int n)
{
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            cli_error("%s: %s", paths[i], strerror(errno));
            return -1;
        }
    }
    if (library_read_only(lib)) {
        fprintf(stderr, "cull: the library is read-only here: only what it already holds is shown, nothing new is indexed\n");
        return 0;
    }
    index_cli ic = {.encoder = encoder_name, .quiet = 1,
                    .index = {.jobs = cli_default_jobs(), .max_pixels = MEDIA_DEFAULT_MAX_PIXELS,
                              .max_bytes = MEDIA_DEFAULT_MAX_BYTES, .show_progress = 1}};
    index_summary sum;
    int rc = index_cli_run(lib, &ic, paths, n, &sum);
    if (rc < 0 || rc == 130) return -1;
    if (sum.found == 0) {
        fputs("cull: no images under ", stderr);
        for (int i = 0; i < n; i++) {
            if (i) fputs(n > 2 ? ", " : " or ", stderr);
            cli_put_path(stderr, paths[i]);
        }
        fputc('\n', stderr);
    }
    return 0;
}

int index_cli_missing(library *lib, encoder *enc, int all, index_summary *sum)
{
    index_options o = {.jobs = cli_default_jobs(), .max_pixels = MEDIA_DEFAULT_MAX_PIXELS,
                       .max_bytes = MEDIA_DEFAULT_MAX_BYTES, .show_progress = 1};
    if (run_stoppable(lib, enc, NULL, 0, all, &o, sum)) return -1;
    if (sum->found || sum->failed) index_print_summary(sum);
    return exit_status(sum);
}
