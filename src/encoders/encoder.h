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
    void (*close)(encoder *enc);
    void *state;        /* encoder-private */
};

/* Opens the encoder called name; NULL picks the default. NULL with a reason in err on failure. */
encoder *encoder_open(const char *name, char *err, size_t errlen);
void encoder_close(encoder *enc);
/* Name of the encoder used when the user names none. */
const char *encoder_default_name(void);

/* The built-in encoders. */
encoder *lite_encoder_open(void);

#endif
