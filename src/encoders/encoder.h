/*
 * encoder.h — the interface every image encoder implements.
 *
 * An encoder turns a decoded preview (media/image.h) into a fixed-length float vector. The library
 * records embeddings under encoder->id (name plus a version or weights checksum), so vectors from
 * different encoders or weight files are never mixed. encode() must be safe to call from several
 * threads at once on one encoder.
 */
#ifndef CULL_ENCODERS_ENCODER_H
#define CULL_ENCODERS_ENCODER_H

#include "media/image.h"

typedef struct encoder encoder;
struct encoder {
    const char *name;   /* what the user types: "lite" */
    char id[96];        /* what the library records: "lite-1" */
    int dim;            /* length of the vector encode() writes */
    /* Writes dim floats to out. Returns 0, or -1 with a reason in err. */
    int (*encode)(const encoder *enc, const rgb_image *img, float *out, char *err, size_t errlen);
    /* Optional (NULL when the encoder has none): encodes n images at once, image i's vector at
       out + i·dim, using every core; the vectors of n encode() calls (up to float rounding). Returns 0, or -1 with a
       reason in err (then out is undefined). One call at a time runs; others wait. */
    int (*encode_batch)(const encoder *enc, const rgb_image *imgs, int n, float *out, char *err, size_t errlen);
    void (*close)(encoder *enc);
    void *state;        /* encoder-private */
};

/* Opens the encoder called name; NULL picks the default. A name containing '/' is a model folder:
   config.json + model.safetensors (a CLIP-family ViT), else a TensorFlow.js graph model (model.json
   + shards). NULL with a reason in err on failure. */
encoder *encoder_open(const char *name, char *err, size_t errlen);
void encoder_close(encoder *enc);
/* The folder of the CLIP-family model name stands for (NULL: the default encoder), as encoder_open
   resolves it. 0, or -1 with a reason: not a CLIP model (lite, mobilenet: no text tower), unknown,
   not installed (with the command that installs it). */
int encoder_clip_folder(const char *name, char *dir, size_t cap, char *err, size_t errlen);
/* Name of the encoder used when the user names none: "clip-vit-b32" when installed (models
   folder/clip-vit-b32/model.safetensors exists), else "mobilenet" when its model is
   installed (models folder/mobilenet/model.json exists), else "lite". */
const char *encoder_default_name(void);

/* Whether the registry's model called name (encoders/registry.h) can be opened here: built in, or
   its files are in the models folder. */
int encoder_installed(const char *name);
/* The registry name whose encoders' ids this id is one of ("mobilenet" for "mobilenet-1a2b…"), or
   NULL (a model folder's id, "vit-…" or "tfjs-…", names no registry encoder). */
const char *encoder_name_of_id(const char *id);
/* A rough end-to-end rate (images/s on 2 cores) for the time a switch will take. */
double encoder_rough_rate(const char *name);

/* The folder installed models live in: $CULL_MODELS if set, else $XDG_DATA_HOME/cull/models, else
   $HOME/.local/share/cull/models. Returns buf (or the variable's value). */
const char *encoder_models_dir(char *buf, size_t cap);

/* The built-in encoders. */
encoder *lite_encoder_open(void);
/* A TensorFlow.js graph model in folder dir (tfjs_encoder.c): name (NULL: the folder) and id name +
   "-" + checksum of its files ("tfjs-" for a folder). */
encoder *tfjs_encoder_open(const char *dir, const char *name, char *err, size_t errlen);
/* A CLIP-family vision transformer in folder dir (config.json + model.safetensors; vit_encoder.c):
   name (NULL: the folder) and id name + "-" + checksum of model.safetensors ("vit-" for a folder). */
encoder *vit_encoder_open(const char *dir, const char *name, char *err, size_t errlen);
/* Whether dir holds a model.safetensors (then it is opened as a ViT, whose loader names anything
   else missing, such as config.json). */
int vit_folder_looks_like(const char *dir);

#endif
