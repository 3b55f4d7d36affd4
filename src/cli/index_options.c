#include "cli/index_options.h"

#include <getopt.h>
#include <signal.h>
#include <string.h>

#include "encoders/encoder.h"
#include "media/media.h"

int index_cli_parse(const cli_command *cmd, int argc, char **argv, index_cli *out)
{
    static const struct option LONG[] = {
        {"encoder", required_argument, 0, 'e'}, {"jobs", required_argument, 0, 'j'},
        {"max-pixels", required_argument, 0, 'p'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    memset(out, 0, sizeof *out);
    out->index.jobs = cli_default_jobs();
    out->index.max_pixels = MEDIA_DEFAULT_MAX_PIXELS;
    out->index.max_bytes = MEDIA_DEFAULT_MAX_BYTES;
    optind = 0;
    int c;
    int64_t v;
    while ((c = getopt_long(argc, argv, "+e:j:q", LONG, NULL)) != -1) {
        switch (c) {
        case 'e': out->encoder = optarg; break;
        case 'j':
            if (cli_parse_int(optarg, 1, 256, &v)) return cli_usage_error(cmd, "--jobs wants a number from 1 to 256");
            out->index.jobs = (int)v;
            break;
        case 'p':
            if (cli_parse_int(optarg, 1, INT64_MAX, &v))
                return cli_usage_error(cmd, "--max-pixels wants a positive number");
            out->index.max_pixels = v;
            break;
        case 'q': out->quiet = 1; break;
        case 'h': cli_help(cmd); return 1;
        default: return cli_usage_error(cmd, "unknown option");
        }
    }
    out->index.show_progress = !out->quiet;
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    index_request_stop();
}

int index_cli_run(library *lib, index_cli *ic, char *const *roots, int n_roots)
{
    char err[512];
    encoder *enc = encoder_open(ic->encoder, err, sizeof err);
    if (!enc) {
        cli_error("%s", err);
        return -1;
    }
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    index_summary sum;
    int rc = index_paths(lib, enc, roots, n_roots, &ic->index, &sum);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    encoder_close(enc);
    if (rc != 0) return -1;
    if (!ic->quiet || sum.failed) index_print_summary(&sum);
    if (sum.interrupted) return 130;
    return sum.failed ? EXIT_SOME_FAILED : EXIT_OK;
}
