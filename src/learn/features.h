/*
 * features.h — the classifier's input row for one image.
 *
 * Layout (fixed, recorded with every stored model):
 *   [0, E)            the embedding, L2-normalised (E = encoder dim)
 *   [E, E+META)       metadata: log1p(bytes), log1p(pixels), log(aspect w/h), format one-hot,
 *                     has-camera-EXIF, has-EXIF-datetime, hashed camera make/model buckets
 *   [E+META, +P)      one column per prompt (library/prompts.h) the model was trained with: the
 *                     cosine of the image embedding with the prompt's text vector (P may be 0;
 *                     a model stores its prompts' unit vectors, so scoring needs no text tower)
 *   [E+META+P, end)   hashed tokens of the file's basename (never its directories: people label
 *                     by folder, so folder names would leak the label)
 *
 * Basename tokens: the name without its extension, lowercased, split at every non-alphanumeric
 * byte and at letter/digit boundaries; a run of digits becomes the token "#<length>" (so
 * IMG_20230101_123456 → "img", "#8", "#6"); the extension itself is one more token ".jpg".
 * Letters are ASCII-lowercased; bytes >= 0x80 count as letters, so UTF-8 words stay whole. The
 * extension is the tail after the last dot when the dot does not start the name and the tail is
 * 1-10 letters/digits. Tokens longer than FEATURE_TOKEN_MAX bytes are cut to that length.
 * Each token adds 1 to bucket fnv1a64(token) mod FEATURE_TOKEN_BUCKETS; the camera bucket is
 * fnv1a64(make + " " + model) mod FEATURE_CAMERA_BUCKETS (64-bit FNV-1a, standard constants).
 */
#ifndef CULL_LEARN_FEATURES_H
#define CULL_LEARN_FEATURES_H

#include "media/image.h"

#define FEATURE_TOKEN_BUCKETS 256
#define FEATURE_CAMERA_BUCKETS 16
#define FEATURE_FORMATS 8       /* jpeg png gif webp heif tiff raw other */
#define FEATURE_META_DIM (3 + FEATURE_FORMATS + 2 + FEATURE_CAMERA_BUCKETS)
#define FEATURE_TOKEN_MAX 64    /* bytes kept of one token, "." of an extension included */

/* Total row length for an embedding of embed_dim floats and n_prompts prompts. */
int features_dim(int embed_dim, int n_prompts);

/* Index of the first column that is a token bucket (columns before it get standardised). */
int features_token_start(int embed_dim, int n_prompts);

/* Index of the first prompt column. */
int features_prompt_start(int embed_dim);

/* Writes features_dim(embed_dim, n_prompts) floats to out. prompt_u: n_prompts unit vectors of
   embed_dim floats (NULL when n_prompts is 0). basename may contain any bytes. */
void features_build(const float *embedding, int embed_dim, const float *prompt_u, int n_prompts,
                    const image_meta *meta, const char *basename, float *out);

/* The row features_build would have made with the prompts, from one it made without them (row:
   features_dim(embed_dim, 0) floats; out: features_dim(embed_dim, n_prompts), not row). */
void features_add_prompts(const float *row, int embed_dim, const float *prompt_u, int n_prompts, float *out);

/* e / ‖e‖ into out (a zero vector stays zero): the row's first block, and the unit vectors that
   cosine searches compare (out may be e). */
void features_unit_vector(const float *e, int dim, float *out);

/* The metadata columns by feature, for explanations: columns [start, start + count) of the
   metadata block (add E for the row). */
typedef struct {
    const char *name;     /* "file size", "pixels", "aspect ratio", "format", ... */
    int start, count;
} feature_group;
#define FEATURE_META_GROUPS 7
extern const feature_group feature_meta_groups[FEATURE_META_GROUPS];

/* The token bucket (0 ≤ b < FEATURE_TOKEN_BUCKETS) a token counts in. */
int features_token_bucket(const char *tok, int len);

/* Calls fn(token, len, ctx) for each token of basename, as described above. Exposed for tests
   and explanations. */
void features_tokens(const char *basename, void (*fn)(const char *tok, int len, void *ctx), void *ctx);

#endif
