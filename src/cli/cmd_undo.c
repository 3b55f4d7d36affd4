/*
 * cmd_undo.c — `cull undo`: take back the newest apply (files back from the Trash) or export
 * (sidecars and images back as they were).
 */
#include <string.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "library/actions.h"
#include "library/xmp_log.h"
#include "safety/apply.h"
#include "safety/xmp_write.h"
#include "util/plural.h"

static int run_undo(int argc, char **argv, const cli_globals *g);

const cli_command cmd_undo = {
    "undo",
    "put back the files the last apply moved to the Trash, or what the last export wrote",
    "usage: cull undo [--dry-run [--format tsv|json] [-z]]\n"
    "\n"
    "Takes back the newest of `cull apply` and `cull export xmp`. After an apply it moves every\n"
    "file still in the Trash back to its original path, after checking that its content is the\n"
    "image that was moved; a file whose original path is taken by something else stays in the\n"
    "Trash and is named on stderr. After an export it restores every sidecar still as cull wrote it\n"
    "to its bytes before (removes one cull created), and brings each image it wrote XMP into back\n"
    "from the Trash; a file changed since is yours and stays, named on stderr. Run it again to undo\n"
    "the one before that.\n"
    "\n"
    "options:\n"
    "  --dry-run     list what would be put back (BYTES<TAB>ORIGINAL_PATH; for an export, the\n"
    "                file's size before, 0 for a sidecar it would remove) and the total; change nothing\n"
    "  --format F    with --dry-run: tsv (default) or json, one object {\"files\", \"bytes\",\n"
    "                \"gone\", \"items\": [{\"path\", \"bytes\"}]}\n"
    "  -z, --null    with --dry-run: records end in NUL, paths raw\n"
    "\n"
    CLI_HELP_RECORDS
    "\n"
    "exit status: 0 done (or nothing to undo), 1 some files could not be put back (named on\n"
    "stderr) or the library failed, 2 usage error\n",
    run_undo,
    0,   /* no image decoding */
};

static int run_undo(int argc, char **argv, const cli_globals *g)
{
    int dry_run = 0, nul = 0, optind;
    const char *format = NULL;
    cli_file_list list;
    const cli_option options[] = {
        OPTION_FLAG("dry-run", 'n', &dry_run),
        OPTION_CHOICE("format", 0, &format, "tsv|json"),
        OPTION_FLAG("null", 'z', &nul),
        OPTION_END,
    };
    int parsed = cli_parse_options(&cmd_undo, options, argc, argv, &optind);
    if (parsed != CLI_PARSED) return parsed;
    if (optind < argc) return cli_usage_error(&cmd_undo, "unexpected argument '%s'", argv[optind]);
    if (cli_file_list_options(&cmd_undo, dry_run, format, nul, &list)) return EXIT_USAGE;
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) {
        json_decref(list.json);
        return EXIT_SOME_FAILED;
    }
    apply_summary s;
    if (!dry_run && library_lock_changes(lib)) {
        cli_error("%s", library_error(lib));
        library_close(lib);
        json_decref(list.json);
        return EXIT_SOME_FAILED;
    }
    /* Half-logged runs settled first: they decide which run is the newest to take back. */
    int rc = !dry_run && (apply_reconcile(lib) < 0 || xmp_write_reconcile(lib) < 0);
    int64_t moved = rc ? 0 : library_last_trashed_batch(lib), exported = rc ? 0 : library_last_exported_batch(lib);
    int exports = exported > moved;
    if (!rc) rc = exports ? xmp_write_undo(lib, dry_run, cli_file_list_item, &list, &s)
                           : apply_undo(lib, dry_run, cli_file_list_item, &list, &s);
    if (rc) cli_error("library: %s", library_error(lib));
    library_close(lib);
    if (rc) {
        json_decref(list.json);
        return EXIT_SOME_FAILED;
    }
    cli_file_list_finish(&list, &s);
    const char *files = plural(s.files, "file", "files");
    if (exports)
        fprintf(stderr, "%s %lld %s as %s before cull export%s\n", dry_run ? "would restore" : "restored",
                (long long)s.files, plural(s.files, "file", "files"), plural(s.files, "it was", "they were"),
                s.failed ? "; some could not be restored (named above)" : "");
    else if (s.batch == 0) fprintf(stderr, "nothing to undo: no apply has files in the Trash and no export has files as it wrote them\n");
    else if (dry_run) fprintf(stderr, "would put back %lld %s (%.1f MB)\n", (long long)s.files, files, s.bytes / 1e6);
    else
        fprintf(stderr, "put back %lld %s (%.1f MB)%s\n", (long long)s.files, files, s.bytes / 1e6,
                s.failed ? "; some could not be put back (listed above)" : "");
    return s.failed ? EXIT_SOME_FAILED : EXIT_OK;
}
