/*
 * quote.h — paths in line-based output, written so that any file name stays one field of one line.
 *
 * File names are bytes: a tab would add a field, a newline a record. A path that holds a control
 * byte (tab, newline, ... DEL), a double quote, a backslash, or bytes that are not UTF-8 is written
 * C-quoted in double quotes, as git writes such paths (core.quotePath off): \" \\ \a \b \t \n \v \f
 * \r, and any other control byte and each byte of an invalid UTF-8 sequence as a backslash and
 * three octal digits. Valid UTF-8 beyond ASCII stays as it is. Every other path is written as it
 * is, so ordinary names need no unquoting. Commands offer -z for NUL-ended records with raw paths.
 * In JSON, which must be UTF-8, bytes that are not UTF-8 become U+FFFD (JSON output is for reading
 * names, -z for using them).
 */
#ifndef CULL_UTIL_QUOTE_H
#define CULL_UTIL_QUOTE_H

#include <stdio.h>

/* 1 when path must be quoted. */
int quote_needed(const char *path);

/* Writes path to f, quoted when quote_needed. */
void quote_path(FILE *f, const char *path);

struct json_t;
/* path as a JSON string (new reference); bytes that are not UTF-8 become U+FFFD. */
struct json_t *quote_json_path(const char *path);

#endif
