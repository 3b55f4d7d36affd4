/*
 * xmp.c — ratings, rejects, picks and colour labels from XMP (xmp.h).
 */
#include "media/xmp.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <exempi/xmp.h>
#include <exempi/xmpconsts.h>
#include <exempi/xmperrors.h>
#include <glib.h>
#include <vips/vips.h>

#include "util/fsutil.h"

#define NS_DIGIKAM "http://www.digikam.org/ns/1.0/"

static int started;

int xmp_start(void)
{
    if (started) return 0;
    if (!xmp_init()) return -1;
    xmp_register_namespace(NS_DIGIKAM, "digiKam", NULL);
    started = 1;
    return 0;
}

void xmp_stop(void)
{
    if (started) xmp_terminate();
    started = 0;
}

/* UTF-16/32 byte-order marks: the other encodings the XMP specification allows a packet. */
static int has_bom(const unsigned char *p, size_t n)
{
    return (n >= 2 && ((p[0] == 0xfe && p[1] == 0xff) || (p[0] == 0xff && p[1] == 0xfe))) ||
           (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0xfe && p[3] == 0xff);
}

static int get_text(XmpPtr x, const char *ns, const char *name, char *out, size_t cap)
{
    XmpStringPtr s = xmp_string_new();
    int got = s && xmp_get_property(x, ns, name, s, NULL);
    if (got) snprintf(out, cap, "%s", xmp_string_cstr(s));
    if (s) xmp_string_free(s);
    return got;
}

/* A whole or real number in text; 0 when it is not one. */
static int number(const char *text, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(text, &end);
    while (*end == ' ') end++;
    return end != text && !*end && !errno && isfinite(*v);
}

/* A packet with a byte-order mark as UTF-8 (g_free it), so the checks below read its text; NULL
   when it does not convert. */
static char *from_bom(const char *packet, size_t len, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)packet;
    const char *charset = len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0xfe && p[3] == 0xff ? "UTF-32BE"
                          : len >= 4 && p[0] == 0xff && p[1] == 0xfe && p[2] == 0 && p[3] == 0 ? "UTF-32LE"
                          : p[0] == 0xfe                                                     ? "UTF-16BE"
                                                                                             : "UTF-16LE";
    gsize written = 0;
    char *utf8 = g_convert(packet, (gssize)len, "UTF-8", charset, NULL, &written, NULL);
    *out_len = written;
    return utf8;
}

/* The checks and the parse, on UTF-8 text. */
static int marks_of_utf8(const char *packet, size_t len, xmp_marks *out, char *err, size_t errlen)
{
    if (!g_utf8_validate(packet, (gssize)len, NULL)) {
        snprintf(err, errlen, "XMP is not UTF-8 (and has no UTF-16/32 byte-order mark)");
        return -1;
    }
    if (memmem(packet, len, "<!DOCTYPE", 9) || memmem(packet, len, "<!ENTITY", 8)) {
        snprintf(err, errlen, "XMP with a DTD or entity declarations is refused");
        return -1;
    }
    XmpPtr x = xmp_new_empty();
    if (!x || !xmp_parse(x, packet, len)) {
        int e = xmp_get_error();
        snprintf(err, errlen, "malformed XMP (%s)", e == XMPErr_BadXML       ? "not well-formed XML"
                                                    : e == XMPErr_BadRDF     ? "bad RDF"
                                                    : e == XMPErr_BadXMP     ? "not valid XMP"
                                                    : e == XMPErr_BadUnicode ? "bad Unicode"
                                                                             : "exempi could not parse it");
        if (x) xmp_free(x);
        return -1;
    }
    char text[64];
    double v;
    if (get_text(x, NS_XAP, "Rating", text, sizeof text) && number(text, &v) && v >= -1 && v <= 5)
        out->has_rating = 1, out->rating = v;
    if (get_text(x, NS_DIGIKAM, "PickLabel", text, sizeof text) && number(text, &v) && v >= 0 && v <= 3)
        out->pick = (int)v;
    if (get_text(x, NS_DIGIKAM, "ColorLabel", text, sizeof text) && number(text, &v) && v >= 0 && v <= 10)
        out->color = (int)v;
    get_text(x, NS_XAP, "Label", out->label, sizeof out->label);
    xmp_free(x);
    return 0;
}

int xmp_marks_from_packet(const char *packet, size_t len, xmp_marks *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (len > XMP_MAX_BYTES) {
        snprintf(err, errlen, "XMP packet of %zu bytes is over the limit of %d", len, XMP_MAX_BYTES);
        return -1;
    }
    char *converted = NULL;
    if (has_bom((const unsigned char *)packet, len)) {
        if (!(converted = from_bom(packet, len, &len))) {
            snprintf(err, errlen, "XMP with a UTF-16/32 byte-order mark does not convert to UTF-8");
            return -1;
        }
        packet = converted;
    }
    int rc = marks_of_utf8(packet, len, out, err, errlen);
    g_free(converted);
    return rc;
}

/* Reads a sidecar: 1 read (in *data, g_free it), 0 when there is none at path, −1 (err). */
static int read_sidecar(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: the sidecar is %s, not a file: not read", path,
                 S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISDIR(st.st_mode) ? "a folder" : "special");
        return -1;
    }
    if (st.st_size > XMP_MAX_BYTES) {
        snprintf(err, errlen, "%s: sidecar of %lld bytes is over the limit of %d", path, (long long)st.st_size,
                 XMP_MAX_BYTES);
        return -1;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    *data = fd < 0 ? NULL : g_malloc((size_t)st.st_size + 1);
    ssize_t got = fd < 0 ? -1 : read(fd, *data, (size_t)st.st_size + 1);
    if (fd >= 0) close(fd);
    if (got < 0 || got > st.st_size) {
        snprintf(err, errlen, "%s: %s", path, got < 0 ? strerror(errno) : "changed while it was read");
        g_free(*data);
        return -1;
    }
    *len = (size_t)got;
    return 1;
}

/* The sidecar names of path, in the order they are looked for. */
static int sidecar_name(const char *path, int which, char *out, size_t cap)
{
    static const char *const ext[] = {".xmp", ".XMP"};
    if (which < 2) return snprintf(out, cap, "%s%s", path, ext[which]) >= (int)cap ? -1 : 0;
    const char *base = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (!dot || (base && dot < base + 2)) return -1;   /* no extension to replace */
    return snprintf(out, cap, "%.*s%s", (int)(dot - path), path, ext[which - 2]) >= (int)cap ? -1 : 0;
}

int xmp_marks_of_image(const char *path, xmp_marks *out, char *sidecar, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (sidecar) sidecar[0] = 0;
    char name[FS_PATH_MAX];
    for (int which = 0; which < 4; which++) {
        char *data = NULL;
        size_t len = 0;
        if (sidecar_name(path, which, name, sizeof name)) continue;
        int rc = read_sidecar(name, &data, &len, err, errlen);
        if (rc == 0) continue;
        if (sidecar) snprintf(sidecar, FS_PATH_MAX, "%s", name);
        if (rc < 0) return -1;
        char why[256];
        rc = xmp_marks_from_packet(data, len, out, why, sizeof why);
        g_free(data);
        if (rc) {
            snprintf(err, errlen, "%s: %s", name, why);
            return -1;
        }
        snprintf(out->source, sizeof out->source, "sidecar");
        return 0;
    }
    /* No sidecar: the packet embedded in the image, as libvips finds it in the header. */
    VipsImage *im = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!im) {
        vips_error_clear();
        return 0;   /* a format libvips does not read (RAW): no embedded packet to find */
    }
    const void *blob;
    size_t len;
    int rc = 0;
    if (vips_image_get_typeof(im, VIPS_META_XMP_NAME) && vips_image_get_blob(im, VIPS_META_XMP_NAME, &blob, &len) == 0) {
        char why[256];
        if ((rc = xmp_marks_from_packet(blob, len, out, why, sizeof why))) snprintf(err, errlen, "embedded %s", why);
        else snprintf(out->source, sizeof out->source, "embedded");
    }
    g_object_unref(im);
    return rc;
}
