/*
 * sections.h — the parts of the report page below its summary, each written to f as an <h2> and
 * what follows it. For report.c; the section_*.c files hold them. The scored images come sorted by
 * P(delete), highest first (within a tie, keeps first), which the curves rely on.
 */
#ifndef CULL_REPORT_SECTIONS_H
#define CULL_REPORT_SECTIONS_H

#include <stdio.h>

#include "library/library.h"
#include "pipeline/explainer.h"
#include "report/scored.h"

/* The ROC and effort curves (section_curves.c); all: the metrics over every scored image. */
void section_curves(FILE *f, const scored_images *s, const metrics *all);
/* Predicted P(delete) against the observed delete rate in ten bins (section_curves.c). */
void section_calibration(FILE *f, const scored_images *s);

typedef enum { BY_FORMAT, BY_CAMERA, BY_FOLDER } section_grouping;
/* A table of metrics per format, camera or folder, largest group first (section_groups.c). */
void section_groups(FILE *f, const scored_images *s, section_grouping by);

/* Keep and delete labels set per day, or per week over long spans (section_timeline.c). Reads lib;
   -1 when that fails (reason in library_error), having written nothing. */
int section_timeline(FILE *f, library *lib);

/* Thumbnails of the labels the model doubts most, as `cull suspects` ranks them, each with the
   SUSPECT_NEIGHBOURS labelled images it looks most like (section_suspects.c). Reads each one's
   file. */
void section_suspects(FILE *f, const scored_images *s, const explainer *near);

#endif
