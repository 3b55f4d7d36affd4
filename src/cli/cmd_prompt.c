/*
 * cmd_prompt.c — `cull prompt add|list|remove`: sentences that say what the user keeps and deletes
 * (library/prompts.h), which rank and review use while there are too few labels to train.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "encoders/clip_tokenizer.h"
#include "library/prompts.h"

static int run_prompt(int argc, char **argv, const cli_globals *g);

const cli_command cmd_prompt = {
    "prompt",
    "say in words what you keep and what you delete",
    "usage: cull prompt add keep|delete TEXT...\n"
    "       cull prompt list [--format text|json]\n"
    "       cull prompt remove N...\n"
    "\n"
    "A prompt is a sentence about a kind of image and what you do with it: \"a screenshot of a\n"
    "chat\" → delete, \"a photo of my family\" → keep. While the library has too few labels to train\n"
    "a model (2 keep and 2 delete), rank and review score by the prompts instead: through a CLIP\n"
    "encoder's text tower (cull model fetch clip-vit-b32), each image's P(delete) is CLIP's softmax\n"
    "of its best delete prompt against its best keep prompt (zero-shot), so the first review\n"
    "already starts with the likely deletes. They need at least one prompt of each side. Once there\n"
    "are labels, the model learns from them, and each prompt is one of its features: the image's\n"
    "cosine with the prompt's words (cull train says what the prompts changed in cross-validation;\n"
    "cull explain shows each one's part in a score). Adding or removing a prompt retrains the model\n"
    "at its next use, as a label does.\n"
    "\n"
    "CLIP reads 77 tokens of a prompt; describe what the image shows (\"a photo of a receipt\"),\n"
    "not what to do with it. add checks each TEXT can be read (UTF-8, at most 4096 bytes).\n"
    "\n"
    "  add keep|delete TEXT...   adds one prompt per TEXT (its number is printed)\n"
    "  list                      N<TAB>keep|delete<TAB>TEXT per prompt, oldest first\n"
    "  remove N...               removes prompts by number\n"
    "\n"
    "options:\n"
    "  --format text|json   list: text (default), or a JSON array of {\"id\", \"label\", \"text\", \"added\"}\n"
    "\n"
    CLI_HELP_EXIT
    "\n"
    "examples:\n"
    "  cull prompt add delete 'a screenshot of a chat' 'a photo of a receipt' 'a blurry photo'\n"
    "  cull prompt add keep 'a photo of people smiling' 'a landscape photo'\n"
    "  cull rank | head\n",
    run_prompt,
    0,
};

static void print_text(const library_prompt *p, void *ctx)
{
    (void)ctx;
    printf("%lld\t%s\t", (long long)p->id, p->label == LABEL_KEEP ? "keep" : "delete");
    cli_put_path(stdout, p->text); /* a tab or newline in the text is quoted, as paths are */
    putchar('\n');
}

static void add_json(const library_prompt *p, void *ctx)
{
    json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)p->id, "label",
                                         p->label == LABEL_KEEP ? "keep" : "delete", "text", p->text, "added",
                                         (json_int_t)p->added_at));
}

static int add(const cli_globals *g, const char *side, char **texts, int n)
{
    int label = strcmp(side, "keep") == 0 ? LABEL_KEEP : strcmp(side, "delete") == 0 ? LABEL_DELETE : LABEL_NONE;
    if (label == LABEL_NONE) return cli_usage_error(&cmd_prompt, "add keep|delete TEXT..., not '%s'", side);
    if (n == 0) return cli_usage_error(&cmd_prompt, "add %s needs the TEXT of at least one prompt", side);
    for (int i = 0; i < n; i++) {
        const char *why = clip_text_problem(texts[i]);
        if (why) {
            cli_error("prompt %d: %s", i + 1, why);
            return EXIT_SOME_FAILED;
        }
    }
    library *lib = cli_open_library(g, LIBRARY_CREATE);
    if (!lib) return EXIT_SOME_FAILED;
    int rc = library_begin(lib) ? -1 : 0;
    int64_t *ids = calloc(n > 0 ? (size_t)n : 1, sizeof *ids);
    for (int i = 0; i < n && rc == 0; i++) rc = ids ? library_add_prompt(lib, label, texts[i], &ids[i]) : -1;
    if (rc == 0 && library_commit(lib)) rc = -1;
    if (rc) {
        library_rollback(lib);
        cli_error("adding the prompts failed: %s", ids ? library_error(lib) : "out of memory");
    }
    for (int i = 0; i < n && rc == 0; i++) {
        printf("%lld\t%s\t", (long long)ids[i], side);
        cli_put_path(stdout, texts[i]);
        putchar('\n');
    }
    free(ids);
    library_close(lib);
    return rc ? EXIT_SOME_FAILED : EXIT_OK;
}

static int list(const cli_globals *g, const char *format)
{
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    if (!lib) return EXIT_SOME_FAILED;
    json_t *a = strcmp(format, "json") == 0 ? json_array() : NULL;
    int rc = library_each_prompt(lib, a ? add_json : print_text, a);
    if (rc) cli_error("reading the prompts failed: %s", library_error(lib));
    else if (a) {
        json_dumpf(a, stdout, JSON_INDENT(1));
        putchar('\n');
    }
    json_decref(a);
    library_close(lib);
    return rc ? EXIT_SOME_FAILED : EXIT_OK;
}

static int remove_prompts(const cli_globals *g, char **numbers, int n)
{
    if (n == 0) return cli_usage_error(&cmd_prompt, "remove needs the number of at least one prompt (cull prompt list)");
    int64_t *ids = calloc((size_t)n, sizeof *ids);
    if (!ids) return EXIT_SOME_FAILED;
    for (int i = 0; i < n; i++)
        if (cli_parse_int(numbers[i], 1, INT64_MAX, &ids[i])) {
            free(ids);
            return cli_usage_error(&cmd_prompt, "'%s' is not a prompt number (cull prompt list shows them)", numbers[i]);
        }
    library *lib = cli_open_library(g, LIBRARY_EXISTING);
    int failed = !lib;
    for (int i = 0; i < n && lib; i++) {
        /* One transaction each: the prompt goes together with the label version's move. */
        int r = library_begin(lib) ? -1 : library_remove_prompt(lib, ids[i]);
        if (r >= 0 && library_commit(lib)) r = -1;
        if (r < 0) library_rollback(lib);
        if (r == 1) continue;
        failed = 1;
        if (r == 0) cli_error("there is no prompt %lld (cull prompt list shows them)", (long long)ids[i]);
        else cli_error("removing prompt %lld failed: %s", (long long)ids[i], library_error(lib));
    }
    free(ids);
    library_close(lib);
    return failed ? EXIT_SOME_FAILED : EXIT_OK;
}

static int run_prompt(int argc, char **argv, const cli_globals *g)
{
    const char *format = "text";
    int optind;
    const cli_option options[] = {
        OPTION_CHOICE("format", 'f', &format, "text|json"),
        OPTION_END,
    };
    int rc = cli_parse_options(&cmd_prompt, options, argc, argv, &optind);
    if (rc != CLI_PARSED) return rc;
    if (optind >= argc) return cli_usage_error(&cmd_prompt, "say add, list or remove");
    const char *verb = argv[optind++];
    if (strcmp(verb, "add") == 0) {
        if (optind >= argc) return cli_usage_error(&cmd_prompt, "add keep|delete TEXT...");
        return add(g, argv[optind], argv + optind + 1, argc - optind - 1);
    }
    if (strcmp(verb, "list") == 0) {
        if (optind < argc) return cli_usage_error(&cmd_prompt, "list takes no operands");
        return list(g, format);
    }
    if (strcmp(verb, "remove") == 0) return remove_prompts(g, argv + optind, argc - optind);
    return cli_usage_error(&cmd_prompt, "'%s': say add, list or remove", verb);
}
