/*
 * thumbs.c — on-demand, on-disk JPEG cache of thumbnails and display images; see thumbs.h.
 */
#include "review/thumbs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "media/media.h"
#include "util/fsutil.h"

#define JPEG_QUALITY 85

static sem_t decoders;
static pthread_once_t decoders_once = PTHREAD_ONCE_INIT;
static void decoders_init(void) { sem_init(&decoders, 0, THUMBS_PARALLEL); }

int thumbs_default_dir(char *out, size_t cap)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/') n = snprintf(out, cap, "%s/cull/thumbs", xdg);
    else if (home && home[0] == '/') n = snprintf(out, cap, "%s/.cache/cull/thumbs", home);
    else return -1;
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static void cache_path(const char *dir, const uint8_t sha[32], int side, char *out, size_t cap)
{
    char hex[65];
    media_sha256_hex(sha, hex);
    snprintf(out, cap, "%s/%.2s/%s-%d.jpg", dir, hex, hex, side);
}

static int open_cached(const char *path, thumbs_jpeg *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) return -1;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size == 0) {
        close(fd);
        return -1;
    }
    out->fd = fd;
    out->len = st.st_size;
    return 0;
}

/* Writes the JPEG next to its final name, then renames it into place (readers never see half a
   file; two requests racing for one image both write whole files). */
static int store(const char *path, const void *jpeg, size_t len)
{
    if (fs_make_parent_dirs(path)) return -1;
    char tmp[FS_PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) return -1;
    int failed = fs_write_all(fd, jpeg, len);
    if (close(fd) || failed || rename(tmp, path)) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Reads path whole and checks it still holds the image. 0, or -1 (err says why). */
static int read_matching(const char *path, const uint8_t sha[32], file_buffer *fb, char *err, size_t errlen)
{
    if (media_read_file(path, MEDIA_DEFAULT_MAX_BYTES, fb, err, errlen)) return -1;
    uint8_t got[32];
    media_sha256(fb->data, fb->len, got);
    if (memcmp(got, sha, 32) == 0) return 0;
    snprintf(err, errlen, "the file changed since it was indexed");
    file_buffer_free(fb);
    return -1;
}

/* 1 when some file is, by its stat, as it was indexed: its content is still the image's. */
static int unchanged_file(const thumbs_file *files, int n)
{
    struct stat st;
    for (int i = 0; i < n; i++) {
        if (stat(files[i].path, &st)) continue;
        file_stamp now = file_stamp_of(&st);
        if (file_stamp_equal(&now, &files[i].st)) return 1;
    }
    return 0;
}

int thumbs_get(const char *dir, const uint8_t sha[32], int side, const thumbs_file *files, int n_files,
               thumbs_jpeg *out, char *err, size_t errlen)
{
    out->fd = -1;
    out->buf = NULL;
    out->len = 0;
    char cached[FS_PATH_MAX];
    cache_path(dir, sha, side, cached, sizeof cached);
    if (unchanged_file(files, n_files) && open_cached(cached, out) == 0) return 0;

    /* Reading, hashing and decoding hold a whole file in memory: a few at a time. */
    pthread_once(&decoders_once, decoders_init);
    while (sem_wait(&decoders) && errno == EINTR) {}
    file_buffer fb;
    int i = 0;
    snprintf(err, errlen, "no file holds this image any more");
    for (; i < n_files; i++)
        if (read_matching(files[i].path, sha, &fb, err, errlen) == 0) break;
    void *jpeg = NULL;
    size_t len = 0;
    int rc = i == n_files ? 1 : open_cached(cached, out) == 0 ? 2 /* the content is there: the cache serves */
                          : media_render_jpeg(fb.data, fb.len, side, JPEG_QUALITY, &jpeg, &len, err, errlen);
    if (i < n_files) file_buffer_free(&fb);
    sem_post(&decoders);
    if (rc == 2) return 0;
    if (rc) return rc;
    if (store(cached, jpeg, len) == 0 && open_cached(cached, out) == 0) {
        g_free(jpeg);
        return 0;
    }
    out->buf = malloc(len);     /* the cache is unwritable: serve from memory */
    if (out->buf) memcpy(out->buf, jpeg, len);
    g_free(jpeg);
    if (!out->buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    out->len = (int64_t)len;
    return 0;
}
