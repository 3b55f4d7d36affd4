/*
 * fuzz_tokenizer.c — CLIP's tokenizer files (vocab.json, merges.txt) and texts. The files come with
 * a model folder a user downloads or assembles: damaged ones must give an error naming the file,
 * never a bad read; a tokenizer that loads must encode any text into 77 ids inside its vocabulary.
 *
 * Input: vocab.json, a NUL byte, merges.txt, a NUL byte, a text (each part may be missing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "encoders/clip_tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *vocab = (const char *)data, *end = vocab + size;
    const char *nul = memchr(vocab, 0, size);
    const char *merges = nul ? nul + 1 : end;
    const char *nul2 = memchr(merges, 0, (size_t)(end - merges));
    const char *text = nul2 ? nul2 + 1 : end;
    char err[512];
    clip_tokenizer *t = clip_tokenizer_parse(vocab, (size_t)((nul ? nul : end) - vocab), "vocab.json", merges,
                                             (size_t)((nul2 ? nul2 : end) - merges), "merges.txt", err, sizeof err);
    if (!t) {
        if (!err[0]) abort(); /* a refusal always says why */
        return 0;
    }
    char *s = g_strndup(text, (gsize)(end - text));
    const char *texts[] = {s, "a photo of a cat", "<|endoftext|> it's 2024 &amp;amp; ﬁne", ""};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        int32_t ids[CLIP_CONTEXT];
        int n = clip_tokenize(t, texts[i], ids, err, sizeof err);
        if (n < 0) continue;
        if (n < 2 || n > CLIP_CONTEXT || ids[0] != clip_tokenizer_start_id(t) || ids[n - 1] != clip_tokenizer_end_id(t))
            abort();
        for (int k = 0; k < CLIP_CONTEXT; k++)
            if (ids[k] < 0 || ids[k] >= clip_tokenizer_vocab_size(t)) abort();
    }
    g_free(s);
    clip_tokenizer_free(t);
    return 0;
}
