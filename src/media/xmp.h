/*
 * xmp.h — the decisions other photo tools record in XMP: rating, reject, pick and colour labels,
 * read from a sidecar or from the packet embedded in the image (exempi, Adobe's XMP toolkit).
 *
 * Properties read (XMP specification; darktable, digiKam, Lightroom and ExifTool agree):
 *   xmp:Rating            −1 rejected, 0 unrated, 1–5 stars (a real number is accepted: "3.0")
 *   xmp:Label             free text (Lightroom writes colour names: "Red", "Green", ...)
 *   digiKam:PickLabel     0 none, 1 rejected, 2 pending, 3 accepted
 *   digiKam:ColorLabel    0 none, 1–10 (digiKam's colour list)
 * (namespaces http://ns.adobe.com/xap/1.0/ and http://www.digikam.org/ns/1.0/).
 *
 * Sidecars: for IMG_1234.CR2, IMG_1234.CR2.xmp (darktable, digiKam) is looked for first, then
 * IMG_1234.xmp (Adobe, Capture One), each also with .XMP. A sidecar wins over the embedded packet:
 * the tools that write one keep it current. A sidecar with no decision in it (no rating, pick,
 * colour or label: one `cull export xmp` made beside a JPEG of a RAW+JPEG pair, say) hides
 * nothing: the next sidecar, then the embedded packet, is read. A sidecar must be a regular file (a symbolic link or a
 * folder is refused, so nothing outside the tree is read through one) of at most XMP_MAX_BYTES.
 *
 * A packet with a DTD (<!DOCTYPE, <!ENTITY) is refused before it is parsed: XMP has no use for one,
 * and entity expansion ("billion laughs") is how XML parsers are made to eat memory. A packet must
 * be UTF-8, or UTF-16/32 with a byte-order mark as the XMP specification allows (converted to
 * UTF-8 first, so the checks read its text).
 *
 * What cull writes (xmp_export_packet) goes into its own namespace, XMP_NS_CULL (prefix "cull"):
 *   cull:PDelete    the model's P(delete) of the image, "0.8731"
 *   cull:Model      which model said so, as text ("logreg on lite, 94 labels")
 *   cull:Date       when, ISO 8601 UTC ("2026-12-06T04:40:00Z")
 * and, when asked to mark an image, one visible flag the user's tool filters on, set only where
 * the user has none of their own: digiKam:PickLabel 2 "pending" (none or 0 before), xmp:Rating −1
 * (unrated: none or 0 before), or an xmp:Label (none before). cull records the flag it set:
 *   cull:Mark       the property ("digiKam:PickLabel", "xmp:Rating", "xmp:Label")
 *   cull:MarkValue  the value it set
 *   cull:MarkWas    the value before (absent when there was none)
 * so a later export takes its own flag back (when the image falls below the threshold, or no
 * mark is asked) and reading marks (xmp_marks_*) sees through it: cull's reject flag is never
 * read back as the user's reject. A flag the user has changed since is theirs and left alone.
 *
 * Call xmp_start() once before the first read (it starts exempi and registers the digiKam
 * namespace; later calls do nothing) and xmp_stop() at the end.
 */
#ifndef CULL_MEDIA_XMP_H
#define CULL_MEDIA_XMP_H

#include <stddef.h>
#include <stdint.h>

#define XMP_MAX_BYTES (16 << 20)

enum { XMP_PICK_NONE = 0, XMP_PICK_REJECTED = 1, XMP_PICK_PENDING = 2, XMP_PICK_ACCEPTED = 3 };

typedef struct {
    int has_rating;
    double rating;         /* xmp:Rating when has_rating */
    int pick;              /* XMP_PICK_*; digiKam:PickLabel (Lightroom's catalog pick maps onto it) */
    int color;             /* digiKam:ColorLabel, 0 when absent */
    char label[64];        /* xmp:Label, "" when absent (longer texts are cut) */
    char source[16];       /* where they came from: "sidecar", "embedded" or "" (no XMP found) */
} xmp_marks;

#define XMP_NS_CULL "http://ns.cull-images.org/xmp/1.0/"

int xmp_start(void);       /* 0, or −1 when exempi cannot start */
void xmp_stop(void);

/* Reads the marks of one XMP packet. 0; −1 with the reason in err (malformed, a DTD, not UTF-8,
   too large). */
int xmp_marks_from_packet(const char *packet, size_t len, xmp_marks *out, char *err, size_t errlen);

/* Reads a sidecar: 1 with *data (g_free it) and *len; 0 when there is none at path; −1 with the
   reason in err (a symbolic link, a folder or anything not a regular file; over XMP_MAX_BYTES;
   unreadable). */
int xmp_read_sidecar(const char *path, char **data, size_t *len, char *err, size_t errlen);

/* The marks of the image at path: its sidecar's, else its embedded packet's (libvips reads the
   packet from JPEG, PNG, TIFF, WebP and HEIF), else none (source ""). sidecar (may be NULL,
   FS_PATH_MAX bytes) gets the sidecar's path or "". 0; −1 with the reason in err, naming the
   sidecar when it is the one at fault. */
int xmp_marks_of_image(const char *path, xmp_marks *out, char *sidecar, char *err, size_t errlen);

typedef enum { XMP_MARK_NONE, XMP_MARK_PICK, XMP_MARK_REJECT, XMP_MARK_LABEL } xmp_mark_kind;

typedef struct {
    double p_delete;
    const char *model;       /* cull:Model */
    const char *date;        /* cull:Date */
    xmp_mark_kind mark;      /* the flag to set (XMP_MARK_NONE: none; an earlier cull flag is taken back) */
    const char *label;       /* XMP_MARK_LABEL: the xmp:Label text */
} xmp_export;

typedef struct {
    int changed;             /* 0: the packet already says this (same P(delete), model and flag): no write */
    int marked;              /* the packet carries cull's flag */
    int refused;             /* a flag was asked and the user's own value stood in its place */
} xmp_export_result;

/* packet (len bytes, the checks of xmp_marks_from_packet; NULL: start empty) with e written in,
   every other property kept. *out (g_free it) is serialised with the packet wrapper when the
   input had one. 0; −1 with the reason in err. */
int xmp_export_packet(const char *packet, size_t len, const xmp_export *e, char **out, size_t *out_len,
                      xmp_export_result *r, char *err, size_t errlen);

/* Reads the packet embedded in the image at path (libvips: JPEG, PNG, TIFF, WebP, HEIF): 1 with
   *packet (g_free it) and *len, 0 when it has none or libvips does not read the format. */
int xmp_embedded_packet(const char *path, char **packet, size_t *len);

/* 1 when cull writes XMP into the file at path with --embedded: JPEG, PNG, TIFF and WebP as
   exempi's format handlers recognise them by content, whose packet announces no Extended XMP
   (xmpNote:HasExtendedXMP: a phone's depth map, say, which the rewrite would drop). Camera RAW
   files never: a RAW is only ever given a sidecar. */
int xmp_can_embed(const char *path);

/* Replaces the XMP packet embedded in the image file at path (in place: the caller works on a
   copy) by packet, through exempi's format handler; the rest of the file is kept. 0; −1 with the
   reason in err. */
int xmp_embed_packet(const char *path, const char *packet, size_t len, char *err, size_t errlen);

/* Where export writes an image's XMP. The folder's listing is read once and kept in f for the
   next image in the same folder (hand images folder by folder; xmp_folder_free at the end).
   The existing sidecar, looked for as xmp_marks_of_image does, except that IMG_1234.xmp is
   taken only by the one file with that stem, or by the one RAW among several (IMG_1234.CR2 +
   IMG_1234.JPG: Adobe's sidecar is the RAW's).
   Without one, a new name in the folder's style: Adobe's (IMG_1234.xmp) when the folder's
   sidecars are mostly named so and the stem is the image's alone, else IMG_1234.JPG.xmp.
   out gets FS_PATH_MAX bytes; *exists 1 for an existing sidecar (a regular file: a symbolic link
   or a folder there is an error, as on reading). 0; −1 with the reason in err. */
typedef struct {
    char dir[4096];
    char **names;            /* the folder's entries, sorted */
    size_t n;
    int adobe, full;         /* sidecars named IMG_1234.xmp / IMG_1234.CR2.xmp */
} xmp_folder;

int xmp_sidecar_to_write(xmp_folder *f, const char *image, char *out, int *exists, char *err, size_t errlen);
void xmp_folder_free(xmp_folder *f);

#endif
