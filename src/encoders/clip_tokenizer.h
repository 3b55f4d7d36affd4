/*
 * clip_tokenizer.h — CLIP's byte-level BPE tokenizer: a text becomes the 77 token ids the text
 * tower reads, as OpenAI's simple_tokenizer and Hugging Face's CLIPTokenizer produce them.
 *
 * The files (a Hugging Face CLIP folder has both):
 *   vocab.json  — symbol → id. OpenAI's order: the 256 byte symbols, the same with "</w>", one
 *                 symbol per merge, then "<|startoftext|>" and "<|endoftext|>".
 *   merges.txt  — a "#version" line, then one merge per line, "A B", ranked by line; at most
 *                 49152 − 258 are read, as Hugging Face reads them.
 * Both are untrusted: every byte symbol (plain and with "</w>"), both special tokens and every
 * merge's parts and result must be in the vocabulary, ids must be distinct and below its size,
 * and a line is at most CLIP_TOKENIZER_MAX_LINE bytes; else loading fails naming the file and line.
 *
 * Encoding a text:
 *   1. clean-up, in this order: Unicode NFC; Latin ligatures split (ﬁ → fi, ĳ → ij, …: ftfy's
 *      table); full-width ASCII to ASCII (U+FF01–FF5E, and U+3000 to a space); curly quotes
 *      straightened (U+02BC, U+2018–201B → ', U+201C–201F → "); HTML entities unescaped twice
 *      (&#N; and &#xH; — 0, surrogates and values past U+10FFFF become U+FFFD — and the HTML 4
 *      names plus &apos;, from libxml2's table; anything else stays — Python's html.unescape,
 *      which OpenAI used, also takes a few names without their ';' and maps &#128;–&#159; through
 *      Windows-1252: such text may tokenize differently); every run of white space
 *      to one space, the ends trimmed; lower case (Unicode's mappings, as Python's str.lower:
 *      GLib's plus the Roman numerals and circled letters). This is what CLIP's training text went
 *      through (ftfy.fix_text, html.unescape twice, whitespace_clean, lower);
 *   2. split by the pattern <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|
 *      [^\s\p{L}\p{N}]+ (the first alternative that matches at each place; GLib's Unicode
 *      classes), white space dropped;
 *   3. each piece: a special token keeps its id; any other piece's UTF-8 bytes become byte symbols,
 *      the last one marked "</w>", and adjacent pairs are merged lowest rank first (every
 *      occurrence of the pair, left to right) until no pair has a rank;
 *   4. ids = start token, the pieces' ids (at most 75), end token; padded with the end token to 77.
 */
#ifndef CULL_ENCODERS_CLIP_TOKENIZER_H
#define CULL_ENCODERS_CLIP_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#define CLIP_CONTEXT 77                 /* token positions of every CLIP text tower */
#define CLIP_TOKENIZER_MAX_LINE 4096    /* bytes of one merges.txt line */
#define CLIP_TEXT_MAX_BYTES 4096        /* a longer text is refused: 77 tokens never need more */

typedef struct clip_tokenizer clip_tokenizer;

/* dir/vocab.json + dir/merges.txt. NULL with a reason naming the file in err. */
clip_tokenizer *clip_tokenizer_load(const char *dir, char *err, size_t errlen);
/* The same from bytes in memory (not kept); the labels name them in messages. */
clip_tokenizer *clip_tokenizer_parse(const char *vocab, size_t vocab_len, const char *vocab_label,
                                     const char *merges, size_t merges_len, const char *merges_label, char *err,
                                     size_t errlen);
void clip_tokenizer_free(clip_tokenizer *t);

/* The vocabulary's size and the two special ids. */
int clip_tokenizer_vocab_size(const clip_tokenizer *t);
int clip_tokenizer_start_id(const clip_tokenizer *t);
int clip_tokenizer_end_id(const clip_tokenizer *t);

/* Encodes text (NUL-terminated UTF-8) into ids as described above. Returns how many ids precede the
   padding (2 to 77), or -1 with a reason (not UTF-8, longer than CLIP_TEXT_MAX_BYTES). */
int clip_tokenize(const clip_tokenizer *t, const char *text, int32_t ids[CLIP_CONTEXT], char *err, size_t errlen);

/* Step 1 alone: a new string (g_free it), or NULL when text is not valid UTF-8. */
char *clip_text_clean(const char *text);

/* Why text cannot be a prompt ("longer than 4096 bytes", "not valid UTF-8", "says nothing (empty
   once cleaned up)"), or NULL when it can. */
const char *clip_text_problem(const char *text);

#endif
