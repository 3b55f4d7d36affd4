/*
 * cmd_import.c — `cull import xmp|lightroom`: labels from the decisions made in another photo tool.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <glib.h>

#include "cli/cli.h"
#include "cli/index_options.h"
#include "cli/options.h"
#include "library/lightroom.h"
#include "library/image_info.h"
#include "media/media.h"
#include "media/scan.h"
#include "pipeline/importer.h"
#include "util/fsutil.h"
#include "util/plural.h"

static int run_import(int argc, char **argv, const cli_globals *g);

const cli_command cmd_import = {
    "import",
    "labels from darktable, digiKam or Lightroom: XMP ratings, rejects, picks; a Lightroom catalog",
    "usage: cull import xmp [OPTIONS] PATH...\n"
    "       cull import lightroom [OPTIONS] CATALOG.lrcat\n"
    "\n"
    "Labels images from the decisions you made in another photo tool, so cull learns from years of\n"
    "them on day one. A rejected image becomes a delete: xmp:Rating -1 (darktable, Lightroom,\n"
    "ExifTool), digiKam's PickLabel 1, Lightroom's reject flag. An image the keep rule matches\n"
    "becomes a keep. Everything else stays unlabelled. A reject wins over the keep rule.\n"
    "\n"
    "xmp: every image at or under each PATH, indexed first when new (as label does). Its XMP is\n"
    "its sidecar (IMG_1234.CR2.xmp as darktable and digiKam name it, else IMG_1234.xmp as Adobe\n"
    "and Capture One do), else the packet embedded in the image (JPEG, PNG, TIFF, WebP, HEIF).\n"
    "lightroom: every image in a Lightroom Classic catalog, by its pick flag, star rating and\n"
    "colour label; the catalog is only read, never written or locked (Lightroom may stay open).\n"
    "Files it names that are not there are counted and named; only the ones labelled are indexed.\n"
    "\n"
    "A label you set in cull (label, review) is never replaced by an import; one an earlier\n"
    "import set follows the other tool's decision now, and is cleared when there is none. Labels\n"
    "record their source, xmp or lightroom (cull status shows labels by source). A file the\n"
    "catalog names more than once (virtual copies) takes the strongest decision: a reject, then\n"
    "a keep.\n"
    "\n"
    "options:\n"
    "  --keep RULE          what makes a keep: a comma-separated list, any item keeps:\n"
    "                       pick (digiKam PickLabel 3, Lightroom's pick flag), rating>=N (N stars\n"
    "                       or more, 1-5), label=TEXT (xmp:Label, Lightroom's colour label name:\n"
    "                       Red, Green, ...), color=N (digiKam ColorLabel 1-10).\n"
    "                       Default pick,rating>=1: a pick is a keep by definition and a star is\n"
    "                       given to pictures worth finding again, while 0 stars means not yet\n"
    "                       judged, not unwanted\n"
    "  --dry-run            change nothing: the counts first, then LABEL<TAB>WHY<TAB>PATH for each\n"
    "                       image the other tool's decisions would label (labels already set in\n"
    "                       cull, which the real run keeps, are not looked at)\n"
    "  -z, --null           --dry-run records end in NUL, paths raw\n"
    "  --map-root OLD=NEW   lightroom: read the catalog's paths under OLD as under NEW (a catalog\n"
    "                       made on another machine, or a disk mounted elsewhere); repeatable\n"
    "  --encoder NAME       encoder to embed new images with (default: the library's)\n"
    "  --quiet              no progress bar and no summary\n"
    "\n"
    CLI_HELP_RECORDS
    "\n"
    "exit status: 0 done, 1 some files or sidecars failed (named on stderr) or the catalog cannot be\n"
    "read, 2 usage error\n"
    "\n"
    "examples:\n"
    "  cull import xmp --dry-run ~/Pictures/2024 | head\n"
    "  cull import xmp --keep pick,rating>=3 ~/Pictures\n"
    "  cull import lightroom --map-root 'C:/Users/me/Pictures=/home/me/Pictures' Lightroom.lrcat\n",
    run_import,
    CLI_NEEDS_MEDIA,
};

typedef struct {
    import_rule rule;
    const char *source;        /* "xmp" or "lightroom": recorded with the labels */
    int dry_run, nul, quiet;
    char **maps;
    int n_maps;
    GHashTable *decided;       /* lightroom: absolute path → its import_decision (owned) */
    GPtrArray *roots;          /* lightroom: the files to index and label */
    GHashTable *missing;       /* lightroom: the catalog's paths not found, each named once */
    GString *records;          /* --dry-run: the lines, printed after the counts */
    int64_t keep, del, none, no_xmp, failed, not_found, not_images, kept_cull, cleared;
} import_run;

static int set_by_import(const library_image *img)
{
    return !strcmp(img->label_source, "xmp") || !strcmp(img->label_source, "lightroom");
}

/* One decision: counted, and printed (--dry-run) or stored. A label an earlier import set follows
   the decision now, cleared when there is none; a label set in cull stands. */
static int apply_decision(import_run *r, library *lib, const char *path, int64_t image_id, const import_decision *d)
{
    library_image img;
    int found = r->dry_run || image_id <= 0 ? 0 : library_image_get(lib, image_id, &img);
    if (found < 0) return -1;
    if (d->label == LABEL_NONE) {
        if (!strcmp(d->why, "no XMP")) r->no_xmp++;
        else r->none++;
        if (found && img.label != LABEL_NONE && set_by_import(&img)) {
            if (library_set_label(lib, image_id, LABEL_NONE, r->source)) return -1;
            r->cleared++;
        }
        return 0;
    }
    if (r->dry_run) {
        g_string_append_printf(r->records, "%s\t%s\t", d->label == LABEL_KEEP ? "keep" : "delete", d->why);
        char *quoted = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&quoted, &len);
        if (f) {
            cli_put_record_path(f, path, r->nul);
            cli_end_record(f, r->nul);
            fclose(f);
            g_string_append_len(r->records, quoted, (gssize)len);
        }
        free(quoted);
    } else {
        if (found && img.label != LABEL_NONE && !set_by_import(&img)) {
            r->kept_cull++;
            return 0;
        }
        if (library_set_label(lib, image_id, d->label, r->source)) return -1;
    }
    if (d->label == LABEL_KEEP) r->keep++;
    else r->del++;
    return 0;
}

/* ---- xmp ---- */

static int decide_xmp(import_run *r, library *lib, const char *path, int64_t image_id)
{
    xmp_marks m;
    char err[600];
    if (xmp_marks_of_image(path, &m, NULL, err, sizeof err)) {
        cli_error("%s: %s", path, err);
        r->failed++;
        return 0;
    }
    import_decision d;
    import_decide(&m, &r->rule, &d);
    if (apply_decision(r, lib, path, image_id, &d)) {
        cli_error("library: %s", library_error(lib));
        return -1;
    }
    return 0;
}

static int on_indexed_xmp(library *lib, const char *path, int64_t image_id, void *ctx)
{
    return decide_xmp(ctx, lib, path, image_id);
}

static void on_walked(const char *path, const struct stat *st, int explicit, void *ctx)
{
    (void)st;
    if (explicit || media_file_is_image(path)) decide_xmp(ctx, NULL, path, 0);
}

static void on_walk_problem(const char *path, const char *reason, void *ctx)
{
    import_run *r = ctx;
    cli_error("%s: %s", path, reason);
    r->failed++;
}

/* ---- lightroom ---- */

/* A catalog may name one file several times (virtual copies): a reject wins, then a keep. */
static int stronger(const import_decision *a, const import_decision *b)
{
    int rank_a = a->label == LABEL_DELETE ? 2 : a->label == LABEL_KEEP, rank_b = b->label == LABEL_DELETE ? 2 : b->label == LABEL_KEEP;
    return rank_a > rank_b;
}

static int on_catalog_image(const lightroom_image *im, void *ctx)
{
    import_run *r = ctx;
    char mapped[FS_PATH_MAX], abs[FS_PATH_MAX];
    struct stat st;
    if (import_map_root(im->path, r->maps, r->n_maps, mapped, sizeof mapped) ||
        fs_absolute(mapped, abs, sizeof abs) || stat(abs, &st) != 0) {
        if (g_hash_table_contains(r->missing, im->path)) return 0;   /* a virtual copy of it */
        g_hash_table_add(r->missing, g_strdup(im->path));
        fprintf(stderr, "cull: not found: ");
        cli_put_path(stderr, im->path);
        if (r->n_maps && strcmp(mapped, im->path)) fprintf(stderr, " (as %s)", mapped);
        fputc('\n', stderr);
        r->not_found++;
        return 0;
    }
    if (!media_file_is_image(abs)) {   /* a catalog holds videos too */
        r->not_images++;
        return 0;
    }
    xmp_marks m = {.has_rating = im->rating > 0, .rating = im->rating,
                   .pick = im->pick > 0 ? XMP_PICK_ACCEPTED : im->pick < 0 ? XMP_PICK_REJECTED : XMP_PICK_NONE};
    snprintf(m.label, sizeof m.label, "%s", im->color_label);
    snprintf(m.source, sizeof m.source, "catalog");
    import_decision *d = g_new(import_decision, 1), *had = g_hash_table_lookup(r->decided, abs);
    import_decide(&m, &r->rule, d);
    if (had && !stronger(d, had)) g_free(d);
    else g_hash_table_replace(r->decided, g_strdup(abs), d);
    return 0;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* After the catalog is read: each file once, in path order. The ones to label become the roots of
   an index run (on_indexed_catalog); the others are counted, and on a real run a label an earlier
   import gave them is cleared. */
static int settle_catalog(import_run *r, library *lib)
{
    guint n;
    char **paths = (char **)g_hash_table_get_keys_as_array(r->decided, &n);
    qsort(paths, n, sizeof *paths, by_path);
    int rc = 0;
    for (guint i = 0; i < n && rc == 0; i++) {
        const import_decision *d = g_hash_table_lookup(r->decided, paths[i]);
        if (d->label != LABEL_NONE && !r->dry_run) g_ptr_array_add(r->roots, g_strdup(paths[i]));
        else if (lib || r->dry_run) {
            int64_t id = lib ? library_image_at(lib, paths[i]) : 0;
            rc = id < 0 ? -1 : apply_decision(r, lib, paths[i], id, d);
        }
    }
    g_free(paths);
    return rc;
}

static int on_indexed_catalog(library *lib, const char *path, int64_t image_id, void *ctx)
{
    import_run *r = ctx;
    import_decision *d = g_hash_table_lookup(r->decided, path);
    if (!d || d->label == LABEL_NONE) return 0;   /* a file beside the named ones, or settled already */
    int rc = apply_decision(r, lib, path, image_id, d);
    d->label = LABEL_NONE;                       /* one label per file, however many times it is seen */
    if (rc) cli_error("library: %s", library_error(lib));
    return rc ? -1 : 0;
}

/* ---- the command ---- */

static void print_counts(const import_run *r, FILE *f)
{
    int64_t total = r->keep + r->del + r->none + r->no_xmp + r->kept_cull;
    fprintf(f, "%lld %s: %lld %s keep, %lld delete, %lld left unlabelled", (long long)total,
            plural(total, "image", "images"), (long long)r->keep, r->dry_run ? "would be" : "labelled",
            (long long)r->del, (long long)(r->none + r->no_xmp));
    if (r->no_xmp) fprintf(f, " (%lld without XMP)", (long long)r->no_xmp);
    if (r->cleared) fprintf(f, "; %lld labels an earlier import set cleared", (long long)r->cleared);
    if (r->kept_cull) fprintf(f, "; %lld labelled in cull kept their label", (long long)r->kept_cull);
    if (r->not_images) fprintf(f, "; %lld in the catalog not images (videos)", (long long)r->not_images);
    if (r->not_found) fprintf(f, "; %lld in the catalog not found", (long long)r->not_found);
    if (r->failed) fprintf(f, "; %lld failed", (long long)r->failed);
    fputc('\n', f);
}

/* --map-root OLD=NEW, repeatable: r->maps has room for one per argument. */
static int add_map_root(void *value, const char *arg)
{
    import_run *r = value;
    if (!strchr(arg, '=') || arg[0] == '=') return -1;
    r->maps[r->n_maps++] = (char *)arg;
    return 0;
}

static int run_import(int argc, char **argv, const cli_globals *g)
{
    import_run r = {.source = "xmp"};
    const char *keep = IMPORT_DEFAULT_RULE, *encoder_name = NULL;
    char err[600];
    r.maps = calloc((size_t)argc + 1, sizeof *r.maps);
    if (!r.maps) return EXIT_SOME_FAILED;
    int optind;
    const cli_option options[] = {
        OPTION_STRING("keep", 0, &keep),
        OPTION_FLAG("dry-run", 0, &r.dry_run),
        OPTION_FLAG("null", 'z', &r.nul),
        OPTION_CALL("map-root", 0, &r, add_map_root, "OLD=NEW"),
        OPTION_STRING("encoder", 0, &encoder_name),
        OPTION_FLAG("quiet", 'q', &r.quiet),
        OPTION_END,
    };
    int rc = cli_parse_options(&cmd_import, options, argc, argv, &optind);
    if (rc != CLI_PARSED) {
        free(r.maps);
        return rc;
    }
    rc = EXIT_OK;
    const char *what = optind < argc ? argv[optind] : "";
    int lightroom = !strcmp(what, "lightroom");
    if (rc == EXIT_OK && strcmp(what, "xmp") && !lightroom)
        rc = cli_usage_error(&cmd_import, "say what to import from: xmp PATH... or lightroom CATALOG.lrcat");
    else if (rc == EXIT_OK && argc - optind < 2)
        rc = cli_usage_error(&cmd_import, "%s", lightroom ? "name the catalog (a .lrcat file)" : "name the folders or files");
    else if (rc == EXIT_OK && lightroom && argc - optind > 2)
        rc = cli_usage_error(&cmd_import, "one catalog at a time");
    else if (rc == EXIT_OK && r.n_maps && !lightroom)
        rc = cli_usage_error(&cmd_import, "--map-root goes with lightroom");
    else if (rc == EXIT_OK && r.nul && !r.dry_run)
        rc = cli_usage_error(&cmd_import, "-z goes with --dry-run");
    else if (rc == EXIT_OK && import_rule_parse(keep, &r.rule, err, sizeof err))
        rc = cli_usage_error(&cmd_import, "--keep: %s", err);
    if (rc != EXIT_OK) {
        free(r.maps);
        return rc;
    }
    if (lightroom) r.source = "lightroom";
    char **paths = argv + optind + 1;
    int n_paths = argc - optind - 1;
    if (xmp_start()) {
        cli_error("the XMP toolkit (exempi) did not start");
        free(r.maps);
        return EXIT_SOME_FAILED;
    }
    r.records = g_string_new(NULL);
    r.decided = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    r.roots = g_ptr_array_new_with_free_func(g_free);
    r.missing = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    library *lib = NULL;
    if (lightroom && lightroom_each_image(paths[0], on_catalog_image, &r, err, sizeof err)) {
        cli_error("%s: %s", paths[0], err);
        rc = EXIT_SOME_FAILED;
    } else if (!lightroom && r.dry_run) {
        scan_callbacks cb = {on_walked, on_walk_problem, &r, NULL};
        for (int i = 0; i < n_paths; i++) scan_root(paths[i], &cb);
    }
    if (rc == EXIT_OK && lightroom && r.dry_run) settle_catalog(&r, NULL);
    if (rc == EXIT_OK && !r.dry_run && !(lib = cli_open_library(g, LIBRARY_CREATE))) rc = EXIT_SOME_FAILED;
    if (lib && lightroom && settle_catalog(&r, lib)) {
        cli_error("library: %s", library_error(lib));
        rc = EXIT_SOME_FAILED;
    }
    if (lib && (!lightroom || r.roots->len)) {
        index_cli ic = {.encoder = encoder_name, .quiet = 1,
                        .index = {.jobs = cli_default_jobs(), .max_pixels = MEDIA_DEFAULT_MAX_PIXELS,
                                  .max_bytes = MEDIA_DEFAULT_MAX_BYTES, .show_progress = !r.quiet,
                                  .on_file = lightroom ? on_indexed_catalog : on_indexed_xmp, .ctx = &r}};
        int irc = lightroom ? index_cli_run(lib, &ic, (char *const *)r.roots->pdata, (int)r.roots->len, NULL)
                            : index_cli_run(lib, &ic, paths, n_paths, NULL);
        if (irc) rc = EXIT_SOME_FAILED;
    }
    if (lib) library_close(lib);
    int read = !(lightroom && rc != EXIT_OK && !lib);   /* the catalog could be read */
    if (r.dry_run && read) {
        print_counts(&r, stdout);
        fwrite(r.records->str, 1, r.records->len, stdout);
    } else if (!r.quiet && read) {
        print_counts(&r, stderr);
    }
    if (r.failed) rc = EXIT_SOME_FAILED;   /* files the catalog names that are gone are only named */
    g_string_free(r.records, TRUE);
    g_hash_table_destroy(r.decided);
    g_ptr_array_free(r.roots, TRUE);
    g_hash_table_destroy(r.missing);
    xmp_stop();
    free(r.maps);
    return rc;
}
