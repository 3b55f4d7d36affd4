/*
 * cmd_export.c — `cull export xmp`: each image's P(delete) into its XMP sidecar, for the photo
 * tool the user sorts in; logged so `cull undo` restores the sidecars byte for byte.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>

#include "cli/cli.h"
#include "cli/index_options.h"
#include "cli/options.h"
#include "cli/scored_images.h"
#include "library/actions.h"
#include "media/xmp.h"
#include "safety/xmp_write.h"
#include "util/fsutil.h"
#include "util/plural.h"

static int run_export(int argc, char **argv, const cli_globals *g);

const cli_command cmd_export = {
    "export",
    "write each image's P(delete) into its XMP sidecar, for darktable, digiKam or Lightroom",
    "usage: cull export xmp [OPTIONS] [PATH...]\n"
    "\n"
    "Writes what the model says of each unlabelled image (at or under PATH, indexed first when new,\n"
    "as rank does) into its XMP sidecar, so the photo tool you sort in can show and filter it:\n"
    "cull:PDelete (0-1), cull:Model and cull:Date, in cull's own namespace\n"
    "(" XMP_NS_CULL "). The sidecar is the one the image has (IMG_1234.CR2.xmp, or\n"
    "Adobe's IMG_1234.xmp, which beside a RAW+JPEG pair is the RAW's), with every other property\n"
    "kept; else a new one named in the folder's style, starting from the image's embedded XMP so\n"
    "your tool still sees the ratings in it. A sidecar already saying the same is not rewritten.\n"
    "With --embedded, an image that has no sidecar and is a JPEG, PNG, TIFF or WebP gets the\n"
    "properties in its own XMP packet instead (for tools that read only that: Lightroom with\n"
    "JPEGs); the image as it was goes to the Trash, so undo can put it back byte for byte.\n"
    "Image files are written only then, and camera RAW files never.\n"
    "\n"
    "--mark also sets a flag your tool filters on, on images scoring at least --above, and only\n"
    "where you have set none: digiKam's pick label \"pending\" (where there is no pick), a reject\n"
    "(xmp:Rating -1, on unrated images only), or an xmp:Label (where there is none). cull never\n"
    "changes a rating, pick or label of yours. It records the flag it set: the next export takes it\n"
    "back where the image no longer qualifies (or no --mark is given), and cull import xmp never\n"
    "reads it as your decision. A flag you changed since is yours.\n"
    "\n"
    "Every write is atomic (a new file renamed over the old) and logged in the library with what\n"
    "was there before, so `cull undo` restores each file exactly as it was (a sidecar cull created\n"
    "is removed), unless you changed it since.\n"
    "\n"
    "options:\n"
    "  --mark pick|reject|label=TEXT   the flag to set (see above)\n"
    "  --above P            with --mark: flag the images whose P(delete) is at least P (default 0.5)\n"
    "  --all                also labelled images\n"
    "  --embedded           images without a sidecar: into the image's own XMP (see above);\n"
    "                       unlabelled images only\n"
    "  --dry-run            write nothing: the counts, then P_DELETE<TAB>CHANGE<TAB>SIDECAR per image\n"
    "                       (CHANGE: update, create, embed (the image itself) or same; +mark when\n"
    "                       the flag is set, +yours when your own value keeps it off)\n"
    "  -z, --null           --dry-run records end in NUL, paths raw\n"
    "  --yes                write without asking. Without it export asks on the terminal, and where\n"
    "                       there is none (a script, cron) it writes nothing and says so\n"
    "  --encoder NAME       whose model to use (default: the library's)\n"
    "  --no-index           index and embed nothing: fail, saying what is missing, instead\n"
    "\n"
    CLI_HELP_RECORDS
    "\n"
    "exit status: 0 done, 1 some sidecars could not be written (named on stderr) or the library\n"
    "failed, 2 usage error, or no terminal to ask and no --yes (nothing written)\n"
    "\n"
    "examples:\n"
    "  cull export xmp --dry-run ~/Pictures/2024 | sort -rn | head\n"
    "  cull export xmp --yes --mark reject --above 0.9 ~/Pictures/incoming\n"
    "  cull export xmp --mark label=cull ~/Pictures   # darktable: filter on the colour label\n",
    run_export,
    CLI_NEEDS_MEDIA,
};

static int by_path(const void *a, const void *b)
{
    return strcmp(((const scored_image *)a)->path, ((const scored_image *)b)->path);
}

typedef struct {
    int64_t update, create, embed, same, marked, yours, failed;
} export_counts;

/* Where one image's XMP goes and what it becomes. */
typedef struct {
    char path[FS_PATH_MAX];    /* the sidecar, or (embedded) the image */
    int embedded;              /* into the image's own packet */
    int exists;                /* a sidecar that is there */
    char *before;              /* its bytes (g_free) */
    size_t before_len;
    char *out;                 /* the new sidecar or packet (g_free) */
    size_t out_len;
    xmp_export_result res;
} export_target;

static void target_free(export_target *t)
{
    g_free(t->before);
    g_free(t->out);
}

/* One image: where its XMP goes, and the new bytes. 0, or −1 reported. */
static int plan_one(xmp_folder *folder, const scored_image *it, const xmp_export *e, int embed, export_target *t)
{
    char err[FS_PATH_MAX + 256], why[256];
    memset(t, 0, sizeof *t);
    if (xmp_sidecar_to_write(folder, it->path, t->path, &t->exists, err, sizeof err) ||
        (t->exists && xmp_read_sidecar(t->path, &t->before, &t->before_len, err, sizeof err) < 0)) {
        cli_error("%s", err);
        return -1;
    }
    char *start = t->before;
    size_t start_len = t->before_len;
    xmp_marks ignored;
    t->embedded = !t->exists && embed && xmp_can_embed(it->path);
    if (t->embedded) snprintf(t->path, sizeof t->path, "%s", it->path);
    if (!t->exists && xmp_embedded_packet(it->path, &start, &start_len) == 1 && !t->embedded &&
        xmp_marks_from_packet(start, start_len, &ignored, why, sizeof why) != 0) {
        g_free(start);   /* an embedded packet that does not parse: a new sidecar starts empty */
        start = NULL;
    }
    xmp_export mine = *e;
    mine.p_delete = it->p;
    if (mine.mark != XMP_MARK_NONE && it->p < e->p_delete) mine.mark = XMP_MARK_NONE;   /* e->p_delete: --above */
    int rc = xmp_export_packet(start, start_len, &mine, &t->out, &t->out_len, &t->res, why, sizeof why);
    if (!t->exists) g_free(start);
    if (rc) {
        fputs("cull: ", stderr);
        fwrite(t->path, 1, strlen(t->path), stderr);
        fprintf(stderr, ": %s%s\n", t->embedded ? "embedded " : "", why);
        target_free(t);
    }
    return rc;
}

/* Plans (batch 0: counts, and with list prints the records) or writes every image. */
static void export_all(library *lib, const scored_image *items, size_t n, const xmp_export *e, int embed, int64_t batch,
                       int list, int nul, export_counts *c)
{
    memset(c, 0, sizeof *c);
    xmp_folder folder = {0};
    for (size_t i = 0; i < n; i++) {
        export_target t;
        if (plan_one(&folder, &items[i], e, embed, &t)) {
            c->failed++;
            continue;
        }
        char err[FS_PATH_MAX + 700];
        int failed = batch && t.res.changed &&
                     (t.embedded ? xmp_write_embedded(lib, batch, t.path, items[i].sha256, t.out, t.out_len, err, sizeof err)
                                 : xmp_write_sidecar(lib, batch, t.path, t.exists, t.before, t.before_len, t.out,
                                                     t.out_len, err, sizeof err));
        const char *change = !t.res.changed ? "same" : t.embedded ? "embed" : t.exists ? "update" : "create";
        if (failed) {
            cli_error("%s", err);
            c->failed++;
        } else {
            *(!t.res.changed ? &c->same : t.embedded ? &c->embed : t.exists ? &c->update : &c->create) += 1;
            c->marked += t.res.marked && t.res.changed;
            c->yours += t.res.refused;
        }
        if (list) {
            printf("%.6f\t%s%s%s\t", items[i].p, change, t.res.marked ? "+mark" : "", t.res.refused ? "+yours" : "");
            cli_put_record_path(stdout, t.path, nul);
            cli_end_record(stdout, nul);
        }
        target_free(&t);
    }
    xmp_folder_free(&folder);
}

static void print_counts(const export_counts *c, const char *verb)
{
    fprintf(stderr, "%s %lld %s (%lld new)", verb, (long long)(c->update + c->create),
            plural(c->update + c->create, "sidecar", "sidecars"), (long long)c->create);
    if (c->embed) fprintf(stderr, " and the XMP in %lld %s", (long long)c->embed, plural(c->embed, "image", "images"));
    if (c->marked) fprintf(stderr, ", %lld flagged", (long long)c->marked);
    if (c->same) fprintf(stderr, "; %lld already up to date", (long long)c->same);
    if (c->yours) fprintf(stderr, "; %lld kept your own flag", (long long)c->yours);
    if (c->failed) fprintf(stderr, "; %lld failed (named above)", (long long)c->failed);
    fputc('\n', stderr);
}

static int parse_mark(void *value, const char *text)
{
    xmp_export *e = value;
    if (strcmp(text, "pick") == 0) e->mark = XMP_MARK_PICK;
    else if (strcmp(text, "reject") == 0) e->mark = XMP_MARK_REJECT;
    else if (strncmp(text, "label=", 6) == 0 && text[6] && strlen(text + 6) < 64 && g_utf8_validate(text + 6, -1, NULL))
        e->mark = XMP_MARK_LABEL, e->label = text + 6;
    else return -1;
    return 0;
}

static int run_export(int argc, char **argv, const cli_globals *g)
{
    const char *name = NULL;
    int dry_run = 0, nul = 0, yes = 0, no_index = 0, embed = 0, all = 0, optind;
    double above = NAN;
    xmp_export e = {.p_delete = 0.5};
    const cli_option options[] = {
        OPTION_CALL("mark", 0, &e, parse_mark, "pick, reject or label=TEXT (UTF-8, under 64 bytes)"),
        OPTION_REAL("above", 0, &above, 0, 0, 1, "a P(delete) from 0 to 1"),
        OPTION_FLAG("all", 0, &all),
        OPTION_FLAG("embedded", 0, &embed),
        OPTION_FLAG("dry-run", 'n', &dry_run),
        OPTION_FLAG("null", 'z', &nul),
        OPTION_FLAG("yes", 'y', &yes),
        OPTION_STRING("encoder", 0, &name),
        OPTION_FLAG("no-index", 0, &no_index),
        OPTION_END,
    };
    int rc = cli_parse_options(&cmd_export, options, argc, argv, &optind);
    if (rc != CLI_PARSED) return rc;
    if (optind >= argc) return cli_usage_error(&cmd_export, "export what? (cull export xmp)");
    if (strcmp(argv[optind], "xmp")) return cli_usage_error(&cmd_export, "cull exports to xmp, not '%s'", argv[optind]);
    optind++;
    if (!isnan(above) && e.mark == XMP_MARK_NONE) return cli_usage_error(&cmd_export, "--above goes with --mark");
    if (!isnan(above)) e.p_delete = above;
    if (nul && !dry_run) return cli_usage_error(&cmd_export, "-z goes with --dry-run");
    if (embed && all)
        return cli_usage_error(&cmd_export, "--embedded rewrites image files, and cull knows labelled images by their "
                                            "content: it is for unlabelled images (no --all)");
    if (dry_run && yes) return cli_usage_error(&cmd_export, "--dry-run writes nothing: --yes has nothing to allow");

    char id[96], date[32], model_text[192];
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    cull_model model;
    if ((!no_index && optind < argc && index_cli_new_under(lib, name, argv + optind, argc - optind)) ||
        cli_prepare_encoder(lib, name, 1, no_index, id, sizeof id) || cli_current_model(lib, name, id, 0, &model, NULL)) {
        library_close(lib);
        return EXIT_SOME_FAILED;
    }
    scored_image *items;
    size_t n;
    rc = scored_images_read(lib, id, &model, argv + optind, argc - optind, all, &items, &n) ? EXIT_SOME_FAILED
                                                                                           : EXIT_OK;
    if (rc == EXIT_OK && xmp_start()) {
        cli_error("exempi (the XMP toolkit) cannot start");
        rc = EXIT_SOME_FAILED;
    }
    if (rc == EXIT_OK) {
        if (n) qsort(items, n, sizeof *items, by_path);   /* folder by folder: one listing each */
        time_t now = time(NULL);
        struct tm tm;
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
        snprintf(model_text, sizeof model_text, "%s on %s, %d labels", cull_model_kind_name(model.kind),
                 model.encoder_id, model.n_keep + model.n_delete);
        e.model = model_text, e.date = date;
        export_counts plan, done;
        export_all(lib, items, n, &e, embed, 0, dry_run, nul, &plan);
        int64_t writes = plan.update + plan.create + plan.embed;
        if (dry_run) {
            print_counts(&plan, "would write");
        } else if (writes == 0) {
            print_counts(&plan, "wrote");
        } else if (!yes && !isatty(STDIN_FILENO)) {
            cli_error("%lld %s would be written, and there is no terminal to ask: nothing written (cull export xmp "
                      "--dry-run lists them; --yes writes them)", (long long)writes, plural(writes, "file", "files"));
            rc = EXIT_USAGE;
        } else {
            int go = yes;
            if (!go) {
                fprintf(stderr, "write cull's scores into %lld %s (%lld new sidecars, %lld images)? [y/N] ",
                        (long long)writes, plural(writes, "file", "files"), (long long)plan.create, (long long)plan.embed);
                char line[16];
                go = fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y');
            }
            int locked = go && library_lock_changes(lib) == 0;
            /* A new batch after a killed apply's would put this export before that apply's
               remaining moves in undo's order: the apply is finished (or undone) first. */
            int apply_unfinished = locked && library_unfinished_batch(lib) != 0;
            int64_t batch = locked && !apply_unfinished && xmp_write_reconcile(lib) >= 0 ? library_new_batch(lib) : 0;
            if (!go) {
                fprintf(stderr, "nothing written\n");
            } else if (batch <= 0) {
                if (apply_unfinished)
                    cli_error("a move to the Trash was cut short (cull apply or cull dupes --trash-copies): run "
                              "either again (it finishes the move) or cull undo first; nothing written");
                else cli_error("library: %s", library_error(lib));
                rc = EXIT_SOME_FAILED;
            } else {
                export_all(lib, items, n, &e, embed, batch, 0, 0, &done);
                print_counts(&done, "wrote");
                if (done.update + done.create + done.embed)
                    fprintf(stderr, "`cull undo` restores them as they were%s\n",
                            done.embed ? " (each image as it was waits in the Trash)" : "");
                plan.failed = done.failed;
            }
        }
        if (plan.failed) rc = EXIT_SOME_FAILED;
    }
    library_close(lib);
    scored_images_free(items, n);
    cull_model_free(&model);
    xmp_stop();
    return rc;
}
