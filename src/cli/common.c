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
#include "util/fsutil.h"
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

char **cli_roots_new(char *const *paths, int n)
{
    char **roots = calloc((size_t)n + 1, sizeof *roots);
    for (int i = 0; i < n && roots; i++) {
        char abs[FS_PATH_MAX];
        roots[i] = fs_absolute(paths[i], abs, sizeof abs) == 0 ? strdup(abs) : NULL;
        if (!roots[i]) {
            cli_error("%s: path too long", paths[i]);
            cli_roots_free(roots, n);
            return NULL;
        }
    }
    if (!roots) cli_error("out of memory");
    return roots;
}

void cli_roots_free(char **roots, int n)
{
    for (int i = 0; i < n && roots; i++) free(roots[i]);
    free(roots);
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

int cli_start_media(void)
{
    if (media_init("cull") == 0) return 0;
    cli_error("cannot start libvips (the image decoder)");
    return -1;
}
