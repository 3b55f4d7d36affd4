/*
 * importer.h — labels from the decisions people made in another photo tool (XMP from darktable,
 * digiKam, Lightroom, ExifTool; a Lightroom Classic catalog), for `cull import`.
 *
 * A rejected image is a delete: xmp:Rating −1, digiKam PickLabel 1, Lightroom's reject flag.
 * An image is a keep when the keep rule says so; everything else stays unlabelled. A reject wins
 * over the keep rule: it is the later, explicit decision about the file.
 *
 * The keep rule is a comma-separated list; any item that matches keeps:
 *   pick          picked (digiKam PickLabel 3 "accepted", Lightroom's pick flag)
 *   rating>=N     N stars or more (1–5)
 *   label=TEXT    xmp:Label (Lightroom: the colour label's name) is TEXT, case ignored
 *   color=N       digiKam ColorLabel N (1–10)
 * The default, "pick,rating>=1": a pick is a keep by definition, and a star is given to pictures
 * worth finding again, while 0 stars means not yet judged rather than unwanted.
 */
#ifndef CULL_PIPELINE_IMPORTER_H
#define CULL_PIPELINE_IMPORTER_H

#include <stddef.h>

#include "media/xmp.h"

#define IMPORT_DEFAULT_RULE "pick,rating>=1"
#define IMPORT_RULE_LABELS 8

typedef struct {
    int pick;                              /* a pick keeps */
    int min_rating;                        /* 1–5: that many stars keep; 0: stars do not */
    int n_labels;
    char labels[IMPORT_RULE_LABELS][64];   /* xmp:Label values that keep */
    unsigned colors;                       /* bit N: digiKam ColorLabel N keeps */
} import_rule;

typedef struct {
    int label;             /* LABEL_KEEP, LABEL_DELETE or LABEL_NONE */
    char why[96];          /* "rejected (rating -1)", "rating 3 ≥ 1", "unrated", ... */
} import_decision;

/* Parses a keep rule. 0; −1 with the reason in err naming the item at fault. */
int import_rule_parse(const char *text, import_rule *out, char *err, size_t errlen);

/* What the marks say (m->source "" means no XMP: unlabelled, "no XMP"). */
void import_decide(const xmp_marks *m, const import_rule *r, import_decision *out);

/* Rewrites a catalog's path by the first --map-root OLD=NEW whose OLD is a prefix of it at a
   folder boundary ("/Users/me" maps "/Users/me/a.jpg", not "/Users/meg/a.jpg"; Lightroom writes
   Windows paths with "/" too: "C:/Users/me"). 0, or −1 when the result does not fit in cap. */
int import_map_root(const char *path, char *const *maps, int n_maps, char *out, size_t cap);

#endif
