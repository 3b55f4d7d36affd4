/*
 * encoder.c — the registry of built-in encoders: a name the user types, and how to open it.
 * A new encoder is one more row in the table.
 */
#include "encoders/encoder.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    /* NULL with a reason in err on failure (missing weights, out of memory, ...). */
    encoder *(*open)(char *err, size_t errlen);
} encoder_entry;

static encoder *open_lite(char *err, size_t errlen)
{
    encoder *enc = lite_encoder_open();
    if (!enc)
        snprintf(err, errlen, "lite: out of memory");
    return enc;
}

static const encoder_entry encoders[] = {
    {"lite", open_lite},
};

#define N_ENCODERS (sizeof encoders / sizeof encoders[0])

const char *encoder_default_name(void)
{
    return "lite";
}

/* "a, b, c": the known names, for the unknown-encoder message. */
static void known_names(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_ENCODERS && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", encoders[i].name);
        used += w > 0 ? (size_t)w : 0;
    }
}

encoder *encoder_open(const char *name, char *err, size_t errlen)
{
    char scratch[1];
    if (!err || !errlen) { /* callers may not care why; the openers still need somewhere to write */
        err = scratch;
        errlen = sizeof scratch;
    }
    if (!name)
        name = encoder_default_name();
    for (size_t i = 0; i < N_ENCODERS; i++)
        if (strcmp(encoders[i].name, name) == 0)
            return encoders[i].open(err, errlen);
    char known[256];
    known_names(known, sizeof known);
    snprintf(err, errlen, "unknown encoder '%s' (known: %s)", name, known);
    return NULL;
}

void encoder_close(encoder *enc)
{
    if (enc)
        enc->close(enc);
}
