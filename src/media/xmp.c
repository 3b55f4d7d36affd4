/*
 * xmp.c — ratings, rejects, picks and colour labels from XMP (xmp.h).
 */
#include "media/xmp.h"

#include <dirent.h>
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

#include "media/media.h"
#include "util/fsutil.h"

#define NS_DIGIKAM "http://www.digikam.org/ns/1.0/"

static int started;

int xmp_start(void)
{
    if (started) return 0;
    if (!xmp_init()) return -1;
    xmp_register_namespace(NS_DIGIKAM, "digiKam", NULL);
    xmp_register_namespace(XMP_NS_CULL, "cull", NULL);
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

/* The checks and the parse, on UTF-8 text: the parsed packet, or NULL with the reason in err. */
static XmpPtr parse_utf8(const char *packet, size_t len, char *err, size_t errlen)
{
    if (!g_utf8_validate(packet, (gssize)len, NULL)) {
        snprintf(err, errlen, "XMP is not UTF-8 (and has no UTF-16/32 byte-order mark)");
        return NULL;
    }
    if (memmem(packet, len, "<!DOCTYPE", 9) || memmem(packet, len, "<!ENTITY", 8)) {
        snprintf(err, errlen, "XMP with a DTD or entity declarations is refused");
        return NULL;
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
        return NULL;
    }
    return x;
}

/* A packet of any allowed encoding, parsed: the size limit, a byte-order mark converted, then
   parse_utf8. *had_wrapper (may be NULL) tells whether it had an <?xpacket wrapper. */
static XmpPtr parse_packet(const char *packet, size_t len, int *had_wrapper, char *err, size_t errlen)
{
    if (len > XMP_MAX_BYTES) {
        snprintf(err, errlen, "XMP packet of %zu bytes is over the limit of %d", len, XMP_MAX_BYTES);
        return NULL;
    }
    char *converted = NULL;
    if (has_bom((const unsigned char *)packet, len)) {
        if (!(converted = from_bom(packet, len, &len))) {
            snprintf(err, errlen, "XMP with a UTF-16/32 byte-order mark does not convert to UTF-8");
            return NULL;
        }
        packet = converted;
    }
    XmpPtr x = parse_utf8(packet, len, err, errlen);
    if (had_wrapper) *had_wrapper = memmem(packet, len, "<?xpacket", 9) != NULL;
    g_free(converted);
    return x;
}

/* The flags cull may set (xmp.h): the property, its prefixed name as recorded in cull:Mark, and
   whether a value leaves the place free for cull's flag (none, or the neutral value). */
typedef struct {
    const char *ns, *name, *recorded, *neutral;
} mark_place;

static const mark_place PLACES[] = {
    [XMP_MARK_PICK] = {NS_DIGIKAM, "PickLabel", "digiKam:PickLabel", "0"},
    [XMP_MARK_REJECT] = {NS_XAP, "Rating", "xmp:Rating", "0"},
    [XMP_MARK_LABEL] = {NS_XAP, "Label", "xmp:Label", ""},
};

static int place_is_free(const mark_place *m, const char *value)
{
    double v, n;
    return strcmp(value, m->neutral) == 0 || (*m->neutral && number(value, &v) && number(m->neutral, &n) && v == n);
}

/* Takes back the flag an earlier export set, where the user left it as cull set it: the value
   before comes back (or the property goes). cull's records of it go either way. */
static void take_back_mark(XmpPtr x)
{
    char recorded[64], set[128], now[128], was[128];
    if (!get_text(x, XMP_NS_CULL, "Mark", recorded, sizeof recorded)) return;
    int has_set = get_text(x, XMP_NS_CULL, "MarkValue", set, sizeof set);
    int has_was = get_text(x, XMP_NS_CULL, "MarkWas", was, sizeof was);
    for (size_t k = 1; k < sizeof PLACES / sizeof *PLACES; k++) {
        const mark_place *m = &PLACES[k];
        if (strcmp(recorded, m->recorded) || !has_set) continue;
        if (get_text(x, m->ns, m->name, now, sizeof now) && strcmp(now, set) == 0) {
            if (has_was) xmp_set_property(x, m->ns, m->name, was, 0);
            else xmp_delete_property(x, m->ns, m->name);
        }
    }
    xmp_delete_property(x, XMP_NS_CULL, "Mark");
    xmp_delete_property(x, XMP_NS_CULL, "MarkValue");
    xmp_delete_property(x, XMP_NS_CULL, "MarkWas");
}

/* The user's marks in a parsed packet, seen through cull's own flag. */
static void read_marks(XmpPtr x, xmp_marks *out)
{
    take_back_mark(x);
    char text[64];
    double v;
    if (get_text(x, NS_XAP, "Rating", text, sizeof text) && number(text, &v) && v >= -1 && v <= 5)
        out->has_rating = 1, out->rating = v;
    if (get_text(x, NS_DIGIKAM, "PickLabel", text, sizeof text) && number(text, &v) && v >= 0 && v <= 3)
        out->pick = (int)v;
    if (get_text(x, NS_DIGIKAM, "ColorLabel", text, sizeof text) && number(text, &v) && v >= 0 && v <= 10)
        out->color = (int)v;
    get_text(x, NS_XAP, "Label", out->label, sizeof out->label);
}

int xmp_marks_from_packet(const char *packet, size_t len, xmp_marks *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    XmpPtr x = parse_packet(packet, len, NULL, err, errlen);
    if (!x) return -1;
    read_marks(x, out);
    xmp_free(x);
    return 0;
}

/* What decides whether an export changes anything: cull's properties and the flags' places. */
static void fingerprint(XmpPtr x, GString *out)
{
    static const char *const CULL[] = {"PDelete", "Model", "Mark", "MarkValue", "MarkWas"};
    char text[512];
    g_string_truncate(out, 0);
    for (size_t i = 0; i < sizeof CULL / sizeof *CULL; i++) {
        int got = get_text(x, XMP_NS_CULL, CULL[i], text, sizeof text);
        g_string_append_printf(out, "%d%s%c", got, got ? text : "", 0);
    }
    for (size_t k = 1; k < sizeof PLACES / sizeof *PLACES; k++) {
        int got = get_text(x, PLACES[k].ns, PLACES[k].name, text, sizeof text);
        g_string_append_printf(out, "%d%s%c", got, got ? text : "", 0);
    }
}

/* Sets e's flag where the place is free, recording it. 1 set, 0 refused. */
static int set_mark(XmpPtr x, const xmp_export *e)
{
    const mark_place *m = &PLACES[e->mark];
    const char *value = e->mark == XMP_MARK_PICK ? "2" : e->mark == XMP_MARK_REJECT ? "-1" : e->label;
    char was[128];
    int has_was = get_text(x, m->ns, m->name, was, sizeof was);
    if (has_was && !place_is_free(m, was)) return 0;
    xmp_set_property(x, m->ns, m->name, value, 0);
    xmp_set_property(x, XMP_NS_CULL, "Mark", m->recorded, 0);
    xmp_set_property(x, XMP_NS_CULL, "MarkValue", value, 0);
    if (has_was) xmp_set_property(x, XMP_NS_CULL, "MarkWas", was, 0);
    return 1;
}

int xmp_export_packet(const char *packet, size_t len, const xmp_export *e, char **out, size_t *out_len,
                      xmp_export_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    *out = NULL;
    int wrapper = 0;
    XmpPtr x = packet ? parse_packet(packet, len, &wrapper, err, errlen) : xmp_new_empty();
    if (!x) {
        if (!packet) snprintf(err, errlen, "exempi cannot make a packet");
        return -1;
    }
    GString *before = g_string_new(NULL), *after = g_string_new(NULL);
    fingerprint(x, before);
    take_back_mark(x);
    char p[32];
    snprintf(p, sizeof p, "%.4f", e->p_delete);
    xmp_set_property(x, XMP_NS_CULL, "PDelete", p, 0);
    xmp_set_property(x, XMP_NS_CULL, "Model", e->model, 0);
    if (e->mark != XMP_MARK_NONE) {
        r->marked = set_mark(x, e);
        r->refused = !r->marked;
    }
    fingerprint(x, after);
    r->changed = before->len != after->len || memcmp(before->str, after->str, before->len) != 0;
    g_string_free(before, TRUE), g_string_free(after, TRUE);
    if (r->changed) xmp_set_property(x, XMP_NS_CULL, "Date", e->date, 0);
    XmpStringPtr s = xmp_string_new();
    int ok = s && xmp_serialize(x, s, wrapper ? 0 : XMP_SERIAL_OMITPACKETWRAPPER, 0);
    if (ok) {
        *out_len = strlen(xmp_string_cstr(s));
        *out = g_memdup2(xmp_string_cstr(s), *out_len + 1);
    } else {
        snprintf(err, errlen, "exempi could not write the packet");
    }
    /* What is written must read back: exempi writes some odd input (a namespace URI holding a
       quote) as XML no parser accepts, and a user's sidecar must never become that. */
    char why[256];
    XmpPtr check = ok ? parse_utf8(*out, *out_len, why, sizeof why) : NULL;
    if (ok && !check) {
        snprintf(err, errlen, "exempi would write this packet back as %s: not written", why);
        g_free(*out);
        *out = NULL;
        ok = 0;
    }
    if (check) xmp_free(check);
    if (s) xmp_string_free(s);
    xmp_free(x);
    return ok ? 0 : -1;
}

int xmp_read_sidecar(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
    *data = NULL;
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
        *data = NULL;
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

/* 1 when the image's name without its extension is itself a file (image.png beside
   image.png.jpg): Adobe's sidecar name (image.png.xmp) is then that file's. */
static int stem_is_a_file(const char *image)
{
    char stem[FS_PATH_MAX];
    const char *base = fs_basename(image), *dot = strrchr(base, '.');
    struct stat st;
    if (!dot || dot == base || snprintf(stem, sizeof stem, "%.*s", (int)(dot - image), image) >= (int)sizeof stem) return 0;
    return lstat(stem, &st) == 0 && S_ISREG(st.st_mode);
}

static int has_marks(const xmp_marks *m) { return m->has_rating || m->pick || m->color || m->label[0]; }

int xmp_marks_of_image(const char *path, xmp_marks *out, char *sidecar, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (sidecar) sidecar[0] = 0;
    char name[FS_PATH_MAX], unmarked[FS_PATH_MAX] = "";
    for (int which = 0; which < 4; which++) {
        char *data = NULL;
        size_t len = 0;
        if (sidecar_name(path, which, name, sizeof name) || (which >= 2 && stem_is_a_file(path))) continue;
        int rc = xmp_read_sidecar(name, &data, &len, err, errlen);
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
        if (has_marks(out)) return 0;
        /* No decision in it (one cull export made, say): the next sidecar or the embedded packet
           may hold one. */
        if (!unmarked[0]) snprintf(unmarked, sizeof unmarked, "%s", name);
    }
    char *packet;
    size_t len;
    xmp_marks embedded;
    char why[256];
    int rc = xmp_embedded_packet(path, &packet, &len) == 1 ? xmp_marks_from_packet(packet, len, &embedded, why, sizeof why)
                                                          : 1;
    if (rc <= 0) g_free(packet);
    if (unmarked[0]) {   /* a sidecar was found: the embedded packet counts only when it decides */
        if (rc == 0 && has_marks(&embedded)) *out = embedded, snprintf(out->source, sizeof out->source, "embedded");
        else memset(out, 0, sizeof *out), snprintf(out->source, sizeof out->source, "sidecar");
        if (sidecar) snprintf(sidecar, FS_PATH_MAX, "%s", out->source[0] == 's' ? unmarked : "");
        return 0;
    }
    if (rc < 0) snprintf(err, errlen, "embedded %s", why);
    else if (rc == 0) *out = embedded, snprintf(out->source, sizeof out->source, "embedded");
    return rc < 0 ? -1 : 0;
}

int xmp_embedded_packet(const char *path, char **packet, size_t *len)
{
    VipsImage *im = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!im) {
        vips_error_clear();
        return 0;   /* a format libvips does not read (RAW): no embedded packet to find */
    }
    const void *blob;
    int got = vips_image_get_typeof(im, VIPS_META_XMP_NAME) && vips_image_get_blob(im, VIPS_META_XMP_NAME, &blob, len) == 0;
    if (got) {
        *packet = g_malloc(*len + 1);
        memcpy(*packet, blob, *len);
        (*packet)[*len] = 0;
    }
    g_object_unref(im);
    return got;
}

#define NS_XMP_NOTE "http://ns.adobe.com/xmp/note/"

int xmp_can_embed(const char *path)
{
    if (media_file_is_raw(path)) return 0;
    XmpFileType t = xmp_files_check_file_format(path);
    if (t != XMP_FT_JPEG && t != XMP_FT_PNG && t != XMP_FT_TIFF && t != XMP_FT_WEBP) return 0;
    /* Extended XMP (a phone's depth map, a second image) lives outside the main packet, which is
       all libvips hands over: writing that back would drop the rest. */
    char *packet, why[256], flag[16];
    size_t len;
    int extended = 0;
    if (xmp_embedded_packet(path, &packet, &len) == 1) {
        XmpPtr x = parse_packet(packet, len, NULL, why, sizeof why);
        extended = x && get_text(x, NS_XMP_NOTE, "HasExtendedXMP", flag, sizeof flag);
        if (x) xmp_free(x);
        g_free(packet);
    }
    return !extended;
}

int xmp_embed_packet(const char *path, const char *packet, size_t len, char *err, size_t errlen)
{
    XmpPtr x = xmp_new(packet, len);
    XmpFilePtr f = x ? xmp_files_open_new(path, XMP_OPEN_FORUPDATE | XMP_OPEN_ONLYXMP) : NULL;
    int ok = f && xmp_files_can_put_xmp(f, x) && xmp_files_put_xmp(f, x);
    int e = xmp_get_error();
    if (f) ok = xmp_files_close(f, XMP_CLOSE_NOOPTION) && ok, xmp_files_free(f);
    if (x) xmp_free(x);
    if (!ok) snprintf(err, errlen, "exempi could not write XMP into the image (error %d)", e);
    return ok ? 0 : -1;
}

void xmp_folder_free(xmp_folder *f)
{
    for (size_t i = 0; i < f->n; i++) free(f->names[i]);
    free(f->names);
    memset(f, 0, sizeof *f);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int is_sidecar_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && (strcmp(name + n - 4, ".xmp") == 0 || strcmp(name + n - 4, ".XMP") == 0);
}

/* How many entries other than sidecars are named STEM.something (binary search, then a scan);
   *raws (may be NULL) gets how many of them are camera RAW files. */
static size_t files_with_stem(const xmp_folder *f, const char *stem, size_t stem_len, size_t *raws)
{
    size_t lo = 0, hi = f->n, count = 0;
    if (raws) *raws = 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strncmp(f->names[mid], stem, stem_len) < 0) lo = mid + 1;
        else hi = mid;
    }
    for (size_t i = lo; i < f->n && strncmp(f->names[i], stem, stem_len) == 0; i++)
        if (f->names[i][stem_len] == '.' && !is_sidecar_name(f->names[i])) {
            count++;
            if (raws && media_file_is_raw(f->names[i])) ++*raws;
        }
    return count;
}

static int has_name(const xmp_folder *f, const char *name)
{
    return bsearch(&name, f->names, f->n, sizeof *f->names, by_name) != NULL;
}

/* Reads dir's entries into f (sorted) and counts its sidecars by naming style. */
static int load_folder(xmp_folder *f, const char *dir, char *err, size_t errlen)
{
    xmp_folder_free(f);
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot list: %s", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    struct dirent *e;
    int failed = 0;
    while (!failed && (e = readdir(d))) {
        if (f->n == cap) {
            char **grown = realloc(f->names, (cap = cap ? cap * 2 : 64) * sizeof *grown);
            if (!grown) {
                failed = 1;
                break;
            }
            f->names = grown;
        }
        failed = !(f->names[f->n] = strdup(e->d_name));
        f->n += !failed;
    }
    closedir(d);
    if (failed || f->n == 0) {
        snprintf(err, errlen, "%s: out of memory listing it", dir);
        xmp_folder_free(f);   /* never a listing cut short: the next image lists again */
        return -1;
    }
    snprintf(f->dir, sizeof f->dir, "%s", dir);
    qsort(f->names, f->n, sizeof *f->names, by_name);
    for (size_t i = 0; i < f->n; i++) {
        if (!is_sidecar_name(f->names[i])) continue;
        size_t stem = strlen(f->names[i]) - 4;
        char *target = g_strndup(f->names[i], stem);
        if (has_name(f, target) && strchr(target, '.')) f->full++;
        else if (files_with_stem(f, f->names[i], stem, NULL)) f->adobe++;
        g_free(target);
    }
    return 0;
}

int xmp_sidecar_to_write(xmp_folder *f, const char *image, char *out, int *exists, char *err, size_t errlen)
{
    const char *slash = strrchr(image, '/');
    if (!slash) {
        snprintf(err, errlen, "%s: not an absolute path", image);
        return -1;
    }
    char dir[FS_PATH_MAX];
    snprintf(dir, sizeof dir, "%.*s", (int)(slash == image ? 1 : slash - image), image);
    if (strcmp(dir, f->dir) && load_folder(f, dir, err, errlen)) return -1;
    const char *base = slash + 1, *dot = strrchr(base, '.');
    size_t stem_len = dot && dot > base ? (size_t)(dot - base) : strlen(base);
    size_t raws, sharing = files_with_stem(f, base, stem_len, &raws);
    /* Adobe's IMG_1234.xmp is the RAW's when a JPEG shares its stem (a RAW+JPEG pair), and never
       this image's when the stem is itself another file's name (image.png beside image.png.jpg:
       image.png.xmp is image.png's). */
    char stem[FS_PATH_MAX];
    snprintf(stem, sizeof stem, "%.*s", (int)stem_len, base);
    int stem_is_ours = (sharing <= 1 || (raws == 1 && media_file_is_raw(image))) &&
                       !(has_name(f, stem) && stem_is_a_file(image));
    for (int which = 0; which < 4; which++) {
        if (which >= 2 && !stem_is_ours) break;
        if (sidecar_name(image, which, out, FS_PATH_MAX) || !has_name(f, fs_basename(out))) continue;
        struct stat st;
        if (lstat(out, &st) != 0 || !S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "%s: the sidecar is %s, not a file: not written", out,
                     lstat(out, &st) != 0 ? strerror(errno) : S_ISLNK(st.st_mode) ? "a symbolic link"
                                                        : S_ISDIR(st.st_mode)  ? "a folder"
                                                                               : "special");
            return -1;
        }
        *exists = 1;
        return 0;
    }
    *exists = 0;
    int adobe = f->adobe > f->full && stem_is_ours && dot && dot > base;
    if (sidecar_name(image, adobe ? 2 : 0, out, FS_PATH_MAX)) {
        snprintf(err, errlen, "%s: path too long for a sidecar", image);
        return -1;
    }
    return 0;
}