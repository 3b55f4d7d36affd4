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
 * the tools that write one keep it current. A sidecar must be a regular file (a symbolic link or a
 * folder is refused, so nothing outside the tree is read through one) of at most XMP_MAX_BYTES.
 *
 * A packet with a DTD (<!DOCTYPE, <!ENTITY) is refused before it is parsed: XMP has no use for one,
 * and entity expansion ("billion laughs") is how XML parsers are made to eat memory. A packet must
 * be UTF-8, or UTF-16/32 with a byte-order mark as the XMP specification allows (converted to
 * UTF-8 first, so the checks read its text).
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

int xmp_start(void);       /* 0, or −1 when exempi cannot start */
void xmp_stop(void);

/* Reads the marks of one XMP packet. 0; −1 with the reason in err (malformed, a DTD, not UTF-8,
   too large). */
int xmp_marks_from_packet(const char *packet, size_t len, xmp_marks *out, char *err, size_t errlen);

/* The marks of the image at path: its sidecar's, else its embedded packet's (libvips reads the
   packet from JPEG, PNG, TIFF, WebP and HEIF), else none (source ""). sidecar (may be NULL,
   FS_PATH_MAX bytes) gets the sidecar's path or "". 0; −1 with the reason in err, naming the
   sidecar when it is the one at fault. */
int xmp_marks_of_image(const char *path, xmp_marks *out, char *sidecar, char *err, size_t errlen);

#endif
