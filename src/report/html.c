/*
 * html.c — escaping for the report page; see html.h.
 */
#include "report/html.h"

#include <glib.h>

void html_text(FILE *f, const char *s)
{
    if (!s) return;
    gchar *valid = g_utf8_make_valid(s, -1);
    for (const unsigned char *p = (const unsigned char *)valid; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        case '\n': fputs("\\n", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\x%02x", *p);
            else
                fputc(*p, f);
        }
    }
    g_free(valid);
}

void html_base64(FILE *f, const void *data, size_t len)
{
    gchar *b64 = g_base64_encode(data, len);
    fputs(b64, f);
    g_free(b64);
}
