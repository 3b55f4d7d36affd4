/*
 * report.h — the page of `cull report`: one self-contained HTML file on how well a model ranks,
 * where it does worse, how the labels came about, and the labels it doubts most.
 *
 * What it builds: an HTML page, well-formed as XML too, that holds no script and loads nothing:
 * styles and SVG charts are inline and thumbnails are data: URIs. Its parts, in order: a summary
 * (the library, its counts, the encoder, the model and its cross-validated metrics, the date); the
 * ROC and effort curves; calibration in ten bins; metrics by format, by camera and by folder;
 * labels set per day (per week over long spans); thumbnails of the 24 labels the model doubts
 * most, each with the labelled images it looks most like (pipeline/explainer.h). Every piece of text from the library (paths are bytes) is made valid UTF-8 and escaped
 * (html.h).
 *
 * What it reads: every labelled image the encoder has embedded, with the P(delete) the model gave
 * it out of fold, so that no image is judged by a model that saw its label (an image without such
 * a score is left out and counted in scored.unscored); the library's counts and the days labels
 * were set; each suspect's file, whose thumbnail is shown only while the file still holds the
 * labelled content (this needs the image decoder started: media_init). It never writes to the
 * library or to any file but f.
 *
 * Who owns what: the caller opens and closes the library, gets the model (retraining it when it
 * is stale) and opens and closes the output file; report_source's strings and model are borrowed
 * and must outlive the report_page, which owns its scored images until report_page_free.
 *
 * Returns: 0 on success; -1 on failure with the reason in err as one line of text for the caller
 * to print. Nothing here prints.
 */
#ifndef CULL_REPORT_REPORT_H
#define CULL_REPORT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "learn/metrics.h"
#include "learn/model.h"
#include "library/library.h"
#include "pipeline/explainer.h"
#include "report/scored.h"

/* What the summary names. */
typedef struct {
    const char *library_path;
    const char *encoder_id;
    const cull_model *model;   /* with out-of-fold scores (n_oof > 0) */
    int retrained;             /* 1: the summary says the model was retrained just now */
} report_source;

/* Everything the page shows that is read before it is written. */
typedef struct {
    report_source src;
    scored_images scored;      /* sorted by P(delete), highest first; within a tie, keeps first */
    library_counts counts;
    metrics all;               /* over every scored image */
    explainer near;            /* the labelled images, for each suspect's nearest ones */
} report_page;

/* Reads what the page shows. Fails, before anything is written, when the library cannot be read
   or the scored images lack keeps or deletes ("the out-of-fold scores need both keep and delete
   labels"), so the caller opens the output only for a page that can be made. On failure out holds
   nothing to free. */
int report_page_read(library *lib, const report_source *src, report_page *out, char *err, size_t errlen);

/* Writes the whole page to f, reading the labels' days from lib on the way. -1 when that read
   fails: the page is written without its timeline. Errors writing f are the caller's to see
   (ferror, fclose). */
int report_page_write(FILE *f, const report_page *p, library *lib, char *err, size_t errlen);

/* Frees the scored images; p is left empty, so a second call does nothing. */
void report_page_free(report_page *p);

#endif
