/*
 * media.h — reading, hashing and decoding one file: the only code that calls libvips, libjpeg and
 * libraw.
 *
 * A file is read into memory once; its SHA-256 (its identity in the library) and its decoded
 * preview both come from that one buffer. Plain JPEGs (no ICC profile, not CMYK) go straight
 * through libjpeg, scaled in the DCT (jpeg_direct.h: a fifth less time than libvips' pipeline
 * around the same libjpeg). Everything else uses libvips' thumbnail path: shrink-on-load
 * (JPEG DCT scaling, WebP/HEIC scaled decode), EXIF autorotation, import to sRGB (CMYK and ICC
 * profiles included), first frame of animations, alpha flattened onto white, 16-bit reduced to
 * 8. Camera RAW files are decoded from their embedded preview through libraw (a half-size
 * demosaic when they carry none, or theirs does not decode). Image type is detected from
 * content, never from the name.
 */
#ifndef CULL_MEDIA_MEDIA_H
#define CULL_MEDIA_MEDIA_H

#include <stdint.h>
#include <stddef.h>
#include <sys/stat.h>
#include "media/image.h"

#define MEDIA_DEFAULT_MAX_PIXELS 300000000LL     /* 300 megapixels */
#define MEDIA_DEFAULT_MAX_BYTES (2LL << 30)      /* 2 GiB */

/* Call before the first decode, from the main thread (and media_shutdown at exit). Sets libvips
   up for cull's use: one thread per decode (cull runs decodes in parallel itself), no operation
   cache, and only loaders that are safe on untrusted input. A second call does nothing; so does
   media_shutdown without a start. Returns 0 or -1. */
int media_init(const char *argv0);
void media_shutdown(void);

typedef struct {
    uint8_t *data;
    size_t len;
    struct stat st;     /* as read, checked unchanged after reading */
} file_buffer;

/* Reads a whole regular file. Fails (with the reason in err) when it is not a regular file,
   larger than max_bytes, unreadable, or changed while it was being read. */
int media_read_file(const char *path, int64_t max_bytes, file_buffer *out, char *err, size_t errlen);
void file_buffer_free(file_buffer *fb);

void media_sha256(const void *data, size_t len, uint8_t out[32]);
void media_sha256_hex(const uint8_t sha[32], char out[65]);

/* The camera as people name it: make and model ("NIKON CORPORATION" + "NIKON D750"), the make left
   out when the model already starts with it ("Canon" + "Canon EOS 80D" is "Canon EOS 80D"); "" when
   neither is known. */
void media_camera_name(const image_meta *m, char *out, size_t cap);

/* 1 when the content starts like an image cull can decode, 0 when it does not. Looks at magic
   bytes only: cheap enough to run on every file of a walk. */
int media_looks_like_image(const uint8_t *data, size_t len);

/* Whether a file a walk found is one to index: named like an image (a known extension, RAW ones
   included), or else starting like one (only its first bytes are read, so a folder of videos or
   documents costs little). An unreadable file counts as an image, so reading it says why. */
int media_file_is_image(const char *path);
/* 1 when path is named like a camera RAW file (.CR2, .NEF, .DNG, ...). */
int media_file_is_raw(const char *path);

/* Decodes a file's content into a preview (shortest side ≤ MEDIA_PREVIEW_SIDE) and its metadata.
   Refuses images whose declared size exceeds max_pixels before decoding any pixel. Returns 0, or
   -1 with a reason in err ("truncated JPEG", "not an image", "120000×90000 pixels is over the
   limit of 300000000 (--max-pixels)", ...). Thread-safe. */
int media_decode(const uint8_t *data, size_t len, int64_t max_pixels, rgb_image *preview,
                 image_meta *meta, char *err, size_t errlen);

/* A JPEG of the image, upright, sRGB, longest side at most `side` (never enlarged), for showing
   it (the review page's thumbnails and display images). *jpeg is g_malloc'ed (g_free it). The
   content is trusted to have passed media_decode's pixel limit when it was indexed. */
int media_render_jpeg(const uint8_t *data, size_t len, int side, int quality, void **jpeg, size_t *jpeg_len,
                      char *err, size_t errlen);

#endif
