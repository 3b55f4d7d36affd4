/*
 * section_suspects.c — the labels the out-of-fold model doubts most, as thumbnails; see
 * sections.h.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"
#include "report/html.h"
#include "report/sections.h"

#define SUSPECTS 24
#define THUMB_SIDE 160
#define SUSPECT_NEIGHBOURS 3

/* As `cull suspects` ranks: P(delete) for a keep, 1 − P(delete) for a delete. */
static double doubt(const scored_image *it) { return it->label == LABEL_KEEP ? it->p : 1 - it->p; }

static int by_doubt_desc(const void *a, const void *b)
{
    const scored_image *const *x = a, *const *y = b;
    double dx = doubt(*x), dy = doubt(*y);
    if (dx != dy) return dx < dy ? 1 : -1;
    return strcmp((*x)->path, (*y)->path);
}

/* The thumbnail of one suspect, from its file if that still holds the image. */
static void thumb(FILE *f, const scored_image *it)
{
    char err[256];
    file_buffer fb;
    void *jpeg = NULL;
    size_t len = 0;
    int ok = 0;
    if (media_read_file(it->path, MEDIA_DEFAULT_MAX_BYTES, &fb, err, sizeof err) == 0) {
        uint8_t got[32];
        media_sha256(fb.data, fb.len, got);
        if (memcmp(got, it->sha, 32) != 0)
            snprintf(err, sizeof err, "the file changed since it was indexed");
        else
            ok = media_render_jpeg(fb.data, fb.len, THUMB_SIDE, 80, &jpeg, &len, err, sizeof err) == 0;
        file_buffer_free(&fb);
    }
    fputs("<div class=\"thumb\">", f);
    if (ok) {
        fputs("<img alt=\"\" src=\"data:image/jpeg;base64,", f);
        html_base64(f, jpeg, len);
        fputs("\"/>", f);
        g_free(jpeg);
    } else {
        fputs("<p class=\"warn\">no thumbnail: ", f);
        html_text(f, err);
        fputs("</p>", f);
    }
    const char *lab = it->label == LABEL_KEEP ? "keep" : "delete";
    fprintf(f, "<div>%.3f <span class=\"lab-%s\">%s</span> (P(delete) %.3f)</div><div class=\"path\">", doubt(it), lab,
            lab, it->p);
    html_text(f, it->path);
    fputs("</div>", f);
}

/* The labelled images a suspect looks most like: those labelled otherwise say why it is doubted. */
static void nearest(FILE *f, const scored_image *it, const explainer *near)
{
    int row = explainer_find(near, it->image_id);
    neighbour nb[SUSPECT_NEIGHBOURS];
    if (row < 0 || explainer_neighbours(near, near->unit + (size_t)row * near->dim, &it->image_id, 1,
                                        SUSPECT_NEIGHBOURS, nb) || nb[0].row < 0)
        return;
    fputs("<div class=\"near\">looks like:", f);
    for (int r = 0; r < SUSPECT_NEIGHBOURS && nb[r].row >= 0; r++) {
        const labelled_image *im = &near->images[nb[r].row];
        const char *lab = explainer_label_name(im->label);
        fprintf(f, "<div><span class=\"lab-%s\">%s</span> %.3f ", lab, lab, nb[r].cos);
        html_text(f, im->path ? im->path : "(no copy left)");
        fputs("</div>", f);
    }
    fputs("</div>", f);
}

void section_suspects(FILE *f, const scored_images *s, const explainer *near)
{
    /* Only an image with a file can be shown. */
    const scored_image **with_file = malloc((s->n ? s->n : 1) * sizeof *with_file);
    size_t m = 0;
    if (!with_file) return;
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].path) with_file[m++] = &s->items[i];
    if (m) qsort(with_file, m, sizeof *with_file, by_doubt_desc);
    size_t shown = m < SUSPECTS ? m : SUSPECTS;
    fprintf(f, "<h2 id=\"suspects\">Top %zu suspects</h2>\n<p class=\"note\">The labels the out-of-fold model doubts"
               " most (as <code>cull suspects</code>): the score is P(delete) for a keep, 1 − P(delete) for a"
               " delete. Under each, the labelled images it looks most like (cosine of the embeddings).</p>\n"
               "<div class=\"thumbs\">\n", shown);
    for (size_t i = 0; i < shown; i++) {
        thumb(f, with_file[i]);
        nearest(f, with_file[i], near);
        fputs("</div>\n", f);
    }
    fputs("</div>\n", f);
    free(with_file);
}
