/*
 * cmd_complete.c — `cull __complete WORD... CURRENT`: the candidates for the word being typed,
 * one per line, for the shell completions in completions/ (bash, zsh, fish). Nothing printed
 * means "complete a path". The candidates come from the command table and each command's own
 * --help text (its usage lines and option lines) and from the model registry, so completion
 * never drifts from what the commands accept. Not listed in `cull --help`.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "encoders/registry.h"

static int run_complete(int argc, char **argv, const cli_globals *g);

const cli_command cmd_complete = {
    "__complete",
    NULL,   /* hidden */
    "usage: cull __complete WORD... CURRENT\n"
    "\n"
    "Prints the completions of CURRENT after WORD... (the words typed after `cull`), one per line;\n"
    "nothing means a path. For the shell completion scripts.\n",
    run_complete,
    0,
};

static void offer(const char *candidate, size_t len, const char *cur)
{
    if (len >= strlen(cur) && strncmp(candidate, cur, strlen(cur)) == 0) printf("%.*s\n", (int)len, candidate);
}

/* Each alternative of a choice token "a|b|c" (brackets and trailing punctuation dropped). */
static void offer_choices(const char *token, size_t len, const char *cur)
{
    while (len && strchr("[]()", token[len - 1])) len--;
    while (len && strchr("[(", *token)) token++, len--;
    for (size_t start = 0, i = 0; i <= len; i++)
        if (i == len || token[i] == '|') {
            offer(token + start, i - start, cur);
            start = i + 1;
        }
}

/* Lines of a help text that define options or usage: "usage: ...", "       cull ...", "  -x, --opt ...". */
static int defining_line(const char *line)
{
    if (!strncmp(line, "usage: ", 7) || !strncmp(line, "       cull ", 12)) return 1;
    while (*line == ' ') line++;
    return line[0] == '-';
}

/* Calls fn(name, name_len, value, value_len) for every "--name [VALUE]" on a defining line. */
static void each_option(const char *usage, void (*fn)(const char *, size_t, const char *, size_t, void *), void *ctx)
{
    for (const char *line = usage; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *end = strchr(line, '\n');
        if (!end) end = line + strlen(line);
        if (!defining_line(line)) continue;
        for (const char *p = line; p < end; p++) {
            if (!(p[0] == '-' && p[1] == '-' && p[2] >= 'a' && p[2] <= 'z' && (p == line || strchr(" [", p[-1]))))
                continue;
            const char *name = p;
            while (p < end && (*p == '-' || (*p >= 'a' && *p <= 'z'))) p++;
            const char *value = NULL;
            size_t vlen = 0;
            if (p + 1 < end && p[0] == ' ' && p[1] != ' ' && p[1] != '-' && p[1] != '[') {
                value = p + 1;
                while (value + vlen < end && value[vlen] != ' ') vlen++;
            }
            fn(name, (size_t)(p - name), value, vlen, ctx);
        }
    }
}

typedef struct {
    const char *want;     /* an option name, or NULL: every option */
    const char *cur;
    const char *value;    /* the best value token seen for want: a choice list if any */
    size_t vlen;
} option_scan;

static void scan_option(const char *name, size_t len, const char *value, size_t vlen, void *ctx)
{
    option_scan *s = ctx;
    if (!s->want) {
        offer(name, len, s->cur);
        return;
    }
    if (strlen(s->want) != len || strncmp(name, s->want, len) || !value) return;
    while (vlen && strchr("])", value[vlen - 1])) vlen--;
    if (!s->value || (memchr(value, '|', vlen) && !memchr(s->value, '|', s->vlen))) s->value = value, s->vlen = vlen;
}

static void offer_models(int fetchable_only, const char *cur)
{
    const model_entry *m;
    for (size_t i = 0; (m = model_at(i)); i++)
        if (!fetchable_only || m->npm || m->hf) offer(m->name, strlen(m->name), cur);
}

static int is_option(const char *w) { return w[0] == '-' && w[1]; }

static int run_complete(int argc, char **argv, const cli_globals *g)
{
    if (argc < 2) return EXIT_USAGE;
    char **words = argv + 1;
    int n = argc - 1;
    const char *cur = words[n - 1];
    int i = 0;
    while (i < n - 1 && is_option(words[i])) i += strcmp(words[i], "--db") == 0 ? 2 : 1;
    if (i > n - 1) return EXIT_OK;                          /* the value of --db: a path */
    if (i == n - 1) {                                       /* the command, or a global option */
        if (cur[0] == '-') {
            for (const char *const *o = (const char *const[]){"--db", "--help", "--version", NULL}; *o; o++)
                offer(*o, strlen(*o), cur);
        } else {
            const cli_command *c;
            for (size_t k = 0; (c = cli_command_at(k)); k++)
                if (c->summary) offer(c->name, strlen(c->name), cur);
        }
        return EXIT_OK;
    }
    const cli_command *cmd = cli_find_command(words[i]);
    if (!cmd) return EXIT_OK;
    const char *prev = words[n - 2];
    if (prev[0] == '-' && prev[1] == '-' && n - 2 > i) {    /* the value of an option? */
        option_scan s = {prev, cur, NULL, 0};
        each_option(cmd->usage, scan_option, &s);
        if (s.value) {
            if (memchr(s.value, '|', s.vlen)) offer_choices(s.value, s.vlen, cur);
            else if (!strncmp(s.value, "NAME", s.vlen) && s.vlen == 4) offer_models(0, cur);
            return EXIT_OK;                                 /* a number, a path, ...: the shell's */
        }
    }
    if (cur[0] == '-') {
        option_scan s = {NULL, cur, NULL, 0};
        each_option(cmd->usage, scan_option, &s);
        offer("--help", 6, cur);
        return EXIT_OK;
    }
    /* Positional words: a subcommand ("usage: cull model fetch ...", one usage line each) or the
       choice the usage line starts with ("cull label [OPTIONS] keep|delete|clear PATH..."); after
       a subcommand whose usage wants a NAME, a model name (one that can be fetched, for fetch). */
    const char *first = NULL;
    for (int k = i + 1; k < n - 1; k++)
        if (!is_option(words[k])) {
            first = words[k];
            break;
        }
    size_t name_len = strlen(cmd->name);
    int subcommands = 0;
    for (const char *line = cmd->usage; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *p = !strncmp(line, "usage: cull ", 12) ? line + 12 : !strncmp(line, "       cull ", 12) ? line + 12 : NULL;
        if (!p || strncmp(p, cmd->name, name_len) || p[name_len] != ' ') continue;
        p += name_len + 1;
        size_t len = strcspn(p, " \n");
        if (len == 0 || strspn(p, "abcdefghijklmnopqrstuvwxyz") != len) {
            if (!first && !subcommands)
                for (const char *t = p; *t && *t != '\n'; t += strcspn(t, " \n"), t += *t == ' ') {
                    size_t tl = strcspn(t, " \n");
                    if (t[0] != '[' && t[0] != '-' && memchr(t, '|', tl)) {
                        offer_choices(t, tl, cur);
                        return EXIT_OK;
                    }
                }
            continue;
        }
        subcommands++;
        if (!first) offer(p, len, cur);
        else if (strlen(first) == len && !strncmp(p, first, len) && strstr(p, " NAME") &&
                 strstr(p, " NAME") < p + strcspn(p, "\n"))
            offer_models(!strcmp(first, "fetch"), cur);
    }
    return EXIT_OK;
}
