/*
 * main.c — `cull [--db PATH] COMMAND ...`: global options, then one subcommand from the table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "cli/cli.h"
#include "media/media.h"
#include "nn/gemm_bf16.h"
#include "util/blas_setup.h"

#define CULL_VERSION "0.1.0"

static const cli_command *const COMMANDS[] = {
    &cmd_index, &cmd_label, &cmd_train, &cmd_rank, &cmd_apply, &cmd_undo, &cmd_embed, &cmd_status, &cmd_model,
    &cmd_review,
    &cmd_dupes, &cmd_suspects,
    &cmd_report,
};
#define N_COMMANDS (sizeof COMMANDS / sizeof *COMMANDS)

static void print_help(FILE *f)
{
    fprintf(f,
            "cull — learn which images you keep and which you delete, and show the likely deletes first\n"
            "\n"
            "usage: cull [--db PATH] COMMAND [OPTIONS] [ARGS]\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-8s %s\n", COMMANDS[i]->name, COMMANDS[i]->summary);
    fprintf(f,
            "\n"
            "options:\n"
            "  --db PATH    the library file (default: $CULL_DB, else $XDG_DATA_HOME/cull/library.db,\n"
            "               else ~/.local/share/cull/library.db)\n"
            "  --help       this text; `cull COMMAND --help` for one command\n"
            "  --version    print the version\n"
            "\n"
            "cull never destroys a file: apply moves files to the Trash, logged, and undo puts them back.\n");
}

/* --db, else $CULL_DB, else the XDG data folder. */
static const char *default_db_path(char *buf, size_t cap)
{
    const char *env = getenv("CULL_DB");
    if (env && *env) return env;
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg && *xdg == '/') {
        snprintf(buf, cap, "%s/cull/library.db", xdg);
        return buf;
    }
    const char *home = getenv("HOME");
    snprintf(buf, cap, "%s/.local/share/cull/library.db", home && *home ? home : ".");
    return buf;
}

int main(int argc, char **argv)
{
    blas_setup(argv);
    cli_globals g = {0};
    char dbbuf[4096];
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help(stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            const char *bf16 = nn_bf16_native_isa();
            printf("cull %s (libvips %s, OpenBLAS kernels %s, ViT in %s%s)\n", CULL_VERSION, vips_version_string(),
                   blas_core_name(), bf16 ? "bf16, oneDNN " : "float32: no native bf16 kernel", bf16 ? bf16 : "");
            return EXIT_OK;
        } else if (strcmp(argv[i], "--db") == 0 || strncmp(argv[i], "--db=", 5) == 0) {
            g.db_path = argv[i][4] == '=' ? argv[i] + 5 : i + 1 < argc ? argv[++i] : "";
            if (!*g.db_path) {
                fprintf(stderr, "cull: --db needs the path of a library file (cull --db PATH COMMAND ...)\n");
                return EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "cull: unknown option '%s'\n", argv[i]);
            print_help(stderr);
            return EXIT_USAGE;
        }
    }
    if (i == argc) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    if (!g.db_path) g.db_path = default_db_path(dbbuf, sizeof dbbuf);
    for (size_t c = 0; c < N_COMMANDS; c++) {
        if (strcmp(argv[i], COMMANDS[c]->name) != 0) continue;
        int media = COMMANDS[c]->needs & CLI_NEEDS_MEDIA;
        if (media && media_init(argv[0]) != 0) {
            fprintf(stderr, "cull: cannot start libvips\n");
            return EXIT_SOME_FAILED;
        }
        int rc = COMMANDS[c]->run(argc - i, argv + i, &g);
        if (media) media_shutdown();
        return rc;
    }
    fprintf(stderr, "cull: unknown command '%s' (see cull --help)\n", argv[i]);
    return EXIT_USAGE;
}
