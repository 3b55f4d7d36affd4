/*
 * assets.c — lookup in the generated table of web assets; see assets.h.
 */
#include "review/assets.h"

#include <string.h>

const review_asset *review_asset_find(const char *name)
{
    for (const review_asset *a = review_assets; a->name; a++)
        if (!strcmp(a->name, name)) return a;
    return NULL;
}

const char *review_asset_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } TYPES[] = {
        {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof TYPES / sizeof *TYPES; i++)
        if (!strcmp(dot, TYPES[i].ext)) return TYPES[i].type;
    return "application/octet-stream";
}
