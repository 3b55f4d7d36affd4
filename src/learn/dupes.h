/*
 * dupes.h — near-duplicate pairs and groups among embeddings (cosine similarity ≥ a threshold).
 *
 * Pairs are found exactly, by blocked GEMM over the upper triangle, never by a per-pair loop over
 * every pair. Long vectors (dim > DUPES_DIRECT_DIM) go through a cheaper first pass: an
 * orthonormal basis Q of DUPES_PROJECT_DIM columns (the leading principal directions of a sample,
 * by subspace iteration) splits each row into p = Qᵀx and a residual of length r, and
 * Cauchy–Schwarz bounds every cosine:  x·y = p_x·p_y + res_x·res_y ≤ p_x·p_y + r_x·r_y.
 * That bound is one GEMM over rows [p, r], about 14× cheaper than the full one at 1,797-d; only
 * pairs whose bound reaches the threshold are checked with their full dot product, and a block
 * where too many pass is done with the full GEMM instead. Nothing is missed: the result equals the
 * plain full GEMM's (up to float rounding at the threshold itself). How much the first pass saves
 * depends on the data: embeddings whose energy sits in few directions (as CNN features do) prune
 * well; isotropic noise does not prune at all and costs the full GEMM plus about 8%.
 *
 * Groups are connected components of the pair graph (union-find), optionally with a size cap, for
 * cross-validation (dupes_groups: whatever is linked stays in one fold), or stars around a kept
 * picture, for showing duplicates (dupes_star_groups: every member near the kept one).
 */
#ifndef CULL_LEARN_DUPES_H
#define CULL_LEARN_DUPES_H

#include <stddef.h>
#include <stdint.h>

#define DUPES_BLOCK 1024         /* rows per GEMM block */
#define DUPES_DIRECT_DIM 384     /* up to this length, no first pass: the full GEMM is cheap */
#define DUPES_PROJECT_DIM 128    /* first-pass basis size for longer vectors */

typedef struct {
    int32_t a, b;   /* row indices, a < b */
    float cos;      /* x_a · x_b */
} dupes_pair;

typedef struct {
    int projected;            /* basis vectors the first pass used; 0 when it did not run */
    long long candidates;     /* pairs whose bound reached the threshold */
    int blocks, blocks_full;  /* block pairs, and those done with the full GEMM */
} dupes_stats;

/* The default near-duplicate threshold for an encoder id ("lite-1", "mobilenet-…"): a table of
   id prefixes, measured as dupes.c says, 0.95 for others. */
float dupes_default_threshold(const char *encoder_id);
/* What the measurement says near groups of this encoder at this threshold get wrong (one
   sentence, for a note on stderr), or NULL where it found nothing to warn about. */
const char *dupes_threshold_caveat(const char *encoder_id, float threshold);

/* Every pair a < b of the n rows of X (row i at X + i·ld, dim floats, unit length) with
   x_a·x_b ≥ threshold, in *out (malloc'd; free it), sorted by (a, b). Returns 0; -1 out of memory;
   -2 when there are more than max_pairs (threshold far too low). st may be NULL. */
int dupes_pairs(const float *X, int n, int dim, size_t ld, float threshold, size_t max_pairs,
                dupes_pair **out, size_t *n_out, dupes_stats *st);

/* Connected components of the pairs: group[i] = the smallest row index in i's component.
   With max_size > 0, pairs are joined most similar first and a join that would make a component
   larger than max_size is skipped (so a chain of merely similar images cannot swallow a whole
   class). Returns the number of components with two rows or more, or -1 when out of memory. */
int dupes_groups(int n, const dupes_pair *pairs, size_t n_pairs, int max_size, int *group);

/* Groups in which every member is within the threshold of the group's first picture, with no
   chaining through intermediates (a sequence of pictures each near the next, the ends far apart,
   is not one group). Pictures are taken in the order given, best to keep first: each one not yet
   grouped starts a group and takes every ungrouped picture it is paired with. group[i] = the
   picture that started i's group (i itself for a picture alone). Returns the number of groups of
   two pictures or more, or -1 when out of memory. */
int dupes_star_groups(int n, const dupes_pair *pairs, size_t n_pairs, const int *order, int *group);

#endif
