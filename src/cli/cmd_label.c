/*
 * cmd_label.c — `cull label keep|delete|clear PATH...`: record decisions, indexing what is new.
 */
#include <stdio.h>
#include <string.h>

#include "cli/index_options.h"
#include "cli/options.h"
#include "util/plural.h"

static int run_label(int argc, char **argv, const cli_globals *g);

const cli_command cmd_label = {
    "label",
    "mark images keep or delete (a folder means every image under it)",
    "usage: cull label [OPTIONS] keep|delete|clear PATH...\n"
    "\n"
    "Records a decision for every image at or under each PATH, indexing files the library does not\n"
    "know yet. Labels belong to the image's content, so they follow a file that is moved or\n"
    "renamed, and stay as training data after the file is deleted. `clear` forgets the decision.\n"
    "Labelling changes nothing on disk.\n"
    "\n"
    "options:\n" INDEX_OPTIONS_HELP
    "\n"
    "exit status: 0 all good, 1 some files failed (listed on stderr) or no library could be made,\n"
    "2 usage error\n"
    "\n"
    "examples:\n"
    "  cull label keep ~/Pictures/kept\n"
    "  cull label delete ~/Pictures/rejected ~/Downloads/meme.png\n"
    "  cull label clear ~/Pictures/kept/IMG_0001.JPG\n",
    run_label,
    CLI_NEEDS_MEDIA,
};

typedef struct {
    int label;
    int64_t set, changed;
} label_run;

static int label_one(library *lib, const char *path, int64_t image_id, void *ctx)
{
    label_run *lr = ctx;
    (void)path;
    int64_t before = library_label_version(lib);
    if (library_set_label(lib, image_id, lr->label, "cli")) {
        cli_error("library: %s", library_error(lib));
        return -1;
    }
    lr->set++;
    if (library_label_version(lib) != before) lr->changed++;
    return 0;
}

static int parse_label(const char *s)
{
    if (strcmp(s, "keep") == 0) return LABEL_KEEP;
    if (strcmp(s, "delete") == 0) return LABEL_DELETE;
    if (strcmp(s, "clear") == 0) return LABEL_NONE;
    return -2;
}

static int run_label(int argc, char **argv, const cli_globals *g)
{
    index_cli ic;
    int rc = index_cli_parse(&cmd_label, argc, argv, &ic);
    if (rc != CLI_PARSED) return rc;
    if (argc - optind < 2) return cli_usage_error(&cmd_label, "say keep, delete or clear, then one or more paths");
    label_run lr = {parse_label(argv[optind]), 0, 0};
    if (lr.label == -2)
        return cli_usage_error(&cmd_label, "'%s' is not a label (keep, delete or clear)", argv[optind]);
    library *lib = cli_open_library(g, LIBRARY_CREATE);
    if (!lib) return EXIT_SOME_FAILED;
    ic.index.on_file = label_one;
    ic.index.ctx = &lr;
    rc = index_cli_run(lib, &ic, argv + optind + 1, argc - optind - 1, NULL);
    library_close(lib);
    if (rc < 0) return EXIT_SOME_FAILED;
    const char *what = lr.label == LABEL_NONE ? "cleared" : lr.label == LABEL_KEEP ? "keep" : "delete";
    if (!ic.quiet) {
        if (lr.label == LABEL_NONE)
            fprintf(stderr, "cleared the label of %lld %s (%lld had one)\n", (long long)lr.set, plural(lr.set, "file", "files"),
                    (long long)lr.changed);
        else
            fprintf(stderr, "labelled %lld %s %s (%lld changed)\n", (long long)lr.set, plural(lr.set, "file", "files"), what,
                    (long long)lr.changed);
    }
    return rc;
}
