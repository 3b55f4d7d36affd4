/*
 * cmd_export.c — `cull export xmp`: each image's P(delete) into its XMP sidecar, for the photo
 * tool the user sorts in; logged so `cull undo` restores the sidecars byte for byte.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>

#include "cli/cli.h"
#include "cli/index_options.h"
#include "cli/scored_images.h"
#include "library/actions.h"
#include "media/xmp.h"
#include "safety/sidecar.h"
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
    "your tool still sees the ratings in it. Image files are never written. A sidecar already\n"
    "saying the same is not rewritten.\n"
    "\n"
    "--mark also sets a flag your tool filters on, on images scoring at least --above, and only\n"
    "where you have set none: digiKam's pick label \"pending\" (where there is no pick), a reject\n"
    "(xmp:Rating -1, on unrated images only), or an xmp:Label (where there is none). cull never\n"
    "changes a rating, pick or label of yours. It records the flag it set: the next export takes it\n"
    "back where the image no longer qualifies (or no --mark is given), and cull import xmp never\n"
    "reads it as your decision. A flag you changed since is yours.\n"
    "\n"
    "Every write is atomic (a new file renamed over the sidecar) and logged in the library with\n"
    "the sidecar's bytes before it, so `cull undo` restores each sidecar exactly as it was (one\n"
    "cull created is removed), unless you changed it since.\n"
    "\n"
    "options:\n"
    "  --mark pick|reject|label=TEXT   the flag to set (see above)\n"
    "  --above P            with --mark: flag the images whose P(delete) is at least P (default 0.5)\n"
    "  --all                also labelled images\n"
    "  --dry-run            write nothing: the counts, then P_DELETE<TAB>CHANGE<TAB>SIDECAR per image\n"
    "                       (CHANGE: update, create or same; +mark when the flag is set, +yours\n"
    "                       when your own value keeps it off)\n"
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
    int64_t update, create, same, marked, yours, failed;
} export_counts;

/* One image: its sidecar's new bytes (*out, g_free), where they go, and what changes. The
   sidecar's bytes before are in *before (free) when it exists. 0, or −1 reported. */
static int plan_one(xmp_folder *folder, const scored_image *it, const xmp_export *e, char *sidecar, int *exists,
                    char **before, size_t *before_len, char **out, size_t *out_len, xmp_export_result *res)
{
    char err[FS_PATH_MAX + 256];
    *before = NULL, *out = NULL;
    if (xmp_sidecar_to_write(folder, it->path, sidecar, exists, err, sizeof err) ||
        (*exists && sidecar_read(sidecar, before, before_len, err, sizeof err) < 0)) {
        cli_error("%s", err);
        return -1;
    }
    char *start = NULL;
    size_t start_len = 0;
    xmp_marks ignored;
    char why[256];
    if (*exists) start = *before, start_len = *before_len;
    else if (xmp_embedded_packet(it->path, &start, &start_len) == 1 &&
             xmp_marks_from_packet(start, start_len, &ignored, why, sizeof why) != 0) {
        g_free(start);   /* an embedded packet that does not parse: the new sidecar starts empty */
        start = NULL;
    }
    xmp_export mine = *e;
    mine.p_delete = it->p;
    if (mine.mark != XMP_MARK_NONE && it->p < e->p_delete) mine.mark = XMP_MARK_NONE;   /* e->p_delete: --above */
    int rc = xmp_export_packet(start, start_len, &mine, out, out_len, res, why, sizeof why);
    if (!*exists) g_free(start);
    if (rc) {
        fputs("cull: ", stderr);
        fwrite(*exists ? sidecar : it->path, 1, strlen(*exists ? sidecar : it->path), stderr);
        fprintf(stderr, ": %s%s\n", *exists ? "" : "embedded ", why);
        free(*before);
        *before = NULL;
    }
    return rc;
}

/* Plans (batch 0: counts, and with list prints the records) or writes every image. */
static void export_all(library *lib, const scored_image *items, size_t n, const xmp_export *e, int64_t batch, int list, int nul,
                       export_counts *c)
{
    memset(c, 0, sizeof *c);
    xmp_folder folder = {0};
    for (size_t i = 0; i < n; i++) {
        char sidecar[FS_PATH_MAX], *before, *out;
        size_t before_len = 0, out_len = 0;
        int exists;
        xmp_export_result res;
        if (plan_one(&folder, &items[i], e, sidecar, &exists, &before, &before_len, &out, &out_len, &res)) {
            c->failed++;
            continue;
        }
        char err[FS_PATH_MAX + 256];
        if (batch && res.changed &&
            sidecar_write(lib, batch, sidecar, exists, before, before_len, out, out_len, err, sizeof err)) {
            cli_error("%s", err);
            c->failed++;
        } else {
            *(!res.changed ? &c->same : exists ? &c->update : &c->create) += 1;
            c->marked += res.marked && res.changed;
            c->yours += res.refused;
        }
        if (list) {
            printf("%.6f\t%s%s%s\t", items[i].p, !res.changed ? "same" : exists ? "update" : "create",
                   res.marked ? "+mark" : "", res.refused ? "+yours" : "");
            cli_put_record_path(stdout, sidecar, nul);
            cli_end_record(stdout, nul);
        }
        free(before);
        g_free(out);
    }
    xmp_folder_free(&folder);
}

static void print_counts(const export_counts *c, const char *verb)
{
    fprintf(stderr, "%s %lld %s (%lld new)", verb, (long long)(c->update + c->create),
            plural(c->update + c->create, "sidecar", "sidecars"), (long long)c->create);
    if (c->marked) fprintf(stderr, ", %lld flagged", (long long)c->marked);
    if (c->same) fprintf(stderr, "; %lld already up to date", (long long)c->same);
    if (c->yours) fprintf(stderr, "; %lld kept your own flag", (long long)c->yours);
    if (c->failed) fprintf(stderr, "; %lld failed (named above)", (long long)c->failed);
    fputc('\n', stderr);
}

static int parse_mark(const char *text, xmp_export *e)
{
    if (strcmp(text, "pick") == 0) e->mark = XMP_MARK_PICK;
    else if (strcmp(text, "reject") == 0) e->mark = XMP_MARK_REJECT;
    else if (strncmp(text, "label=", 6) == 0 && text[6] && strlen(text + 6) < 64 && g_utf8_validate(text + 6, -1, NULL))
        e->mark = XMP_MARK_LABEL, e->label = text + 6;
    else return -1;
    return 0;
}

static int run_export(int argc, char **argv, const cli_globals *g)
{
    static const struct option LONG[] = {
        {"mark", required_argument, 0, 'm'},    {"above", required_argument, 0, 'a'},
        {"all", no_argument, 0, 'A'},           {"dry-run", no_argument, 0, 'n'},
        {"null", no_argument, 0, 'z'},          {"yes", no_argument, 0, 'y'},
        {"encoder", required_argument, 0, 'e'}, {"no-index", no_argument, 0, 'N'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    const char *name = NULL;
    int dry_run = 0, nul = 0, yes = 0, no_index = 0, above_given = 0;
    xmp_export e = {.p_delete = 0.5};
    int all = 0;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "nzy", LONG, NULL)) != -1) {   /* options before or after "xmp" */
        char *end;
        switch (c) {
        case 'm':
            if (parse_mark(optarg, &e))
                return cli_usage_error(&cmd_export, "--mark is pick, reject or label=TEXT (UTF-8, under 64 bytes), not '%s'",
                                       optarg);
            break;
        case 'a':
            e.p_delete = strtod(optarg, &end);
            if (*end || end == optarg || !(e.p_delete >= 0 && e.p_delete <= 1))
                return cli_usage_error(&cmd_export, "--above wants a P(delete) from 0 to 1");
            above_given = 1;
            break;
        case 'A': all = 1; break;
        case 'n': dry_run = 1; break;
        case 'z': nul = 1; break;
        case 'y': yes = 1; break;
        case 'e': name = optarg; break;
        case 'N': no_index = 1; break;
        case 'h': return cli_help(&cmd_export);
        default: return cli_usage_error(&cmd_export, "unknown option");
        }
    }
    if (optind >= argc) return cli_usage_error(&cmd_export, "export what? (cull export xmp)");
    if (strcmp(argv[optind], "xmp")) return cli_usage_error(&cmd_export, "cull exports to xmp, not '%s'", argv[optind]);
    optind++;
    if (above_given && e.mark == XMP_MARK_NONE) return cli_usage_error(&cmd_export, "--above goes with --mark");
    if (nul && !dry_run) return cli_usage_error(&cmd_export, "-z goes with --dry-run");
    if (dry_run && yes) return cli_usage_error(&cmd_export, "--dry-run writes nothing: --yes has nothing to allow");

    char id[96], date[32], model_text[192];
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    cull_model model;
    if ((!no_index && optind < argc && index_cli_new_under(lib, name, argv + optind, argc - optind)) ||
        cli_prepare_encoder(lib, name, 1, no_index, id, sizeof id) || cli_current_model(lib, id, 0, &model, NULL)) {
        library_close(lib);
        return EXIT_SOME_FAILED;
    }
    scored_image *items;
    size_t n;
    int rc = scored_images_read(lib, id, &model, argv + optind, argc - optind, all, &items, &n) ? EXIT_SOME_FAILED
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
        export_all(lib, items, n, &e, 0, dry_run, nul, &plan);
        int64_t writes = plan.update + plan.create;
        if (dry_run) {
            print_counts(&plan, "would write");
        } else if (writes == 0) {
            print_counts(&plan, "wrote");
        } else if (!yes && !isatty(STDIN_FILENO)) {
            cli_error("%lld %s would be written, and there is no terminal to ask: nothing written (cull export xmp "
                      "--dry-run lists them; --yes writes them)", (long long)writes, plural(writes, "sidecar", "sidecars"));
            rc = EXIT_USAGE;
        } else {
            int go = yes;
            if (!go) {
                fprintf(stderr, "write cull's scores into %lld %s (%lld new)? [y/N] ", (long long)writes,
                        plural(writes, "sidecar", "sidecars"), (long long)plan.create);
                char line[16];
                go = fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y');
            }
            int64_t batch = go && sidecar_reconcile(lib) >= 0 ? library_new_batch(lib) : 0;
            if (!go) {
                fprintf(stderr, "nothing written\n");
            } else if (batch <= 0) {
                cli_error("library: %s", library_error(lib));
                rc = EXIT_SOME_FAILED;
            } else {
                export_all(lib, items, n, &e, batch, 0, 0, &done);
                print_counts(&done, "wrote");
                if (done.update + done.create) fprintf(stderr, "`cull undo` restores them as they were\n");
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
