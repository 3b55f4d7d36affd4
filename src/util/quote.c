/*
 * quote.c — git-style quoting of paths (quote.h).
 */
#include "util/quote.h"

#include <string.h>
#include <glib.h>
#include <jansson.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when the bytes there are not one
   (overlong forms, surrogates and code points past U+10FFFF are not). */
static int utf8_length(const unsigned char *p)
{
    if (p[0] < 0x80) return 1;
    int n = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    if (n == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0))) return 0;
    if (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))) return 0;
    return n;
}

static int plain_byte(unsigned char c)
{
    return c >= 0x20 && c != 0x7f && c != '"' && c != '\\';
}

int quote_needed(const char *path)
{
    for (const unsigned char *p = (const unsigned char *)path; *p;) {
        int n = utf8_length(p);
        if (n == 0 || (n == 1 && !plain_byte(*p))) return 1;
        p += n;
    }
    return 0;
}

void quote_path(FILE *f, const char *path)
{
    if (!quote_needed(path)) {
        fputs(path, f);
        return;
    }
    static const char ESCAPES[] = "\a\b\t\n\v\f\r\"\\", LETTERS[] = "abtnvfr\"\\";
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)path; *p;) {
        int n = utf8_length(p);
        const char *e = *p ? strchr(ESCAPES, *p) : NULL;
        if (n > 1 || (n == 1 && plain_byte(*p))) {
            fwrite(p, 1, (size_t)n, f);
            p += n;
            continue;
        }
        if (e) fprintf(f, "\\%c", LETTERS[e - ESCAPES]);
        else fprintf(f, "\\%03o", *p);
        p++;
    }
    fputc('"', f);
}

json_t *quote_json_path(const char *path)
{
    if (g_utf8_validate(path, -1, NULL)) return json_string(path);
    gchar *valid = g_utf8_make_valid(path, -1);
    json_t *j = json_string(valid);
    g_free(valid);
    return j;
}
