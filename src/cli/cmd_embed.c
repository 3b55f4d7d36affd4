/*
 * cmd_embed.c — `cull embed FILE...` and `cull embed --text TEXT...`: print embeddings as JSON
 * lines, without touching the library.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "encoders/encoder.h"
#include "encoders/text_encoder.h"
#include "media/media.h"
#include "util/fsutil.h"

static int run_embed(int argc, char **argv, const cli_globals *g);

const cli_command cmd_embed = {
    "embed",
    "print the embedding of image files, or of texts, as JSON lines",
    "usage: cull embed [--encoder NAME] FILE...\n"
    "       cull embed [--encoder NAME] --text TEXT...\n"
    "\n"
    "Decodes each FILE as `index` would and prints one JSON object per line:\n"
    "  {\"path\": \"/abs/path.jpg\", \"encoder\": \"lite-1\", \"vector\": [0.12, ...]}\n"
    "With --text, each TEXT goes through a CLIP encoder's tokenizer and text tower instead:\n"
    "  {\"text\": \"a photo of a receipt\", \"encoder\": \"clip-vit-b32-…\", \"tokens\": [49406, ...],\n"
    "   \"vector\": [0.12, ...]}\n"
    "tokens are the 77 ids the tower read; vector is the projected text embedding (not normalised),\n"
    "comparable by cosine with the images' vectors of that encoder (its id is theirs).\n"
    "The library is not read or written. Files that fail are reported on stderr.\n"
    "\n"
    "options:\n"
    "  --encoder NAME     encoder to use (default: the best one installed)\n"
    "  --text             the operands are texts (UTF-8), not files; needs a CLIP encoder\n"
    "  --max-pixels N     refuse images declaring more pixels than N (default 300000000)\n"
    "\n"
    "exit status: 0 all good, 1 some files or texts failed (named on stderr), 2 usage error\n"
    "\n"
    "examples:\n"
    "  cull embed --encoder lite photo.jpg | jq '.vector | length'\n"
    "  cull embed --encoder clip-vit-b32 --text 'a screenshot of a chat' | jq -c .tokens\n",
    run_embed,
    CLI_NEEDS_MEDIA,
};

static int embed_file(encoder *enc, const char *path, int64_t max_pixels, float *vec, char *err, size_t errlen)
{
    file_buffer fb;
    if (media_read_file(path, MEDIA_DEFAULT_MAX_BYTES, &fb, err, errlen)) return -1;
    rgb_image img;
    image_meta meta;
    int rc = media_decode(fb.data, fb.len, max_pixels, &img, &meta, err, errlen);
    file_buffer_free(&fb);
    if (rc) return -1;
    rc = enc->encode(enc, &img, vec, err, errlen);
    rgb_image_free(&img);
    return rc;
}

static int embed_texts(const char *name, char **texts, int n)
{
    char err[1024];
    text_encoder *t = text_encoder_open(name, err, sizeof err);
    if (!t) {
        cli_error("%s", err);
        return EXIT_SOME_FAILED;
    }
    int dim = text_encoder_dim(t), failed = 0;
    float *vec = malloc((size_t)dim * sizeof *vec);
    for (int i = 0; i < n && vec; i++) {
        int32_t ids[CLIP_CONTEXT];
        if (text_encode(t, texts[i], ids, vec, err, sizeof err)) {
            fprintf(stderr, "cull: text %d: %s\n", i + 1, err);
            failed++;
            continue;
        }
        json_t *tokens = json_array(), *v = json_array();
        for (int k = 0; k < CLIP_CONTEXT; k++) json_array_append_new(tokens, json_integer(ids[k]));
        for (int k = 0; k < dim; k++) json_array_append_new(v, json_real(vec[k]));
        json_t *o = json_pack("{s:s, s:s, s:o, s:o}", "text", texts[i], "encoder", text_encoder_image_id(t), "tokens",
                              tokens, "vector", v);
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(8)) : NULL;
        if (line) puts(line);
        free(line);
        json_decref(o);
    }
    if (!vec) cli_error("out of memory");
    free(vec);
    text_encoder_close(t);
    if (failed) fprintf(stderr, "cull: %d of %d texts failed\n", failed, n);
    return failed || !vec ? EXIT_SOME_FAILED : EXIT_OK;
}

static int run_embed(int argc, char **argv, const cli_globals *g)
{
    (void)g;
    const char *name = NULL;
    int text = 0;
    int64_t max_pixels = MEDIA_DEFAULT_MAX_PIXELS;
    int optind;
    const cli_option options[] = {
        OPTION_STRING("encoder", 'e', &name),
        OPTION_FLAG("text", 0, &text),
        OPTION_INT("max-pixels", 0, &max_pixels, 1, INT64_MAX, NULL),
        OPTION_END,
    };
    int parsed = cli_parse_options(&cmd_embed, options, argc, argv, &optind);
    if (parsed != CLI_PARSED) return parsed;
    if (optind >= argc) return cli_usage_error(&cmd_embed, text ? "give at least one text" : "name at least one image file");
    if (text) return embed_texts(name, argv + optind, argc - optind);
    char err[512];
    encoder *enc = encoder_open(name, err, sizeof err);
    if (!enc) {
        cli_error("%s", err);
        return EXIT_SOME_FAILED;
    }
    float *vec = malloc((size_t)enc->dim * sizeof *vec);
    int failed = 0;
    for (int i = optind; i < argc && vec; i++) {
        char abs[FS_PATH_MAX];
        if (fs_absolute(argv[i], abs, sizeof abs) || embed_file(enc, argv[i], max_pixels, vec, err, sizeof err)) {
            fputs("cull: ", stderr);
            cli_put_path(stderr, argv[i]);
            fprintf(stderr, ": %s\n", err);
            failed++;
            continue;
        }
        json_t *v = json_array();
        for (int k = 0; k < enc->dim; k++) json_array_append_new(v, json_real(vec[k]));
        json_t *o = json_pack("{s:o, s:s, s:o}", "path", quote_json_path(abs), "encoder", enc->id, "vector", v);
        char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(8));
        if (line) puts(line);
        free(line);
        json_decref(o);
    }
    free(vec);
    encoder_close(enc);
    if (failed) fprintf(stderr, "cull: %d of %d files failed\n", failed, argc - optind);
    return failed ? EXIT_SOME_FAILED : EXIT_OK;
}
