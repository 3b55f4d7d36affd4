/*
 * label_days.h — how many labels were last set on each day (the report's timeline). Same conventions as library.h: 0 on success, -1 on error with the reason
 * in library_error().
 */
#ifndef CULL_LIBRARY_LABEL_DAYS_H
#define CULL_LIBRARY_LABEL_DAYS_H

#include <stdint.h>
#include "library/library.h"

/* One call per UTC day (days since 1970-01-01) on which labels were last set, oldest first, with
   the keep and delete labels whose labels.updated_at falls on it. */
typedef void (*library_day_fn)(int64_t day, int64_t keep, int64_t del, void *ctx);
int library_label_days(library *lib, library_day_fn fn, void *ctx);

#endif
