/*
 * html.h — writing text into an HTML page safely: any bytes (file names are not text) become
 * valid UTF-8 and are escaped, so nothing read from the library can open a tag or an attribute.
 */
#ifndef CULL_REPORT_HTML_H
#define CULL_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

/* Writes s as HTML text (also safe inside a quoted attribute): invalid UTF-8 becomes U+FFFD,
   & < > " ' become entities, and control characters are shown as \n, \t, \r or \xNN. */
void html_text(FILE *f, const char *s);

/* Writes data as base64 (for a data: URI). */
void html_base64(FILE *f, const void *data, size_t len);

#endif
