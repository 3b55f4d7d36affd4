/*
 * features.c — one classifier row per image: normalised embedding, file metadata, name tokens.
 *
 * Everything here is part of the stored model's contract: changing a hash, a bucket count or the
 * tokenizer silently changes what old weights mean, so the layout is spelled out as constants.
 */
#include "learn/features.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Offsets inside the metadata block. */
enum {
    META_LOG_BYTES,
    META_LOG_PIXELS,
    META_LOG_ASPECT,
    META_FORMAT,                                   /* FEATURE_FORMATS one-hot columns */
    META_HAS_CAMERA = META_FORMAT + FEATURE_FORMATS,
    META_HAS_DATETIME,
    META_CAMERA,                                   /* FEATURE_CAMERA_BUCKETS hashed columns */
    META_END = META_CAMERA + FEATURE_CAMERA_BUCKETS
};
_Static_assert(META_END == FEATURE_META_DIM, "metadata layout disagrees with features.h");

const feature_group feature_meta_groups[FEATURE_META_GROUPS] = {
    {"file size", META_LOG_BYTES, 1},
    {"pixels", META_LOG_PIXELS, 1},
    {"aspect ratio", META_LOG_ASPECT, 1},
    {"format", META_FORMAT, FEATURE_FORMATS},
    {"camera EXIF present", META_HAS_CAMERA, 1},
    {"EXIF date present", META_HAS_DATETIME, 1},
    {"camera make and model", META_CAMERA, FEATURE_CAMERA_BUCKETS},
};

/* Format names in one-hot order; anything not listed is the last column, "other". */
static const char *const format_names[FEATURE_FORMATS - 1] = {
    "jpeg", "png", "gif", "webp", "heif", "tiff", "raw"
};

/* Longest extension still treated as one ("photo.jpeg"); longer dotted tails are name text. */
#define EXT_MAX 10

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t fnv1a(uint64_t h, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= FNV_PRIME;
    }
    return h;
}

int features_dim(int embed_dim, int n_prompts)
{
    return features_token_start(embed_dim, n_prompts) + FEATURE_TOKEN_BUCKETS;
}

int features_prompt_start(int embed_dim)
{
    return embed_dim + FEATURE_META_DIM;
}

int features_token_start(int embed_dim, int n_prompts)
{
    return features_prompt_start(embed_dim) + n_prompts;
}

/* ---- basename tokens ---- */

typedef enum { CH_OTHER, CH_LETTER, CH_DIGIT } char_class;

/* Bytes ≥ 0x80 count as letters so that UTF-8 words stay whole tokens. */
static char_class classify(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return CH_DIGIT;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80)
        return CH_LETTER;
    return CH_OTHER;
}

/* ASCII-only lowercasing: locale-independent, and leaves UTF-8 bytes alone. */
static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Length of the extension after the last dot (0 when there is none): the dot must not start
   the name (".bashrc") and the tail must be a short run of letters and digits. */
static size_t extension_len(const char *name, size_t len)
{
    const char *dot = memrchr(name, '.', len);
    if (!dot || dot == name)
        return 0;
    size_t ext = len - (size_t)(dot + 1 - name);
    if (ext == 0 || ext > EXT_MAX)
        return 0;
    for (size_t i = 0; i < ext; i++)
        if (classify((unsigned char)dot[1 + i]) == CH_OTHER)
            return 0;
    return ext;
}

/* Emits one letter run, lowercased; runs longer than FEATURE_TOKEN_MAX are cut there. */
static void emit_word(const char *s, size_t len, const char *prefix,
                      void (*fn)(const char *, int, void *), void *ctx)
{
    char buf[FEATURE_TOKEN_MAX + 1];
    size_t n = 0;
    for (; *prefix && n < FEATURE_TOKEN_MAX; prefix++)
        buf[n++] = *prefix;
    for (size_t i = 0; i < len && n < FEATURE_TOKEN_MAX; i++)
        buf[n++] = lower(s[i]);
    buf[n] = '\0';
    fn(buf, (int)n, ctx);
}

void features_tokens(const char *basename, void (*fn)(const char *tok, int len, void *ctx), void *ctx)
{
    size_t len = strlen(basename);
    size_t ext = extension_len(basename, len);
    size_t stem = ext ? len - ext - 1 : len;

    size_t i = 0;
    while (i < stem) {
        char_class c = classify((unsigned char)basename[i]);
        size_t j = i + 1;
        while (j < stem && classify((unsigned char)basename[j]) == c)
            j++;
        if (c == CH_LETTER) {
            emit_word(basename + i, j - i, "", fn, ctx);
        } else if (c == CH_DIGIT) {
            char buf[24];
            int n = snprintf(buf, sizeof buf, "#%zu", j - i);
            fn(buf, n, ctx);
        }
        i = j;
    }
    if (ext)
        emit_word(basename + len - ext, ext, ".", fn, ctx);
}

/* ---- the row ---- */

int features_token_bucket(const char *tok, int len)
{
    return (int)(fnv1a(FNV_OFFSET, tok, (size_t)len) % FEATURE_TOKEN_BUCKETS);
}

static void count_token(const char *tok, int len, void *ctx)
{
    float *buckets = ctx;
    buckets[features_token_bucket(tok, len)] += 1.0f;
}

void features_unit_vector(const float *e, int dim, float *out)
{
    double ss = 0;
    for (int i = 0; i < dim; i++)
        ss += (double)e[i] * e[i];
    double inv = ss > 0 ? 1.0 / sqrt(ss) : 0.0;
    for (int i = 0; i < dim; i++)
        out[i] = (float)(e[i] * inv);
}

static int format_index(const char *format)
{
    for (int i = 0; i < FEATURE_FORMATS - 1; i++)
        if (strcasecmp(format, format_names[i]) == 0)
            return i;
    return FEATURE_FORMATS - 1;
}

static void put_meta(const image_meta *m, float *out)
{
    int sized = m->width > 0 && m->height > 0;
    out[META_LOG_BYTES] = (float)log1p(m->bytes > 0 ? (double)m->bytes : 0.0);
    out[META_LOG_PIXELS] = sized ? (float)log1p((double)m->width * m->height) : 0.0f;
    out[META_LOG_ASPECT] = sized ? (float)log((double)m->width / m->height) : 0.0f;
    out[META_FORMAT + format_index(m->format)] = 1.0f;

    int has_camera = m->make[0] != '\0' || m->model[0] != '\0';
    out[META_HAS_CAMERA] = (float)has_camera;
    out[META_HAS_DATETIME] = (float)(m->datetime[0] != '\0');
    if (has_camera) {
        uint64_t h = fnv1a(FNV_OFFSET, m->make, strnlen(m->make, sizeof m->make));
        h = fnv1a(h, " ", 1);
        h = fnv1a(h, m->model, strnlen(m->model, sizeof m->model));
        out[META_CAMERA + h % FEATURE_CAMERA_BUCKETS] = 1.0f;
    }
}

/* The prompt columns: the unit embedding's dot product with each prompt's unit vector. */
static void put_cosines(const float *unit, int embed_dim, const float *prompt_u, int n_prompts, float *out)
{
    for (int k = 0; k < n_prompts; k++) {
        const float *u = prompt_u + (size_t)k * (size_t)embed_dim;
        double c = 0;
        for (int i = 0; i < embed_dim; i++) c += (double)unit[i] * u[i];
        out[k] = (float)c;
    }
}

void features_build(const float *embedding, int embed_dim, const float *prompt_u, int n_prompts,
                    const image_meta *meta, const char *basename, float *out)
{
    memset(out, 0, sizeof(float) * (size_t)features_dim(embed_dim, n_prompts));
    features_unit_vector(embedding, embed_dim, out);
    put_meta(meta, out + embed_dim);
    put_cosines(out, embed_dim, prompt_u, n_prompts, out + features_prompt_start(embed_dim));
    features_tokens(basename, count_token, out + features_token_start(embed_dim, n_prompts));
}

void features_add_prompts(const float *row, int embed_dim, const float *prompt_u, int n_prompts, float *out)
{
    int start = features_prompt_start(embed_dim);
    memcpy(out, row, sizeof(float) * (size_t)start);
    put_cosines(row, embed_dim, prompt_u, n_prompts, out + start);
    memcpy(out + start + n_prompts, row + start, sizeof(float) * FEATURE_TOKEN_BUCKETS);
}
