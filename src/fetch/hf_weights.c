/*
 * hf_weights.c — a model.safetensors from the hub, whole or vision tower only (hf_weights.h).
 */
#include "fetch/hf_weights.h"

#include "encoders/clip_text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "encoders/safetensors.h"
#include "util/progress.h"
#include "fetch/http_get.h"
#include "util/fsutil.h"

#define READ_CHUNK (1 << 20)

/* ---- sinks ---------------------------------------------------------------------------------------- */

typedef struct {
    uint8_t *buf;
    size_t len, cap;
} mem_sink;

static int to_memory(void *ctx, const uint8_t *data, size_t n, char *err, size_t errlen)
{
    mem_sink *m = ctx;
    if (n > m->cap - m->len) {
        snprintf(err, errlen, "more data than asked for");
        return -1;
    }
    memcpy(m->buf + m->len, data, n);
    m->len += n;
    return 0;
}

typedef struct {
    int fd;
    const char *path;
    EVP_MD_CTX *md;
    progress *bar;
} file_sink;

static int to_file(void *ctx, const uint8_t *data, size_t n, char *err, size_t errlen)
{
    file_sink *f = ctx;
    if (fs_write_all(f->fd, data, n)) {
        snprintf(err, errlen, "%s: %s", f->path, strerror(errno));
        return -1;
    }
    EVP_DigestUpdate(f->md, data, n);
    if (f->bar) progress_add(f->bar, (int64_t)n);
    return 0;
}

/* ---- the partial file and what it is a part of -------------------------------------------------- */

typedef struct {
    char part[4200], source[4300], final[4200];
    char identity[400];         /* "etag size mode" */
} part_paths;

static int is_sha256(const char *s)
{
    size_t n = strlen(s);
    if (n != 64) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

/* Opens the part file to append to when its record matches p->identity (and, for an extraction,
   it starts with prefix), else empty with the record rewritten. *have: its length. -1 on error. */
static int open_part(const part_paths *p, const uint8_t *prefix, size_t prefix_len, int64_t *have, char *err,
                     size_t errlen)
{
    char line[400] = "";
    FILE *s = fopen(p->source, "r");
    if (s) {
        if (!fgets(line, sizeof line, s)) line[0] = 0;
        fclose(s);
        line[strcspn(line, "\n")] = 0;
    }
    int fd = -1;
    struct stat st;
    if (strcmp(line, p->identity) == 0 && stat(p->part, &st) == 0 && st.st_size >= (off_t)prefix_len) {
        fd = open(p->part, O_RDWR | O_CLOEXEC);
        uint8_t *head = prefix_len ? malloc(prefix_len) : NULL;
        if (fd >= 0 && prefix_len &&
            (!head || pread(fd, head, prefix_len, 0) != (ssize_t)prefix_len || memcmp(head, prefix, prefix_len))) {
            close(fd);
            fd = -1;
        }
        free(head);
        if (fd >= 0) {
            *have = st.st_size;
            if (lseek(fd, 0, SEEK_END) < 0) {
                close(fd);
                fd = -1;
            }
        }
    }
    if (fd >= 0) return fd;
    /* start over */
    fd = open(p->part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    s = fd >= 0 ? fopen(p->source, "w") : NULL;
    if (!s || fprintf(s, "%s\n", p->identity) < 0 || fclose(s) != 0 ||
        (prefix_len && fs_write_all(fd, prefix, prefix_len))) {
        snprintf(err, errlen, "%s: %s", fd < 0 ? p->part : p->source, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    *have = (int64_t)prefix_len;
    return fd;
}

/* Hashes the first n bytes of fd into md. */
static int hash_prefix(int fd, int64_t n, EVP_MD_CTX *md)
{
    uint8_t *buf = malloc(READ_CHUNK);
    if (!buf) return -1;
    int64_t at = 0;
    while (at < n) {
        size_t want = n - at < READ_CHUNK ? (size_t)(n - at) : READ_CHUNK;
        ssize_t r = pread(fd, buf, want, at);
        if (r <= 0) {
            free(buf);
            return -1;
        }
        EVP_DigestUpdate(md, buf, (size_t)r);
        at += r;
    }
    free(buf);
    return 0;
}

static void hex_digest(EVP_MD_CTX *md, char out[65])
{
    unsigned char d[32];
    EVP_DigestFinal_ex(md, d, NULL);
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- the remote header ----------------------------------------------------------------------------- */

typedef struct {
    int64_t size;               /* of the remote file */
    char identity[200];         /* its ETag (or the hub's sha256) */
    uint64_t header_len;
    uint8_t *json;
    st_file st;
} remote_file;

static int probe(const char *url, remote_file *rf, hf_weights_result *r, char *err, size_t errlen)
{
    uint8_t prefix[8];
    mem_sink m = {prefix, 0, sizeof prefix};
    http_info info;
    if (http_get(url, 0, 7, to_memory, &m, &info, err, errlen)) return -1;
    rf->size = info.range_total > 0 ? info.range_total : info.linked_size;
    if (info.status != 206 || rf->size < 8 || m.len != 8) {
        snprintf(err, errlen, "%s: the server does not answer range requests (HTTP %ld); cull needs them", url,
                 info.status);
        return -1;
    }
    if (info.linked_size >= 0 && info.linked_size != rf->size) {
        snprintf(err, errlen, "%s: the hub says %lld bytes (X-Linked-Size), the download %lld", url,
                 (long long)info.linked_size, (long long)rf->size);
        return -1;
    }
    if (is_sha256(info.linked_etag)) snprintf(r->remote_sha256, sizeof r->remote_sha256, "%s", info.linked_etag);
    snprintf(rf->identity, sizeof rf->identity, "%s", info.linked_etag[0] ? info.linked_etag : info.etag);
    for (char *c = rf->identity; *c; c++)
        if (*c == ' ' || *c == '\n') *c = '_';
    if (st_header_len(prefix, (uint64_t)rf->size, url, &rf->header_len, err, errlen)) return -1;
    rf->json = malloc(rf->header_len);
    if (!rf->json) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    m = (mem_sink){rf->json, 0, rf->header_len};
    http_info hinfo;
    if (http_get(url, 8, 8 + (int64_t)rf->header_len - 1, to_memory, &m, &hinfo, err, errlen)) return -1;
    if (hinfo.range_total != rf->size) {
        snprintf(err, errlen, "%s: the file changed size on the server during the download", url);
        return -1;
    }
    return st_parse_header(&rf->st, (const char *)rf->json, rf->header_len, (uint64_t)rf->size, url, err, errlen);
}

static int in_tower(const char *name, hf_tower tower)
{
    if (tower == HF_VISION_TOWER)
        return strncmp(name, "vision_model.", 13) == 0 || strcmp(name, "visual_projection.weight") == 0;
    return strncmp(name, "text_model.", 11) == 0 || strcmp(name, "text_projection.weight") == 0 ||
           strcmp(name, "logit_scale") == 0;
}

static const char *tower_name(hf_tower tower)
{
    return tower == HF_VISION_TOWER ? "vision tower" : "text tower";
}

static int by_begin(const void *a, const void *b)
{
    const st_tensor *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* ---- the two ways ------------------------------------------------------------------------------- */

static int fetch_whole(const char *url, const remote_file *rf, const part_paths *p, hf_weights_result *r, char *err,
                       size_t errlen)
{
    int64_t have = 0;
    int fd = open_part(p, NULL, 0, &have, err, errlen);
    if (fd < 0) return -1;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    progress bar;
    int rc = -1;
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL) || hash_prefix(fd, have, md)) {
        snprintf(err, errlen, "%s: cannot read back the partial download", p->part);
        goto out;
    }
    if (have > 0) fprintf(stderr, "  resuming after %.1f MB\n", have / 1e6);
    progress_start_bytes(&bar, "  model.safetensors", rf->size, have);
    file_sink fs = {fd, p->part, md, &bar};
    if (have < rf->size) {
        http_info info;
        rc = http_get(url, have, rf->size - 1, to_file, &fs, &info, err, errlen);
        progress_finish(&bar);
        if (rc) goto out;
        rc = -1;
        if (info.range_total != rf->size) {
            snprintf(err, errlen, "%s: the file changed size on the server during the download", url);
            goto out;
        }
    }
    r->ranges = 1;
    r->written = rf->size;
    hex_digest(md, r->sha256);
    if (r->remote_sha256[0] && strcmp(r->sha256, r->remote_sha256) != 0) {
        snprintf(err, errlen, "%s: SHA-256 mismatch: the download hashes to %s, the hub says %s; refused (the partial "
                 "file is deleted, so the next try starts over)", url, r->sha256, r->remote_sha256);
        unlink(p->part);
        goto out;
    }
    if (!r->remote_sha256[0])
        fprintf(stderr, "  note: the server gave no SHA-256 for this file (X-Linked-Etag); only its size is checked\n");
    rc = 0;
out:
    EVP_MD_CTX_free(md);
    if (fsync(fd) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: %s", p->part, strerror(errno));
        rc = -1;
    }
    close(fd);
    return rc;
}

static int fetch_tower(const char *url, const remote_file *rf, hf_tower tower, st_tensor *keep, size_t n,
                       const part_paths *p, hf_weights_result *r, char *err, size_t errlen)
{
    qsort(keep, n, sizeof *keep, by_begin);
    uint64_t *new_begin = malloc(n * sizeof *new_begin);
    size_t hlen = 0;
    uint8_t *hdr = new_begin ? st_build_header(keep, n, new_begin, &hlen) : NULL;
    if (!hdr) {
        free(new_begin);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int64_t have = 0, total = (int64_t)hlen;
    for (size_t i = 0; i < n; i++) total += (int64_t)(keep[i].end - keep[i].begin);
    int fd = open_part(p, hdr, hlen, &have, err, errlen);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = -1;
    if (fd < 0) goto out;
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL) || hash_prefix(fd, have, md)) {
        snprintf(err, errlen, "%s: cannot read back the partial download", p->part);
        goto out;
    }
    int runs = 0;
    for (size_t i = 0; i < n; i++) runs += i == 0 || keep[i].begin != keep[i - 1].end;
    fprintf(stderr, "  a joint checkpoint (%.1f MB): fetching only the %s, %zu of %zu tensors, %.1f MB in %d "
            "range request%s\n", rf->size / 1e6, tower_name(tower), n, rf->st.n_tensors, (total - (int64_t)hlen) / 1e6,
            runs, runs == 1 ? "" : "s");
    if (have > (int64_t)hlen) fprintf(stderr, "  resuming after %.1f MB\n", (have - (int64_t)hlen) / 1e6);
    progress bar;
    char label[32];
    snprintf(label, sizeof label, "  %s", tower_name(tower));
    progress_start_bytes(&bar, label, total - (int64_t)hlen, have - (int64_t)hlen);
    file_sink fs = {fd, p->part, md, &bar};
    uint64_t data_start = 8 + rf->header_len;
    char first_etag[160] = "";
    int64_t out_at = (int64_t)hlen; /* where the run starts in the new file */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && keep[j].begin == keep[j - 1].end) j++;
        uint64_t src0 = keep[i].begin, src1 = keep[j - 1].end; /* tensors i … j−1 */
        int64_t out_end = out_at + (int64_t)(src1 - src0);
        if (out_end > have && src1 > src0) {
            uint64_t skip = have > out_at ? (uint64_t)(have - out_at) : 0;
            http_info info;
            if (http_get(url, (int64_t)(data_start + src0 + skip), (int64_t)(data_start + src1 - 1), to_file, &fs, &info,
                         err, errlen)) {
                progress_finish(&bar);
                goto out;
            }
            if (info.range_total != rf->size) {
                progress_finish(&bar);
                snprintf(err, errlen, "%s: the file changed size on the server during the download", url);
                goto out;
            }
            if (!first_etag[0]) snprintf(first_etag, sizeof first_etag, "%s", info.etag);
            else if (strcmp(first_etag, info.etag) != 0) {
                progress_finish(&bar);
                snprintf(err, errlen, "%s: the file changed on the server during the download (ETag %s, then %s)", url,
                         first_etag, info.etag);
                goto out;
            }
            have = out_end;
        }
        out_at = out_end;
        i = j;
    }
    progress_finish(&bar);
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size != total) {
        snprintf(err, errlen, "%s: %lld bytes written, %lld expected", p->part, (long long)st.st_size, (long long)total);
        goto out;
    }
    r->extracted = 1;
    r->kept = n;
    r->dropped = rf->st.n_tensors - n;
    r->ranges = runs;
    r->written = total;
    hex_digest(md, r->sha256);
    rc = fsync(fd) == 0 ? 0 : -1;
    if (rc) snprintf(err, errlen, "%s: %s", p->part, strerror(errno));
out:
    EVP_MD_CTX_free(md);
    if (fd >= 0) close(fd);
    free(hdr);
    free(new_begin);
    return rc;
}

int hf_fetch_weights(const char *url, const char *dir, hf_tower tower, hf_weights_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    remote_file rf = {0};
    part_paths p;
    int rc = -1;
    st_tensor *keep = NULL;
    if (probe(url, &rf, r, err, errlen)) goto out;
    r->remote_size = rf.size;
    keep = malloc((rf.st.n_tensors + 1) * sizeof *keep);
    if (!keep) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0; i < rf.st.n_tensors; i++)
        if (in_tower(rf.st.tensors[i].name, tower)) keep[n++] = rf.st.tensors[i];
    if (n == 0) {
        snprintf(err, errlen, "%s: no %s in this file (no tensor named %s.*)", url, tower_name(tower),
                 tower == HF_VISION_TOWER ? "vision_model" : "text_model");
        rc = HF_NO_SUCH_TOWER;
        goto out;
    }
    int whole = n == rf.st.n_tensors;
    const char *file = hf_tower_file(tower);
    snprintf(p.part, sizeof p.part, "%s/%s.part", dir, file);
    snprintf(p.source, sizeof p.source, "%s/%s.part.source", dir, file);
    snprintf(p.final, sizeof p.final, "%s/%s", dir, file);
    snprintf(p.identity, sizeof p.identity, "%s %lld %s", rf.identity, (long long)rf.size,
             whole ? "whole" : tower == HF_VISION_TOWER ? "vision" : "text");
    r->kept = n;
    rc = whole ? fetch_whole(url, &rf, &p, r, err, errlen) : fetch_tower(url, &rf, tower, keep, n, &p, r, err, errlen);
    if (rc == 0 && rename(p.part, p.final) != 0) {
        snprintf(err, errlen, "%s: %s", p.final, strerror(errno));
        rc = -1;
    }
    if (rc == 0) unlink(p.source);
out:
    free(keep);
    st_close(&rf.st);
    free(rf.json);
    return rc;
}

const char *hf_tower_file(hf_tower tower)
{
    return tower == HF_VISION_TOWER ? "model.safetensors" : CLIP_TEXT_FILE;
}
