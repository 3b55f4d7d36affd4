/*
 * api_image.c — GET /api/image/ID/thumb|display: the JPEG of one image of this review, by its
 * library id (the only way to name an image: no path ever comes from a request).
 */
#include <stdlib.h>
#include <string.h>

#include "library/image_info.h"
#include "review/api.h"
#include "review/thumbs.h"

/* An image's present paths (strdup'd) with their stamps. */
typedef struct {
    thumbs_file *files;
    int n, cap;
} file_list;

static int add_path(const char *path, const file_stamp *st, void *ctx)
{
    file_list *l = ctx;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 4;
        thumbs_file *grown = realloc(l->files, (size_t)cap * sizeof *grown);
        if (!grown) return 1;
        l->files = grown;
        l->cap = cap;
    }
    if (!(l->files[l->n].path = strdup(path))) return 1;
    l->files[l->n++].st = *st;
    return 0;
}

static int get_image(review_session *s, int64_t id, const char *size, review_reply *r)
{
    int side = !strcmp(size, "thumb") ? THUMBS_STRIP_SIDE : !strcmp(size, "display") ? THUMBS_DISPLAY_SIDE : 0;
    if (!side) return reply_error(r, 404, "no such size");
    pthread_mutex_lock(&s->lock);
    int known = snapshot_find(&s->snap, id) != NULL;
    pthread_mutex_unlock(&s->lock);
    if (!known) known = api_explain_knows(s, id);   /* a neighbour the panel shows */
    if (!known) return reply_error(r, 404, "no image %lld in this review", (long long)id);
    library_image img;
    file_list files = {0};
    pthread_mutex_lock(&s->db_lock);
    int found = library_image_get(s->lib, id, &img);
    if (found == 1 && library_image_files(s->lib, id, add_path, &files)) found = -1;
    pthread_mutex_unlock(&s->db_lock);
    char err[512];
    thumbs_jpeg jpeg;
    int rc = found == 1 ? thumbs_get(s->thumbs_dir, img.sha256, side, files.files, files.n, &jpeg, err,
                                     sizeof err)
                        : found == 0 ? 1 : -1;
    for (int i = 0; i < files.n; i++) free(files.files[i].path);
    free(files.files);
    if (found < 0) return reply_error(r, 500, "library failed");
    if (rc == 1) return reply_error(r, 404, "%s", found ? err : "no such image");
    if (rc < 0) return reply_error(r, 500, "%s", err);
    r->status = 200;
    r->type = "image/jpeg";
    r->fd = jpeg.fd;
    r->body = (char *)jpeg.buf;
    r->len = jpeg.len;
    r->cache = "private, no-cache";    /* the browser asks again: the file may be gone since */
    return 0;
}

int api_image(review_session *s, const char *rest, review_reply *r)
{
    const char *slash = strchr(rest, '/');
    int64_t id = slash ? api_parse_id(rest, (size_t)(slash - rest)) : -1;
    if (id < 0) return reply_error(r, 404, "images are served by library id only: /api/image/ID/thumb|display");
    return get_image(s, id, slash + 1, r);
}
