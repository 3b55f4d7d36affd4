/*
 * file_list.c — the list of files a dry run of apply or undo prints (cli.h): tsv or NUL-ended
 * records as they come, or one JSON object at the end.
 */
#include <string.h>
#include <jansson.h>

#include "cli/cli.h"

int cli_file_list_options(const cli_command *cmd, int dry_run, const char *format, int nul, cli_file_list *l)
{
    if ((format || nul) && !dry_run) return cli_usage_error(cmd, "--format and -z go with --dry-run");
    int json = format && !strcmp(format, "json");
    if (json && nul) return cli_usage_error(cmd, "-z goes with the tsv format");
    *l = (cli_file_list){nul, json ? json_array() : NULL};
    return 0;
}

void cli_file_list_item(void *ctx, const char *path, int64_t bytes)
{
    cli_file_list *l = ctx;
    if (l->json) {
        json_array_append_new(l->json, json_pack("{s:o, s:I}", "path", quote_json_path(path), "bytes", (json_int_t)bytes));
        return;
    }
    printf("%lld\t", (long long)bytes);
    cli_put_record_path(stdout, path, l->nul);
    cli_end_record(stdout, l->nul);
}

void cli_file_list_finish(cli_file_list *l, const apply_summary *s)
{
    if (!l->json) return;
    json_t *o = json_pack("{s:I, s:I, s:I, s:O}", "files", (json_int_t)s->files, "bytes", (json_int_t)s->bytes, "gone",
                          (json_int_t)s->gone, "items", l->json);
    if (s->plan[0]) json_object_set_new(o, "plan", json_string(s->plan));
    json_dumpf(o, stdout, JSON_INDENT(1));
    putchar('\n');
    json_decref(o);
    json_decref(l->json);
    l->json = NULL;
}
