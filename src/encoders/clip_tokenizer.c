/*
 * clip_tokenizer.c — CLIP's byte-level BPE tokenizer (clip_tokenizer.h).
 *
 * Symbols are UTF-8 strings (the byte symbols of bytes_to_unicode are code points 33–255 and
 * 256–323, so one or two bytes each). The vocabulary and the merge ranks are GLib hash tables; a
 * merge is looked up by "A B", the very line merges.txt holds.
 */
#include "encoders/clip_tokenizer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>

#define MAX_FILE_BYTES (64u << 20)      /* OpenAI's vocab.json is 0.9 MB, merges.txt 0.5 MB */
#define MAX_MERGES (49152 - 256 - 2)    /* as Hugging Face's CLIPTokenizer reads merges.txt */
#define START "<|startoftext|>"
#define END "<|endoftext|>"

struct clip_tokenizer {
    GHashTable *vocab;          /* symbol → id + 1 (so that 0 means absent) */
    GHashTable *ranks;          /* "A B" → rank + 1 */
    int size, start_id, end_id;
    char byte_symbol[256][3];   /* bytes_to_unicode: byte → its symbol, UTF-8 */
};

/* ---- bytes_to_unicode ------------------------------------------------------------------------- */

/* The bytes that stand for themselves; the others stand, in increasing order, for U+0100 onwards. */
static int printable(int b)
{
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

static void byte_symbols(clip_tokenizer *t)
{
    int next = 256;
    for (int b = 0; b < 256; b++) {
        int cp = printable(b) ? b : next++;
        g_unichar_to_utf8((gunichar)cp, t->byte_symbol[b]);
        t->byte_symbol[b][cp < 0x80 ? 1 : 2] = 0;
    }
}

/* The byte symbols in vocab.json's order (printable bytes first, then the others). */
static int byte_symbol_at(const clip_tokenizer *t, int i, char out[8], int end_of_word)
{
    int n = 0;
    for (int pass = 1; pass >= 0; pass--)
        for (int b = 0; b < 256; b++)
            if (printable(b) == pass && n++ == i)
                return snprintf(out, 8, "%s%s", t->byte_symbol[b], end_of_word ? "</w>" : "");
    return 0;
}

/* ---- loading ---------------------------------------------------------------------------------- */

static int vocab_id(const clip_tokenizer *t, const char *symbol)
{
    return GPOINTER_TO_INT(g_hash_table_lookup(t->vocab, symbol)) - 1;
}

static int parse_vocab(clip_tokenizer *t, const char *text, size_t len, const char *label, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    if (!root || !json_is_object(root)) {
        if (root) snprintf(err, errlen, "%s: not a JSON object of symbols and ids", label);
        else snprintf(err, errlen, "%s: not valid JSON (line %d: %s)", label, jerr.line, jerr.text);
        json_decref(root);
        return -1;
    }
    size_t n = json_object_size(root);
    unsigned char *seen = calloc(n ? n : 1, 1);
    const char *key;
    json_t *v;
    int rc = seen ? 0 : -1;
    if (!seen) snprintf(err, errlen, "%s: out of memory", label);
    json_object_foreach(root, key, v) {
        if (rc) break;
        json_int_t id = json_is_integer(v) ? json_integer_value(v) : -1;
        if (id < 0 || (size_t)id >= n || seen[id]) {
            snprintf(err, errlen, "%s: symbol '%.40s' has %s; ids must be distinct integers from 0 to %zu", label, key,
                     !json_is_integer(v) ? "no integer id" : id >= 0 && (size_t)id < n ? "an id used twice" : "an id out of range",
                     n - 1);
            rc = -1;
            break;
        }
        seen[id] = 1;
        g_hash_table_insert(t->vocab, g_strdup(key), GINT_TO_POINTER((int)id + 1));
    }
    free(seen);
    json_decref(root);
    if (rc) return -1;
    t->size = (int)n;
    for (int i = 0; i < 512; i++) {
        char sym[8];
        byte_symbol_at(t, i % 256, sym, i >= 256);
        if (vocab_id(t, sym) < 0) {
            snprintf(err, errlen, "%s: the byte symbol '%s' is missing (not a byte-level BPE vocabulary)", label, sym);
            return -1;
        }
    }
    t->start_id = vocab_id(t, START);
    t->end_id = vocab_id(t, END);
    if (t->start_id < 0 || t->end_id < 0) {
        snprintf(err, errlen, "%s: no %s token (not a CLIP vocabulary)", label, t->start_id < 0 ? START : END);
        return -1;
    }
    return 0;
}

static int parse_merges(clip_tokenizer *t, const char *text, size_t len, const char *label, char *err, size_t errlen)
{
    const char *p = text, *end = text + len;
    int line = 0, rank = 0;
    char buf[CLIP_TOKENIZER_MAX_LINE + 1];
    while (p < end && rank < MAX_MERGES) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        line++;
        if (n > CLIP_TOKENIZER_MAX_LINE) {
            snprintf(err, errlen, "%s: line %d is longer than %d bytes", label, line, CLIP_TOKENIZER_MAX_LINE);
            return -1;
        }
        memcpy(buf, p, n);
        buf[n] = 0;
        p = nl ? nl + 1 : end;
        if (n && buf[n - 1] == '\r') buf[--n] = 0;
        if (line == 1 && strncmp(buf, "#version", 8) == 0) continue;
        if (n == 0) continue; /* blank lines (Hugging Face strips the file's ends) */
        char *space = strchr(buf, ' ');
        if (!space || space == buf || !space[1] || strchr(space + 1, ' ') || memchr(buf, 0, n) != NULL) {
            snprintf(err, errlen, "%s: line %d is not two symbols separated by one space", label, line);
            return -1;
        }
        *space = 0;
        char joined[2 * CLIP_TOKENIZER_MAX_LINE + 2];
        snprintf(joined, sizeof joined, "%s%s", buf, space + 1);
        const char *missing = vocab_id(t, buf) < 0 ? buf : vocab_id(t, space + 1) < 0 ? space + 1
                            : vocab_id(t, joined) < 0 ? joined : NULL;
        if (missing) {
            snprintf(err, errlen, "%s: line %d: '%.60s' is not in vocab.json", label, line, missing);
            return -1;
        }
        *space = ' ';
        if (!g_hash_table_contains(t->ranks, buf))
            g_hash_table_insert(t->ranks, g_strdup(buf), GINT_TO_POINTER(rank + 1));
        rank++;
    }
    return 0;
}

clip_tokenizer *clip_tokenizer_parse(const char *vocab, size_t vocab_len, const char *vocab_label,
                                     const char *merges, size_t merges_len, const char *merges_label, char *err,
                                     size_t errlen)
{
    clip_tokenizer *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "%s: out of memory", vocab_label);
        return NULL;
    }
    t->vocab = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    t->ranks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    byte_symbols(t);
    if (parse_vocab(t, vocab, vocab_len, vocab_label, err, errlen) ||
        parse_merges(t, merges, merges_len, merges_label, err, errlen)) {
        clip_tokenizer_free(t);
        return NULL;
    }
    return t;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    gchar *data = NULL;
    gsize n = 0;
    GError *ge = NULL;
    if (!g_file_get_contents(path, &data, &n, &ge)) {
        int missing = g_error_matches(ge, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        snprintf(err, errlen, "%s: %s", path, missing ? strerror(ENOENT) : ge->message);
        g_error_free(ge);
        return NULL;
    }
    if (n > MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: larger than %u MB, not a tokenizer file", path, MAX_FILE_BYTES >> 20);
        g_free(data);
        return NULL;
    }
    *len = n;
    return data;
}

clip_tokenizer *clip_tokenizer_load(const char *dir, char *err, size_t errlen)
{
    char vpath[4096], mpath[4096];
    snprintf(vpath, sizeof vpath, "%s/vocab.json", dir);
    snprintf(mpath, sizeof mpath, "%s/merges.txt", dir);
    size_t vlen = 0, mlen = 0;
    char *v = read_file(vpath, &vlen, err, errlen);
    char *m = v ? read_file(mpath, &mlen, err, errlen) : NULL;
    clip_tokenizer *t = m ? clip_tokenizer_parse(v, vlen, vpath, m, mlen, mpath, err, errlen) : NULL;
    g_free(v);
    g_free(m);
    return t;
}

void clip_tokenizer_free(clip_tokenizer *t)
{
    if (!t) return;
    g_hash_table_destroy(t->vocab);
    g_hash_table_destroy(t->ranks);
    free(t);
}

int clip_tokenizer_vocab_size(const clip_tokenizer *t) { return t->size; }
int clip_tokenizer_start_id(const clip_tokenizer *t) { return t->start_id; }
int clip_tokenizer_end_id(const clip_tokenizer *t) { return t->end_id; }

/* ---- clean-up ----------------------------------------------------------------------------------- */

/* ftfy's fix_latin_ligatures table. */
static const char *ligature(gunichar c)
{
    switch (c) {
    case 0x0132: return "IJ";
    case 0x0133: return "ij";
    case 0x0149: return "\xCA\xBCn"; /* ʼn: its apostrophe is straightened next */
    case 0x01C4: return "D\xC5\xBD";
    case 0x01C5: return "D\xC5\xBE";
    case 0x01C6: return "d\xC5\xBE";
    case 0x01C7: return "LJ";
    case 0x01C8: return "Lj";
    case 0x01C9: return "lj";
    case 0x01CA: return "NJ";
    case 0x01CB: return "Nj";
    case 0x01CC: return "nj";
    case 0x01F1: return "DZ";
    case 0x01F2: return "Dz";
    case 0x01F3: return "dz";
    case 0xFB00: return "ff";
    case 0xFB01: return "fi";
    case 0xFB02: return "fl";
    case 0xFB03: return "ffi";
    case 0xFB04: return "ffl";
    case 0xFB05: return "\xC5\xBFt";
    case 0xFB06: return "st";
    default: return NULL;
    }
}

static gunichar straighten(gunichar c)
{
    if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFF01 + 0x21;
    if (c == 0x3000) return ' ';
    if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) return '\'';
    if (c >= 0x201C && c <= 0x201F) return '"';
    return c;
}

/* One pass of &#N; &#xH; &name; (clip_tokenizer.h). */
static GString *unescape_html(const char *s)
{
    GString *out = g_string_sized_new(strlen(s));
    while (*s) {
        const char *amp = strchr(s, '&');
        if (!amp) {
            g_string_append(out, s);
            break;
        }
        g_string_append_len(out, s, amp - s);
        s = amp + 1;
        const char *semi = s;
        gunichar cp = 0;
        int ok = 0;
        if (*s == '#') {
            int hex = s[1] == 'x' || s[1] == 'X';
            const char *d = s + 1 + hex;
            semi = d;
            unsigned long long v = 0;
            while (hex ? g_ascii_isxdigit(*semi) : g_ascii_isdigit(*semi)) {
                v = v * (hex ? 16 : 10) + (unsigned)(hex ? g_ascii_xdigit_value(*semi) : *semi - '0');
                if (v > 0x10FFFF) v = 0x110000;
                semi++;
            }
            ok = semi > d && *semi == ';';
            cp = v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ? 0xFFFD : (gunichar)v;
        } else {
            while (g_ascii_isalnum(*semi) && semi - s < 16) semi++;
            if (*semi == ';' && semi > s) {
                char name[17];
                memcpy(name, s, (size_t)(semi - s));
                name[semi - s] = 0;
                const htmlEntityDesc *e = htmlEntityLookup((const xmlChar *)name);
                ok = e != NULL;
                cp = e ? e->value : 0;
            }
        }
        if (ok) {
            g_string_append_unichar(out, cp);
            s = semi + 1;
        } else {
            g_string_append_c(out, '&');
        }
    }
    return out;
}

/* Python's str.isspace(), which CLIP's whitespace_clean (\s+) follows. */
static int is_space(gunichar c)
{
    return g_unichar_isspace(c) || c == 0x0B || (c >= 0x1C && c <= 0x1F) || c == 0x85;
}

char *clip_text_clean(const char *text)
{
    if (!g_utf8_validate(text, -1, NULL)) return NULL;
    char *nfc = g_utf8_normalize(text, -1, G_NORMALIZE_DEFAULT_COMPOSE);
    if (!nfc) return NULL;
    GString *s = g_string_sized_new(strlen(nfc));
    for (const char *p = nfc; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        const char *lig = ligature(c);
        if (!lig) {
            g_string_append_unichar(s, straighten(c));
            continue;
        }
        for (const char *q = lig; *q; q = g_utf8_next_char(q)) g_string_append_unichar(s, straighten(g_utf8_get_char(q)));
    }
    g_free(nfc);
    GString *once = unescape_html(s->str);
    GString *twice = unescape_html(once->str);
    g_string_free(s, TRUE);
    g_string_free(once, TRUE);
    GString *spaced = g_string_sized_new(twice->len);
    int pending = 0;
    for (const char *p = twice->str; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (is_space(c)) {
            pending = spaced->len > 0;
            continue;
        }
        if (pending) g_string_append_c(spaced, ' ');
        pending = 0;
        g_string_append_unichar(spaced, c);
    }
    g_string_free(twice, TRUE);
    /* GLib lowers letters only; Unicode (and Python's str.lower, which CLIP used) also lowers the
       Roman numerals and circled letters, the only other code points with a lowercase mapping */
    for (char *p = spaced->str; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if ((c >= 0x2160 && c <= 0x216F) || (c >= 0x24B6 && c <= 0x24CF)) /* same UTF-8 length */
            g_unichar_to_utf8(c + (c < 0x24B6 ? 0x10 : 0x1A), p);
    }
    char *lower = g_utf8_strdown(spaced->str, (gssize)spaced->len);
    g_string_free(spaced, TRUE);
    return lower;
}

/* ---- splitting and BPE ------------------------------------------------------------------------- */

static int is_letter(gunichar c)
{
    switch (g_unichar_type(c)) {
    case G_UNICODE_LOWERCASE_LETTER: case G_UNICODE_UPPERCASE_LETTER: case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER: case G_UNICODE_OTHER_LETTER: return 1;
    default: return 0;
    }
}

static int is_number(gunichar c)
{
    GUnicodeType k = g_unichar_type(c);
    return k == G_UNICODE_DECIMAL_NUMBER || k == G_UNICODE_LETTER_NUMBER || k == G_UNICODE_OTHER_NUMBER;
}

/* Length in bytes of the piece starting at p (not white space), by the pattern's alternatives. */
static size_t piece_length(const char *p)
{
    static const char *const fixed[] = {START, END, "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        if (strncmp(p, fixed[i], strlen(fixed[i])) == 0) return strlen(fixed[i]);
    gunichar c = g_utf8_get_char(p);
    const char *q = g_utf8_next_char(p);
    if (is_number(c)) return (size_t)(q - p);
    int letters = is_letter(c);
    while (*q) {
        gunichar d = g_utf8_get_char(q);
        if (letters ? !is_letter(d) : is_space(d) || is_letter(d) || is_number(d)) break;
        q = g_utf8_next_char(q);
    }
    return (size_t)(q - p);
}

/* Byte-pair merges over one piece: appends its ids to ids[*n..cap). */
static void bpe(const clip_tokenizer *t, const char *piece, size_t len, int32_t *ids, int *n, int cap)
{
    GPtrArray *sym = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < len; i++)
        g_ptr_array_add(sym, g_strconcat(t->byte_symbol[(unsigned char)piece[i]], i + 1 == len ? "</w>" : "", NULL));
    GString *key = g_string_new(NULL);
    for (;;) {
        int best = 0; /* rank + 1 */
        for (guint i = 0; i + 1 < sym->len; i++) {
            g_string_printf(key, "%s %s", (char *)sym->pdata[i], (char *)sym->pdata[i + 1]);
            int r = GPOINTER_TO_INT(g_hash_table_lookup(t->ranks, key->str));
            if (r && (!best || r < best)) best = r;
        }
        if (!best) break;
        for (guint i = 0; i + 1 < sym->len; i++) {
            g_string_printf(key, "%s %s", (char *)sym->pdata[i], (char *)sym->pdata[i + 1]);
            if (GPOINTER_TO_INT(g_hash_table_lookup(t->ranks, key->str)) != best) continue;
            char *joined = g_strconcat(sym->pdata[i], sym->pdata[i + 1], NULL);
            g_free(sym->pdata[i]);
            sym->pdata[i] = joined;
            g_ptr_array_remove_index(sym, i + 1);
        }
    }
    for (guint i = 0; i < sym->len && *n < cap; i++) {
        int id = vocab_id(t, sym->pdata[i]); /* loading checked every merge's result is in the vocabulary */
        ids[(*n)++] = id;
    }
    g_string_free(key, TRUE);
    g_ptr_array_free(sym, TRUE);
}

int clip_tokenize(const clip_tokenizer *t, const char *text, int32_t ids[CLIP_CONTEXT], char *err, size_t errlen)
{
    if (strlen(text) > CLIP_TEXT_MAX_BYTES) {
        snprintf(err, errlen, "a text of %zu bytes is longer than %d (CLIP reads %d tokens)", strlen(text),
                 CLIP_TEXT_MAX_BYTES, CLIP_CONTEXT);
        return -1;
    }
    char *clean = clip_text_clean(text);
    if (!clean) {
        snprintf(err, errlen, "the text is not valid UTF-8");
        return -1;
    }
    int n = 0, cap = CLIP_CONTEXT - 1;
    ids[n++] = t->start_id;
    for (const char *p = clean; *p && n < cap;) {
        if (is_space(g_utf8_get_char(p))) {
            p = g_utf8_next_char(p);
            continue;
        }
        size_t len = piece_length(p);
        if ((len == strlen(START) && strncmp(p, START, len) == 0) || (len == strlen(END) && strncmp(p, END, len) == 0))
            ids[n++] = p[2] == 's' ? t->start_id : t->end_id;
        else
            bpe(t, p, len, ids, &n, cap);
        p += len;
    }
    g_free(clean);
    ids[n++] = t->end_id;
    for (int i = n; i < CLIP_CONTEXT; i++) ids[i] = t->end_id;
    return n;
}

const char *clip_text_problem(const char *text)
{
    if (strlen(text) > CLIP_TEXT_MAX_BYTES) return "longer than 4096 bytes";
    char *clean = clip_text_clean(text);
    const char *why = !clean ? "not valid UTF-8" : !*clean ? "says nothing (empty once cleaned up)" : NULL;
    g_free(clean);
    return why;
}
