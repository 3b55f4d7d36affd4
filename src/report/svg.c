/*
 * svg.c — the report's inline SVG charts; see svg.h.
 */
#include "report/svg.h"

#include "report/html.h"

#define W 420
#define H 380
#define ML 56    /* margins: left, right, top, bottom */
#define MR 16
#define MT 34
#define MB 48

static double px(double x) { return ML + x * (W - ML - MR); }
static double py(double y) { return H - MB - y * (H - MT - MB); }

static void open_svg(FILE *f, const char *title, int w, int h)
{
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
               " role=\"img\" class=\"chart\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#333\">\n<title>", w, h, w, h);
    html_text(f, title);
    fprintf(f, "</title>\n<text x=\"%d\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"600\">", w / 2);
    html_text(f, title);
    fputs("</text>\n", f);
}

void svg_unit_chart(FILE *f, const char *title, const char *xlabel, const char *ylabel, const svg_series *s,
                    int n_series)
{
    open_svg(f, title, W, H);
    for (int i = 0; i <= 10; i++) {
        double v = i / 10.0;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>"
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n",
                px(v), py(0), px(v), py(1), px(0), py(v), px(1), py(v));
        if (i % 2 == 0)
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.1f</text>"
                       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n",
                    px(v), py(0) + 14, v, px(0) - 6, py(v) + 4, v);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#999\"/>\n", px(0), py(1),
            px(1) - px(0), py(0) - py(1));
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">", (px(0) + px(1)) / 2, H - 10);
    html_text(f, xlabel);
    fprintf(f, "</text>\n<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">", (py(0) + py(1)) / 2);
    html_text(f, ylabel);
    fputs("</text>\n", f);
    int legend = 0;
    for (int k = 0; k < n_series; k++) {
        const svg_series *e = &s[k];
        if (e->markers) {
            for (int i = 0; i < e->n; i++)
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", px(e->pts[i].x), py(e->pts[i].y),
                        e->color);
        } else if (e->n > 0) {
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"", e->color,
                    e->dashed ? "1" : "2", e->dashed ? " stroke-dasharray=\"5 4\"" : "");
            for (int i = 0; i < e->n; i++) fprintf(f, "%s%.1f,%.1f", i ? " " : "", px(e->pts[i].x), py(e->pts[i].y));
            fputs("\"/>\n", f);
        }
        if (e->name) {
            double y = py(0) - 12 - 16 * legend++;
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>",
                    px(0.55), y - 4, px(0.62), y - 4, e->color, e->dashed ? " stroke-dasharray=\"5 4\"" : "");
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", px(0.64), y);
            html_text(f, e->name);
            fputs("</text>\n", f);
        }
    }
    fputs("</svg>\n", f);
}

void svg_stacked_bars(FILE *f, const char *title, const char *const *labels, const int64_t *keep,
                      const int64_t *del, int n)
{
    int w = n * 18 + ML + MR < 560 ? 560 : n * 18 + ML + MR > 1100 ? 1100 : n * 18 + ML + MR;
    open_svg(f, title, w, H);
    int64_t top = 1;
    for (int i = 0; i < n; i++)
        if (keep[i] + del[i] > top) top = keep[i] + del[i];
    double plot_h = H - MT - MB, slot = (double)(w - ML - MR) / (n > 0 ? n : 1);
    double base = H - MB;
    for (int i = 0; i <= 4; i++) {
        double y = base - plot_h * i / 4;
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>"
                   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
                ML, y, w - MR, y, ML - 6, y + 4, (double)top * i / 4);
    }
    int every = n > 6 ? (n + 5) / 6 : 1;
    for (int i = 0; i < n; i++) {
        double bw = slot * 0.8 < 40 ? slot * 0.8 : 40, x = ML + slot * i + (slot - bw) / 2;
        double hk = plot_h * (double)keep[i] / (double)top, hd = plot_h * (double)del[i] / (double)top;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4c9f70\"><title>",
                x, base - hk, bw, hk);
        html_text(f, labels[i]);
        fprintf(f, ": %lld keep</title></rect>", (long long)keep[i]);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#d1495b\"><title>",
                x, base - hk - hd, bw, hd);
        html_text(f, labels[i]);
        fprintf(f, ": %lld delete</title></rect>\n", (long long)del[i]);
        if (i % every == 0) {
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x + bw / 2, base + 14);
            html_text(f, labels[i]);
            fputs("</text>\n", f);
        }
    }
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#4c9f70\"/><text x=\"%d\" y=\"%d\">keep</text>"
               "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#d1495b\"/><text x=\"%d\" y=\"%d\">delete</text>\n",
            ML, H - 20, ML + 14, H - 11, ML + 70, H - 20, ML + 84, H - 11);
    fputs("</svg>\n", f);
}
