/*
 * safetensors.c — the safetensors reader and header writer (safetensors.h).
 */
#include "encoders/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "util/fp16.h"

static const struct {
    const char *name;
    size_t size;
} DTYPES[ST_N_DTYPES] = {
    [ST_BOOL] = {"BOOL", 1}, [ST_U8] = {"U8", 1},   [ST_I8] = {"I8", 1},     [ST_F8_E5M2] = {"F8_E5M2", 1},
    [ST_F8_E4M3] = {"F8_E4M3", 1}, [ST_I16] = {"I16", 2}, [ST_U16] = {"U16", 2}, [ST_F16] = {"F16", 2},
    [ST_BF16] = {"BF16", 2}, [ST_I32] = {"I32", 4}, [ST_U32] = {"U32", 4},   [ST_F32] = {"F32", 4},
    [ST_F64] = {"F64", 8},   [ST_I64] = {"I64", 8}, [ST_U64] = {"U64", 8},
};

const char *st_dtype_name(st_dtype d)
{
    return (unsigned)d < ST_N_DTYPES ? DTYPES[d].name : "?";
}

size_t st_dtype_size(st_dtype d)
{
    return (unsigned)d < ST_N_DTYPES ? DTYPES[d].size : 0;
}

static int parse_dtype(const char *s, st_dtype *d)
{
    for (int i = 0; i < ST_N_DTYPES; i++)
        if (strcmp(DTYPES[i].name, s) == 0) {
            *d = (st_dtype)i;
            return 0;
        }
    return -1;
}

/* ---- header -------------------------------------------------------------------------------------- */

int st_header_len(const uint8_t prefix[8], uint64_t file_size, const char *label, uint64_t *header_len, char *err,
                  size_t errlen)
{
    if (file_size < 8) {
        snprintf(err, errlen, "%s: not a safetensors file (%llu bytes, shorter than the 8-byte header length)",
                 label, (unsigned long long)file_size);
        return -1;
    }
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = n << 8 | prefix[i];
    if (n < 2 || n > ST_MAX_HEADER) {
        snprintf(err, errlen, "%s: not a safetensors file (header length %llu; expected 2 to %u bytes)", label,
                 (unsigned long long)n, ST_MAX_HEADER);
        return -1;
    }
    if (n > file_size - 8) {
        snprintf(err, errlen, "%s: truncated (the header says %llu bytes of JSON; the file has %llu after the length)",
                 label, (unsigned long long)n, (unsigned long long)(file_size - 8));
        return -1;
    }
    *header_len = n;
    return 0;
}

/* A non-negative JSON integer, or -1. */
static long long json_count(const json_t *v)
{
    if (!json_is_integer(v)) return -1;
    long long x = json_integer_value(v);
    return x >= 0 ? x : -1;
}

/* Fills t from the entry {"dtype", "shape", "data_offsets"}; 0, or -1 with a reason. */
static int parse_entry(const st_file *f, const char *name, json_t *v, st_tensor *t, char *err, size_t errlen)
{
    if (!json_is_object(v)) {
        snprintf(err, errlen, "%s: tensor '%s': not a JSON object", f->label, name);
        return -1;
    }
    const char *dt = json_string_value(json_object_get(v, "dtype"));
    if (!dt || parse_dtype(dt, &t->dtype)) {
        snprintf(err, errlen, "%s: tensor '%s': %s dtype%s%.16s%s", f->label, name, dt ? "unknown" : "no",
                 dt ? " '" : "", dt ? dt : "", dt ? "'" : "");
        return -1;
    }
    json_t *shape = json_object_get(v, "shape");
    if (!json_is_array(shape) || json_array_size(shape) > ST_MAX_RANK) {
        snprintf(err, errlen, "%s: tensor '%s': the shape is not an array of at most %d dimensions", f->label, name,
                 ST_MAX_RANK);
        return -1;
    }
    t->rank = (int)json_array_size(shape);
    t->elems = 1;
    for (int i = 0; i < t->rank; i++) {
        long long d = json_count(json_array_get(shape, (size_t)i));
        if (d < 0) {
            snprintf(err, errlen, "%s: tensor '%s': dimension %d of the shape is not a non-negative integer", f->label,
                     name, i);
            return -1;
        }
        t->shape[i] = (uint64_t)d;
        if (__builtin_mul_overflow(t->elems, t->shape[i], &t->elems)) {
            snprintf(err, errlen, "%s: tensor '%s': the shape's element count overflows", f->label, name);
            return -1;
        }
    }
    json_t *off = json_object_get(v, "data_offsets");
    long long b = json_count(json_array_get(off, 0)), e = json_count(json_array_get(off, 1));
    if (!json_is_array(off) || json_array_size(off) != 2 || b < 0 || e < 0) {
        snprintf(err, errlen, "%s: tensor '%s': data_offsets is not [begin, end] of non-negative integers", f->label,
                 name);
        return -1;
    }
    t->begin = (uint64_t)b;
    t->end = (uint64_t)e;
    if (t->begin > t->end || t->end > f->data_len) {
        snprintf(err, errlen, "%s: tensor '%s': data_offsets [%llu, %llu] outside the data section (%llu bytes)%s",
                 f->label, name, (unsigned long long)t->begin, (unsigned long long)t->end,
                 (unsigned long long)f->data_len, t->end > f->data_len ? ": truncated file?" : "");
        return -1;
    }
    uint64_t bytes;
    if (__builtin_mul_overflow(t->elems, (uint64_t)st_dtype_size(t->dtype), &bytes)) {
        snprintf(err, errlen, "%s: tensor '%s': %llu %s values overflow 64-bit byte counts", f->label, name,
                 (unsigned long long)t->elems, dt);
        return -1;
    }
    if (bytes != t->end - t->begin) {
        snprintf(err, errlen, "%s: tensor '%s': data_offsets hold %llu bytes; %llu %s values need %llu bytes", f->label,
                 name, (unsigned long long)(t->end - t->begin), (unsigned long long)t->elems, dt,
                 (unsigned long long)bytes);
        return -1;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const st_tensor *)a)->name, ((const st_tensor *)b)->name);
}

static int by_begin(const void *a, const void *b)
{
    const st_tensor *x = *(const st_tensor *const *)a, *y = *(const st_tensor *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : x->end < y->end ? -1 : x->end > y->end;
}

/* No two tensors share a byte (empty tensors share none). */
static int check_overlaps(const st_file *f, char *err, size_t errlen)
{
    if (f->n_tensors < 2) return 0;
    const st_tensor **order = malloc(f->n_tensors * sizeof *order);
    if (!order) {
        snprintf(err, errlen, "%s: out of memory", f->label);
        return -1;
    }
    for (size_t i = 0; i < f->n_tensors; i++) order[i] = &f->tensors[i];
    qsort(order, f->n_tensors, sizeof *order, by_begin);
    int rc = 0;
    const st_tensor *last = NULL; /* the non-empty tensor reaching furthest so far */
    for (size_t i = 0; i < f->n_tensors && !rc; i++) {
        const st_tensor *t = order[i];
        if (t->begin == t->end) continue;
        if (last && t->begin < last->end) {
            snprintf(err, errlen, "%s: tensors '%s' and '%s' overlap in the data section", f->label, last->name,
                     t->name);
            rc = -1;
        }
        if (!last || t->end > last->end) last = t;
    }
    free(order);
    return rc;
}

static int parse_json(st_file *f, const char *json, uint64_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "%s: the header is not valid JSON (byte %d: %s)", f->label, jerr.position, jerr.text);
        return -1;
    }
    int rc = -1;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: the header is not a JSON object", f->label);
        goto out;
    }
    size_t n = json_object_size(root);
    f->tensors = calloc(n ? n : 1, sizeof *f->tensors);
    if (!f->tensors) {
        snprintf(err, errlen, "%s: out of memory for %zu tensor entries", f->label, n);
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "__metadata__") == 0) continue; /* free-form strings; nothing cull needs */
        st_tensor *t = &f->tensors[f->n_tensors];
        if (parse_entry(f, key, v, t, err, errlen)) goto out;
        if (!(t->name = strdup(key))) {
            snprintf(err, errlen, "%s: out of memory", f->label);
            goto out;
        }
        f->n_tensors++;
    }
    qsort(f->tensors, f->n_tensors, sizeof *f->tensors, by_name);
    rc = check_overlaps(f, err, errlen);
out:
    json_decref(root);
    return rc;
}

static int set_label(st_file *f, const char *label, char *err, size_t errlen)
{
    f->label = strdup(label ? label : "safetensors");
    if (!f->label) snprintf(err, errlen, "%s: out of memory", label ? label : "safetensors");
    return f->label ? 0 : -1;
}

int st_parse_header(st_file *f, const char *json, uint64_t header_len, uint64_t file_size, const char *label,
                    char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (set_label(f, label, err, errlen)) return -1;
    if (header_len > ST_MAX_HEADER || file_size < 8 || header_len > file_size - 8) {
        snprintf(err, errlen, "%s: header length %llu does not fit a file of %llu bytes", f->label,
                 (unsigned long long)header_len, (unsigned long long)file_size);
        st_close(f);
        return -1;
    }
    f->header_len = header_len;
    f->file_size = file_size;
    f->data_len = file_size - 8 - header_len;
    if (parse_json(f, json, header_len, err, errlen)) {
        st_close(f);
        return -1;
    }
    return 0;
}

int st_open_memory(st_file *f, const uint8_t *buf, size_t len, const char *label, char *err, size_t errlen)
{
    uint64_t n;
    memset(f, 0, sizeof *f);
    const char *name = label ? label : "safetensors";
    if (len < 8) return st_header_len((const uint8_t *)"\0\0\0\0\0\0\0\0", len, name, &n, err, errlen);
    if (st_header_len(buf, len, name, &n, err, errlen)) return -1;
    if (st_parse_header(f, (const char *)buf + 8, n, len, name, err, errlen)) return -1;
    f->data = buf + 8 + n;
    return 0;
}

int st_open(st_file *f, const char *path, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    int stat_failed = fstat(fd, &st) != 0;
    if (stat_failed || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: %s", path,
                 stat_failed ? strerror(errno) : S_ISDIR(st.st_mode) ? "is a folder" : "not a regular file");
        close(fd);
        return -1;
    }
    size_t len = (size_t)st.st_size;
    void *map = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    int saved = errno;
    close(fd);
    if (map == MAP_FAILED) {
        if (len) snprintf(err, errlen, "%s: cannot map the file: %s", path, strerror(saved));
        else snprintf(err, errlen, "%s: empty file", path);
        return -1;
    }
    if (st_open_memory(f, map, len, path, err, errlen)) {
        munmap(map, len);
        return -1;
    }
    f->map = map;
    f->map_len = len;
    return 0;
}

void st_close(st_file *f)
{
    for (size_t i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
    free(f->tensors);
    free(f->label);
    if (f->map) munmap(f->map, f->map_len);
    memset(f, 0, sizeof *f);
}

/* ---- tensors ------------------------------------------------------------------------------------- */

const st_tensor *st_find(const st_file *f, const char *name)
{
    st_tensor key = {.name = (char *)name};
    return f->n_tensors ? bsearch(&key, f->tensors, f->n_tensors, sizeof key, by_name) : NULL;
}

int st_read_f32(const st_file *f, const st_tensor *t, float *out, char *err, size_t errlen)
{
    if (!f->data) {
        snprintf(err, errlen, "%s: tensor '%s': no data loaded", f->label, t->name);
        return -1;
    }
    const uint8_t *p = f->data + t->begin; /* begin ≤ end ≤ data_len, checked at open */
    switch (t->dtype) {
    case ST_F32:
        memcpy(out, p, t->elems * 4); /* little-endian host (x86-64, arm64) */
        return 0;
    case ST_F16:
        for (uint64_t i = 0; i < t->elems; i++) out[i] = fp16_to_float((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
        return 0;
    case ST_BF16:
        for (uint64_t i = 0; i < t->elems; i++) {
            uint32_t bits = (uint32_t)(p[2 * i] | p[2 * i + 1] << 8) << 16;
            memcpy(&out[i], &bits, 4);
        }
        return 0;
    default:
        snprintf(err, errlen, "%s: tensor '%s' has dtype %s; cull reads F32, F16 and BF16", f->label, t->name,
                 st_dtype_name(t->dtype));
        return -1;
    }
}

/* ---- writing ------------------------------------------------------------------------------------- */

uint8_t *st_build_header(const st_tensor *ts, size_t n, uint64_t *new_begin, size_t *len)
{
    json_t *root = json_object();
    uint64_t at = 0;
    for (size_t i = 0; root && i < n; i++) {
        json_t *shape = json_array();
        for (int d = 0; shape && d < ts[i].rank; d++) json_array_append_new(shape, json_integer((json_int_t)ts[i].shape[d]));
        uint64_t bytes = ts[i].elems * st_dtype_size(ts[i].dtype);
        json_t *e = json_pack("{s:s, s:o, s:[I, I]}", "dtype", st_dtype_name(ts[i].dtype), "shape", shape,
                              "data_offsets", (json_int_t)at, (json_int_t)(at + bytes));
        if (!e || json_object_set_new(root, ts[i].name, e)) {
            json_decref(root);
            root = NULL;
        }
        if (new_begin) new_begin[i] = at;
        at += bytes;
    }
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!text) return NULL;
    size_t tl = strlen(text), padded = (tl + 7) / 8 * 8;
    uint8_t *out = malloc(8 + padded);
    if (out) {
        for (int b = 0; b < 8; b++) out[b] = (uint8_t)((uint64_t)padded >> (8 * b));
        memcpy(out + 8, text, tl);
        memset(out + 8 + tl, ' ', padded - tl);
        *len = 8 + padded;
    }
    free(text);
    return out;
}
