/*
 * cmd_apply.c — `cull apply`: files labelled delete go to the desktop Trash, logged and undoable.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "safety/apply.h"
#include "util/fsutil.h"
#include "util/plural.h"

static int run_apply(int argc, char **argv, const cli_globals *g);

const cli_command cmd_apply = {
    "apply",
    "move files labelled delete to the Trash (logged, undoable)",
    "usage: cull apply [--dry-run [--format tsv|json] [-z]] [--yes] [PATH...]\n"
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
    "  --format F    with --dry-run: tsv (default) or json, one object {\"files\", \"bytes\",\n"
    "                \"gone\", \"plan\", \"items\": [{\"path\", \"bytes\"}]}\n"
    "  -z, --null    with --dry-run: records end in NUL, paths raw\n"
    "  --yes         move without asking. Without it apply asks on the terminal, and where there\n"
    "                is no terminal to ask (a script, a pipe, cron) it moves nothing and says so\n"
    "  --plan ID     move only if what would move is still exactly what the dry run that printed\n"
    "                ID listed (labels, files and contents); otherwise move nothing, exit 1. The\n"
    "                question on the terminal is bound the same way to the list it counted\n"
    "\n"
    CLI_HELP_RECORDS
    "\n"
    "exit status: 0 done (or nothing to move), 1 some files could not move (named on stderr) or the\n"
    "library failed, 2 usage error, or no terminal to ask and no --yes (nothing moved)\n"
    "\n"
    "examples:\n"
    "  cull apply --dry-run | sort -n | tail\n"
    "  cull apply --yes --plan 0f3c…   # the ID the dry run printed: exactly those files\n"
    "  cull apply ~/Pictures/incoming\n",
    run_apply,
    0,   /* no image decoding */
};

static int confirm(const apply_summary *plan, const char *what)
{
    fprintf(stderr, "move %lld %s (%.1f MB) %s to the Trash? [y/N] ", (long long)plan->files,
            plural(plan->files, "file", "files"), plan->bytes / 1e6, what);
    char line[16];
    return fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y');
}

int cli_move_to_trash(const cli_globals *g, int copies, int dry_run, int yes, const char *plan, cli_file_list *list,
                      char *const *paths, int n_paths)
{
    const char *what = copies ? "that are exact copies of a kept file" : "labelled delete";
    const char *command = copies ? "cull dupes --trash-copies" : "cull apply";
    int (*plan_or_run)(library *, char *const *, int, int, const char *, apply_item_fn, void *, apply_summary *) =
        copies ? apply_copies_plan_or_run : apply_plan_or_run;
    char confirmed[APPLY_PLAN_CHARS + 1] = "";
    char **roots = calloc((size_t)n_paths + 1, sizeof *roots);
    for (int i = 0; roots && i < n_paths; i++) {
        char abs[FS_PATH_MAX];
        if (fs_absolute(paths[i], abs, sizeof abs) == 0) roots[i] = strdup(abs);
    }
    library *lib = roots ? cli_open_library(g, LIBRARY_EXISTING) : NULL;
    int rc = EXIT_SOME_FAILED;
    apply_summary s;
    if (!lib) goto out;
    if (!dry_run && library_lock_changes(lib)) {
        cli_error("%s", library_error(lib));
        goto out;
    }
    if (!dry_run && !yes) {
        int planned = plan_or_run(lib, roots, n_paths, 1, NULL, NULL, NULL, &s);
        if (planned == 0 && s.files > 0 && !isatty(STDIN_FILENO)) {
            cli_error("%lld %s %s would move to the Trash, and there is no terminal to ask: nothing moved (%s "
                      "--dry-run lists them; %s --yes moves them)",
                      (long long)s.files, plural(s.files, "file", "files"), what, command, command);
            rc = EXIT_USAGE;
            goto out;
        }
        if (planned == 0 && s.files > 0 && !confirm(&s, what)) {
            fprintf(stderr, "nothing moved\n");
            rc = EXIT_OK;
            goto out;
        }
        if (planned == 0 && !plan) plan = memcpy(confirmed, s.plan, sizeof confirmed);   /* what was asked */
    }
    int ran = plan_or_run(lib, roots, n_paths, dry_run, plan, cli_file_list_item, list, &s);
    if (ran < 0) {
        cli_error("library: %s", library_error(lib));
        goto out;
    }
    if (ran == APPLY_PLAN_CHANGED) {
        cli_error("the files %s changed since the plan %s was made: nothing moved (%s --dry-run shows them now, "
                  "plan %s)", what, plan, command, s.plan);
        goto out;
    }
    cli_file_list_finish(list, &s);
    if (dry_run && copies)
        fprintf(stderr, "would move %lld %s (%.1f MB) to the Trash\n", (long long)s.files,
                plural(s.files, "file", "files"), s.bytes / 1e6);
    else if (dry_run)
        fprintf(stderr, "would move %lld %s (%.1f MB) to the Trash; plan %s (cull apply --yes --plan %s moves exactly "
                        "these)\n", (long long)s.files, plural(s.files, "file", "files"), s.bytes / 1e6, s.plan, s.plan);
    else if (s.files)
        fprintf(stderr, "moved %lld %s (%.1f MB) to the Trash%s; `cull undo` puts %s back%s\n", (long long)s.files,
                plural(s.files, "file", "files"), s.bytes / 1e6, s.failed ? "; the others failed (listed above)" : "",
                plural(s.files, "it", "them"), s.resumed ? " with those the interrupted apply before this one moved" : "");
    else if (s.failed)
        fprintf(stderr, "moved nothing: %lld %s failed (listed above)\n", (long long)s.failed,
                plural(s.failed, "file", "files"));
    else
        fprintf(stderr, "nothing to move: no file on disk is %s\n", copies ? "an exact copy of another" : "labelled delete");
    if (s.gone)
        fprintf(stderr, "%lld %s %s %s already gone from disk\n", (long long)s.gone, plural(s.gone, "file", "files"),
                what, plural(s.gone, "was", "were"));
    rc = s.failed ? EXIT_SOME_FAILED : EXIT_OK;
out:
    if (list->json) json_decref(list->json);
    list->json = NULL;
    library_close(lib);
    for (int i = 0; roots && i < n_paths; i++) free(roots[i]);
    free(roots);
    return rc;
}

static int run_apply(int argc, char **argv, const cli_globals *g)
{
    int dry_run = 0, yes = 0, nul = 0, optind;
    const char *format = NULL, *plan = NULL;
    cli_file_list list;
    const cli_option options[] = {
        OPTION_FLAG("dry-run", 'n', &dry_run),
        OPTION_FLAG("yes", 'y', &yes),
        OPTION_CHOICE("format", 0, &format, "tsv|json"),
        OPTION_FLAG("null", 'z', &nul),
        OPTION_STRING("plan", 0, &plan),
        OPTION_END,
    };
    int rc = cli_parse_options(&cmd_apply, options, argc, argv, &optind);
    if (rc != CLI_PARSED) return rc;
    if (plan && (dry_run || strlen(plan) != APPLY_PLAN_CHARS || strspn(plan, "0123456789abcdef") != APPLY_PLAN_CHARS))
        return cli_usage_error(&cmd_apply, dry_run ? "--plan is for the run after a dry run, not the dry run"
                                                   : "--plan wants the 32 hex digits a dry run printed");
    if (cli_file_list_options(&cmd_apply, dry_run, format, nul, &list)) return EXIT_USAGE;
    return cli_move_to_trash(g, 0, dry_run, yes, plan, &list, argv + optind, argc - optind);
}
