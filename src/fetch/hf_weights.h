/*
 * hf_weights.h — fetching a model.safetensors from the hub: the whole file, or only one tower of a
 * joint CLIP checkpoint (hf_fetch.c's helper): the vision tower into dir/model.safetensors, the
 * text tower ("text_model.*", "text_projection.weight", "logit_scale") into
 * dir/text_model.safetensors, so each tower's file stays what it was when the other is added.
 *
 * First the 8-byte header length and the JSON header are fetched (two range requests) and
 * validated (encoders/safetensors.h). If every tensor belongs to the tower asked for (vision:
 * "vision_model.*" and "visual_projection.weight") the whole file is downloaded and its size
 * and SHA-256 checked against the hub's X-Linked-Size and X-Linked-Etag. Otherwise a new, smaller
 * safetensors file is written: a header listing the tower's tensors in their original order, then
 * their bytes, fetched with one range request per run of adjacent tensors; each range must come
 * back as exactly the bytes asked for (206, Content-Range, count), every answer must carry the
 * same ETag and total size as the first. The hub's SHA-256 covers the whole file, which is not
 * downloaded, so an extracted file is checked for structure and sizes, not content hash.
 *
 * Both write dir/FILE.part sequentially, so its length says how far a download got;
 * dir/FILE.part.source records what it is a part of (the hub's ETag, size, mode). A later run
 * continues where the last stopped when that record matches, else starts over. Done, the part is
 * renamed to dir/FILE.
 */
#ifndef CULL_FETCH_HF_WEIGHTS_H
#define CULL_FETCH_HF_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t remote_size;        /* of the file on the hub */
    char remote_sha256[65];     /* the hub's X-Linked-Etag when it is a SHA-256, else "" */
    int extracted;              /* 1: only the tower's tensors were fetched */
    size_t kept, dropped;       /* tensors */
    int ranges;                 /* range requests for the data */
    int64_t written;            /* bytes of dir/FILE */
    char sha256[65];            /* of dir/FILE */
} hf_weights_result;

typedef enum { HF_VISION_TOWER, HF_TEXT_TOWER } hf_tower;

/* The file a tower goes to: "model.safetensors" or "text_model.safetensors". */
const char *hf_tower_file(hf_tower tower);

/* 0, or -1 with a reason in err; HF_NO_SUCH_TOWER (with a reason) when the file holds none of the
   tower's tensors. */
#define HF_NO_SUCH_TOWER (-2)
int hf_fetch_weights(const char *url, const char *dir, hf_tower tower, hf_weights_result *r, char *err, size_t errlen);

#endif
