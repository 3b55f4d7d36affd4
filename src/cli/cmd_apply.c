/*
 * cmd_apply.c — `cull apply`: files labelled delete go to the desktop Trash, logged and undoable.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "safety/apply.h"
#include "util/fsutil.h"

static int run_apply(int argc, char **argv, const cli_globals *g);

const cli_command cmd_apply = {
    "apply",
    "move files labelled delete to the Trash (logged, undoable)",
    "usage: cull apply [--dry-run] [--yes] [PATH...]\n"
    "\n"
    "Moves every file whose image is labelled delete (only those under PATH, when given) to the\n"
    "freedesktop.org Trash of its own filesystem, with a .trashinfo so file managers can restore\n"
    "it. Each file's content is checked against the labelled image first; a file changed since it\n"
    "was indexed is left alone. Every move is logged in the library before and after it happens;\n"
    "`cull undo` puts the last apply back. Embeddings and labels stay as training data.\n"
    "cull never deletes a file: emptying the Trash is yours to do.\n"
    "\n"
    "options:\n"
    "  --dry-run     list what would move (BYTES<TAB>PATH) and the total; move nothing\n"
    "  --yes         do not ask for confirmation (it is asked only on a terminal)\n"
    "\n"
    "examples:\n"
    "  cull apply --dry-run | sort -n | tail\n"
    "  cull apply ~/Pictures/incoming\n",
    run_apply,
};

static int confirm(const apply_summary *plan)
{
    fprintf(stderr, "move %lld %s (%.1f MB) labelled delete to the Trash? [y/N] ", (long long)plan->files,
            plan->files == 1 ? "file" : "files", plan->bytes / 1e6);
    char line[16];
    return fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y');
}

static int run_apply(int argc, char **argv, const cli_globals *g)
{
    static const struct option LONG[] = {
        {"dry-run", no_argument, 0, 'n'}, {"yes", no_argument, 0, 'y'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    int dry_run = 0, yes = 0;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "ny", LONG, NULL)) != -1) {
        if (c == 'n') dry_run = 1;
        else if (c == 'y') yes = 1;
        else if (c == 'h') return cli_help(&cmd_apply);
        else return cli_usage_error(&cmd_apply, "unknown option");
    }
    int n_roots = argc - optind;
    char **roots = calloc((size_t)n_roots + 1, sizeof *roots);
    for (int i = 0; i < n_roots; i++) {
        char abs[FS_PATH_MAX];
        if (fs_absolute(argv[optind + i], abs, sizeof abs) == 0) roots[i] = strdup(abs);
    }
    library *lib = cli_open_library(g);
    int rc = EXIT_SOME_FAILED;
    apply_summary s;
    if (!lib) goto out;
    if (!dry_run && !yes && isatty(STDIN_FILENO)) {
        FILE *devnull = fopen("/dev/null", "w");
        int planned = devnull ? apply_plan_or_run(lib, roots, n_roots, 1, devnull, &s) : -1;
        if (devnull) fclose(devnull);
        if (planned == 0 && s.files > 0 && !confirm(&s)) {
            fprintf(stderr, "nothing moved\n");
            rc = EXIT_OK;
            goto out;
        }
    }
    if (apply_plan_or_run(lib, roots, n_roots, dry_run, stdout, &s)) {
        cli_error("library: %s", library_error(lib));
        goto out;
    }
    if (dry_run)
        fprintf(stderr, "would move %lld %s (%.1f MB) to the Trash\n", (long long)s.files,
                s.files == 1 ? "file" : "files", s.bytes / 1e6);
    else if (s.files || s.failed)
        fprintf(stderr, "moved %lld %s (%.1f MB) to the Trash%s; `cull undo` puts them back%s\n", (long long)s.files,
                s.files == 1 ? "file" : "files", s.bytes / 1e6, s.failed ? ", some failed (listed above)" : "",
                s.resumed ? " with those the interrupted apply before this one moved" : "");
    else
        fprintf(stderr, "nothing to move: no file on disk is labelled delete\n");
    if (s.gone) fprintf(stderr, "%lld files labelled delete were already gone from disk\n", (long long)s.gone);
    rc = s.failed ? EXIT_SOME_FAILED : EXIT_OK;
out:
    library_close(lib);
    for (int i = 0; i < n_roots; i++) free(roots[i]);
    free(roots);
    return rc;
}
