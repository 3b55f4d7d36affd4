/*
 * safetensors.h — reading (and writing the header of) Hugging Face safetensors files.
 *
 * The format: an 8-byte little-endian length N, N bytes of JSON, then the data section. The JSON
 * maps each tensor name to {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, offsets
 * relative to the start of the data section; an optional "__metadata__" entry holds strings.
 *
 * The files are untrusted input (downloaded, or handed over by a user), so everything is checked
 * before anything is read through it: N at most ST_MAX_HEADER and inside the file; the JSON an
 * object of objects; a known dtype; a shape of at most ST_MAX_RANK non-negative dimensions; offsets
 * with begin ≤ end ≤ data length; end − begin = prod(shape) × dtype size, computed without
 * overflow; no two tensors overlapping. Every error names the file and the problem. Allocations
 * are sized by what the JSON parser produced (bounded by N), never by a number read from the file.
 *
 * The file is mapped (mmap), so only the pages of the tensors actually read are touched.
 */
#ifndef CULL_ENCODERS_SAFETENSORS_H
#define CULL_ENCODERS_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define ST_MAX_RANK 8
#define ST_MAX_HEADER (16u << 20)   /* JSON bytes; CLIP ViT-L's header is about 100 KB */

typedef enum {
    ST_BOOL, ST_U8, ST_I8, ST_F8_E5M2, ST_F8_E4M3, ST_I16, ST_U16, ST_F16, ST_BF16,
    ST_I32, ST_U32, ST_F32, ST_F64, ST_I64, ST_U64,
    ST_N_DTYPES
} st_dtype;

typedef struct {
    char *name;
    st_dtype dtype;
    int rank;
    uint64_t shape[ST_MAX_RANK];
    uint64_t elems;             /* prod(shape); 1 for rank 0 */
    uint64_t begin, end;        /* bytes, relative to the data section */
} st_tensor;

typedef struct {
    char *label;                /* the path, for messages */
    const uint8_t *data;        /* the data section, or NULL for a header parsed on its own */
    uint64_t header_len;        /* N: JSON bytes */
    uint64_t file_size;         /* 8 + N + data length */
    uint64_t data_len;
    st_tensor *tensors;         /* sorted by name */
    size_t n_tensors;
    /* private */
    void *map;
    size_t map_len;
} st_file;

const char *st_dtype_name(st_dtype d);
size_t st_dtype_size(st_dtype d);

/* Maps and validates the file at path. 0, or -1 with a reason naming the file in err. */
int st_open(st_file *f, const char *path, char *err, size_t errlen);
/* The same on bytes in memory (not copied: they must outlive f); label names them in messages. */
int st_open_memory(st_file *f, const uint8_t *buf, size_t len, const char *label, char *err, size_t errlen);
/* The 8-byte prefix of a file of file_size bytes: its header length, checked against the file
   size and ST_MAX_HEADER. 0, or -1 with a reason. */
int st_header_len(const uint8_t prefix[8], uint64_t file_size, const char *label, uint64_t *header_len, char *err,
                  size_t errlen);
/* Only the header: json holds the header_len JSON bytes of a file of file_size bytes (no data).
   For deciding what to download; st_read_f32 fails on such an st_file. */
int st_parse_header(st_file *f, const char *json, uint64_t header_len, uint64_t file_size, const char *label,
                    char *err, size_t errlen);
void st_close(st_file *f);

/* The tensor called name, or NULL. */
const st_tensor *st_find(const st_file *f, const char *name);
/* Converts tensor t (F32, F16 or BF16) to float32 in out (t->elems floats). 0, or -1 with a
   reason (another dtype, no data). */
int st_read_f32(const st_file *f, const st_tensor *t, float *out, char *err, size_t errlen);

/*
 * Writing: the header of a file holding the tensors ts[0..n) with their dtypes and shapes, laid out
 * one after another in the order given (ts[i].begin/end are ignored; new_begin[i] receives each
 * one's offset in the new data section). Returns the 8-byte length prefix plus the JSON, padded with
 * spaces so the data section starts at a multiple of 8 (malloc'd; *len its size), or NULL when out
 * of memory.
 */
uint8_t *st_build_header(const st_tensor *ts, size_t n, uint64_t *new_begin, size_t *len);

#endif
