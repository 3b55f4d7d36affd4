/*
 * svg.h — the report's charts as inline SVG: line/point charts on the unit square (ROC, effort,
 * calibration) and stacked bars (labels over time). Text passes through html_text.
 */
#ifndef CULL_REPORT_SVG_H
#define CULL_REPORT_SVG_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
    double x, y;
} svg_point;

typedef struct {
    const svg_point *pts;
    int n;
    const char *color;       /* a CSS colour */
    const char *name;        /* for the legend; NULL: none */
    int dashed;              /* 1: a dashed line (reference curves) */
    int markers;             /* 1: a circle at each point, no line */
} svg_series;

/* A chart with both axes from 0 to 1, gridlines at each 0.1 (labelled every 0.2). */
void svg_unit_chart(FILE *f, const char *title, const char *xlabel, const char *ylabel, const svg_series *s,
                    int n_series);

/* Stacked bars: keep (bottom) and delete (top) per labelled interval. */
void svg_stacked_bars(FILE *f, const char *title, const char *const *labels, const int64_t *keep,
                      const int64_t *del, int n);

#endif
