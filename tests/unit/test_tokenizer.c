/*
 * test_tokenizer.c — CLIP's tokenizer (encoders/clip_tokenizer.c) on a vocabulary written here by
 * hand in OpenAI's order, with expectations worked out by hand from the definition:
 *   - the clean-up, one rule at a time (NFC, ligatures, full width, quotes, entities twice,
 *     white space, lower case) and invalid UTF-8 refused;
 *   - merges applied by rank, not by position; every occurrence of a pair in one step;
 *   - the split pattern: contractions, digits one by one, punctuation runs, a literal special
 *     token kept whole, and swallowed by a punctuation run before it as the regex does;
 *   - start + 75 + end at most, padded with the end id;
 *   - damaged files: each refusal names the file and the line or symbol.
 * The PyTorch reference (tests/e2e/text.sh) checks the same on many prompts; these pin the rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "encoders/clip_tokenizer.h"

/* ---- a vocabulary by hand ------------------------------------------------------------------- */

static const char *const MERGES[] = {"l l", "h e", "he ll", "hell o</w>", "a a", "c a", "ca t</w>", "' s</w>"};
#define N_MERGES (sizeof MERGES / sizeof *MERGES)

/* OpenAI's bytes_to_unicode order: printable bytes, then the rest mapped from U+0100. */
static void byte_symbol(int i, char out[8])
{
    int bs[256], n = 0;
    for (int b = 0; b < 256; b++)
        if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) bs[n++] = b;
    int cp = i < n ? bs[i] : 256 + (i - n);
    out[g_unichar_to_utf8((gunichar)cp, out)] = 0;
}

static GString *vocab_json(int skip_byte)
{
    GString *v = g_string_new("{");
    int id = 0;
    for (int end = 0; end < 2; end++)
        for (int i = 0; i < 256; i++, id++) {
            char sym[8];
            byte_symbol(i, sym);
            if (id == skip_byte) { /* its id goes to another symbol: the vocabulary stays dense */
                g_string_append_printf(v, "%s\"not a byte\": %d", id ? ", " : "", id);
                continue;
            }
            g_string_append_printf(v, "%s\"%s%s%s\": %d", id ? ", " : "", strcmp(sym, "\"") == 0 ? "\\" : "",
                                   strcmp(sym, "\\") == 0 ? "\\\\" : sym, end ? "</w>" : "", id);
        }
    for (size_t m = 0; m < N_MERGES; m++) {
        char *joined = g_strdup(MERGES[m]);
        char *sp = strchr(joined, ' ');
        memmove(sp, sp + 1, strlen(sp));
        g_string_append_printf(v, ", \"%s\": %d", joined, id++);
        g_free(joined);
    }
    g_string_append_printf(v, ", \"<|startoftext|>\": %d, \"<|endoftext|>\": %d}", id, id + 1);
    return v;
}

static GString *merges_txt(void)
{
    GString *m = g_string_new("#version: 0.2\n");
    for (size_t i = 0; i < N_MERGES; i++) g_string_append_printf(m, "%s\n", MERGES[i]);
    return m;
}

static clip_tokenizer *load(const char *vocab, const char *merges, char *err, size_t errlen)
{
    return clip_tokenizer_parse(vocab, strlen(vocab), "dir/vocab.json", merges, strlen(merges), "dir/merges.txt",
                                err, errlen);
}

static clip_tokenizer *tiny(void)
{
    GString *v = vocab_json(-1), *m = merges_txt();
    char err[256] = "";
    clip_tokenizer *t = load(v->str, m->str, err, sizeof err);
    if (!t) fprintf(stderr, "%s\n", err);
    assert_non_null(t);
    g_string_free(v, TRUE);
    g_string_free(m, TRUE);
    return t;
}

/* id of a symbol of the hand-made vocabulary: byte symbols by their character, merges by result */
static int sym_id(const char *s)
{
    for (int end = 0; end < 2; end++)
        for (int i = 0; i < 256; i++) {
            char sym[16];
            byte_symbol(i, sym);
            if (end) strcat(sym, "</w>");
            if (strcmp(sym, s) == 0) return end * 256 + i;
        }
    for (size_t m = 0; m < N_MERGES; m++) {
        char joined[32];
        snprintf(joined, sizeof joined, "%s", MERGES[m]);
        char *sp = strchr(joined, ' ');
        memmove(sp, sp + 1, strlen(sp));
        if (strcmp(joined, s) == 0) return 512 + (int)m;
    }
    fail_msg("no symbol %s", s);
    return -1;
}

#define START (512 + (int)N_MERGES)
#define END (START + 1)

/* text's ids before the padding equal want[0..n) (start and end included). */
static void expect_ids(clip_tokenizer *t, const char *text, const int *want, int n)
{
    int32_t ids[CLIP_CONTEXT];
    char err[256];
    int got = clip_tokenize(t, text, ids, err, sizeof err);
    if (got != n) fail_msg("'%s': %d ids, wanted %d", text, got, n);
    for (int i = 0; i < n; i++)
        if (ids[i] != want[i]) fail_msg("'%s': id %d is %d, wanted %d", text, i, ids[i], want[i]);
    for (int i = n; i < CLIP_CONTEXT; i++) assert_int_equal(ids[i], END);
}

/* ---- the clean-up ---------------------------------------------------------------------------- */

static void expect_clean(const char *in, const char *want)
{
    char *got = clip_text_clean(in);
    assert_non_null(got);
    if (strcmp(got, want)) fail_msg("clean('%s') = '%s', wanted '%s'", in, got, want);
    g_free(got);
}

static void test_clean(void **state)
{
    (void)state;
    expect_clean("  Hello\t\n  WORLD \r\n", "hello world");
    expect_clean("cafe\xCC\x81", "caf\xC3\xA9");                      /* NFD → NFC */
    expect_clean("\xEF\xAC\x81ne \xC4\xB3s", "fine ijs");              /* ﬁne ĳs */
    expect_clean("\xC5\x89", "'n");                                    /* ŉ → ʼn → 'n */
    expect_clean("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\x91\xEF\xBC\x81\xE3\x80\x80x", "ab1! x"); /* ＡＢ１！, U+3000 */
    expect_clean("\xE2\x80\x9Cq\xE2\x80\x9D \xE2\x80\x98s\xE2\x80\x99", "\"q\" 's'");
    expect_clean("&amp;amp; &lt;b&gt; &#39;&#x27;&#X41;", "& <b> ''a");  /* twice; then lower case */
    expect_clean("&amp;amp;amp;", "&amp;");                             /* only twice */
    expect_clean("&foo; & &#; &#x; &amp", "&foo; & &#; &#x; &amp");     /* left as they are */
    expect_clean("&#0;&#xD800;&#99999999999;", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    expect_clean("&eacute;&apos;&nbsp;x", "\xC3\xA9' x");             /* HTML 4 names, &apos;; nbsp is space */
    expect_clean("\xE2\x85\xAB \xE2\x92\xB6", "\xE2\x85\xBB \xE2\x93\x90");  /* Ⅻ Ⓐ → ⅻ ⓐ, as Python lowers */
    expect_clean("", "");
    assert_null(clip_text_clean("bad \xFF byte"));
}

/* ---- encoding ----------------------------------------------------------------------------------- */

static void test_merges_by_rank(void **state)
{
    (void)state;
    clip_tokenizer *t = tiny();
    assert_int_equal(clip_tokenizer_vocab_size(t), END + 1);
    assert_int_equal(clip_tokenizer_start_id(t), START);
    assert_int_equal(clip_tokenizer_end_id(t), END);
    /* h e l l o</w>: "l l" (rank 0) before "h e" (1), then "he ll", then "hell o</w>" */
    expect_ids(t, "Hello", (int[]){START, sym_id("hello</w>"), END}, 3);
    /* "hell" ends the word: "hell o</w>" never applies, "l l</w>" is no merge → he, l, l</w> */
    expect_ids(t, "hell", (int[]){START, sym_id("he"), sym_id("l"), sym_id("l</w>"), END}, 5);
    /* a a a a</w>: "a a" merges both leading pairs in one step, not the a a</w> */
    expect_ids(t, "aaaa", (int[]){START, sym_id("aa"), sym_id("a"), sym_id("a</w>"), END}, 5);
    expect_ids(t, "cat's", (int[]){START, sym_id("cat</w>"), sym_id("'s</w>"), END}, 4);
    /* c a a a</w>: "a a" (rank 4) goes before "c a" (rank 5), though "c a" comes first in the word */
    expect_ids(t, "caaa", (int[]){START, sym_id("c"), sym_id("aa"), sym_id("a</w>"), END}, 5);
    clip_tokenizer_free(t);
}

static void test_split(void **state)
{
    (void)state;
    clip_tokenizer *t = tiny();
    /* digits one at a time; punctuation runs whole; letters and digits apart */
    expect_ids(t, "a12!?b", (int[]){START, sym_id("a</w>"), sym_id("1</w>"), sym_id("2</w>"), sym_id("!"),
                                    sym_id("?</w>"), sym_id("b</w>"), END}, 8);
    /* a literal end token keeps its id, and counts as text */
    expect_ids(t, "a<|endoftext|>b", (int[]){START, sym_id("a</w>"), END, sym_id("b</w>"), END}, 5);
    /* after punctuation the run takes "<|" itself, as the regex does */
    expect_ids(t, "!<|endoftext|>", (int[]){START, sym_id("!"), sym_id("<"), sym_id("|</w>"), sym_id("e"),
                                            sym_id("n"), sym_id("d"), sym_id("o"), sym_id("f"), sym_id("t"),
                                            sym_id("e"), sym_id("x"), sym_id("t</w>"), sym_id("|"), sym_id("></w>"), END},
               16);
    /* a non-ASCII letter: its two UTF-8 bytes as byte symbols */
    int32_t ids[CLIP_CONTEXT];
    char err[256];
    assert_int_equal(clip_tokenize(t, "\xC3\xA9", ids, err, sizeof err), 4);
    assert_int_equal(ids[1], sym_id("\xC3\x83"));                   /* byte 0xC3 is U+00C3 */
    assert_int_equal(ids[2], sym_id("\xC2\xA9</w>"));               /* byte 0xA9 is U+00A9 */
    expect_ids(t, "", (int[]){START, END}, 2);
    expect_ids(t, " \t\n", (int[]){START, END}, 2);
    clip_tokenizer_free(t);
}

static void test_truncation(void **state)
{
    (void)state;
    clip_tokenizer *t = tiny();
    GString *s = g_string_new(NULL);
    for (int i = 0; i < 100; i++) g_string_append(s, "hello ");
    int32_t ids[CLIP_CONTEXT];
    char err[256];
    assert_int_equal(clip_tokenize(t, s->str, ids, err, sizeof err), CLIP_CONTEXT);
    assert_int_equal(ids[0], START);
    assert_int_equal(ids[75], sym_id("hello</w>"));
    assert_int_equal(ids[76], END);
    /* too long a text, and invalid UTF-8: refused, saying why */
    for (int i = 0; i < 1000; i++) g_string_append(s, "hello ");
    assert_int_equal(clip_tokenize(t, s->str, ids, err, sizeof err), -1);
    assert_non_null(strstr(err, "longer than 4096"));
    assert_int_equal(clip_tokenize(t, "\xC3", ids, err, sizeof err), -1);
    assert_non_null(strstr(err, "UTF-8"));
    g_string_free(s, TRUE);
    clip_tokenizer_free(t);
}

/* ---- damaged files ------------------------------------------------------------------------------- */

static void expect_refused(const char *vocab, const char *merges, const char *want)
{
    char err[512] = "";
    clip_tokenizer *t = load(vocab, merges, err, sizeof err);
    assert_null(t);
    if (!strstr(err, want)) fail_msg("error '%s' lacks '%s'", err, want);
}

static void test_damaged(void **state)
{
    (void)state;
    GString *v = vocab_json(-1), *m = merges_txt();
    expect_refused("{\"a\": ", m->str, "dir/vocab.json: not valid JSON");
    expect_refused("[1, 2]", m->str, "dir/vocab.json: not a JSON object");
    GString *hole = vocab_json(300);
    expect_refused(hole->str, m->str, "dir/vocab.json: the byte symbol '");
    GString *twice = g_string_new(v->str);
    g_string_truncate(twice, twice->len - 1);
    g_string_append(twice, ", \"zz\": 3}");
    expect_refused(twice->str, m->str, "an id used twice");
    expect_refused(v->str, "#version: 0.2\nh e\nq q\n", "dir/merges.txt: line 3: 'qq' is not in vocab.json");
    expect_refused(v->str, "#version: 0.2\nh e\nhe\n", "dir/merges.txt: line 3 is not two symbols");
    expect_refused(v->str, "#version: 0.2\nh  e\n", "line 2 is not two symbols");
    GString *huge = g_string_new("#version: 0.2\n");
    for (int i = 0; i < 5000; i++) g_string_append_c(huge, 'h');
    g_string_append(huge, " e\n");
    expect_refused(v->str, huge->str, "dir/merges.txt: line 2 is longer than 4096 bytes");
    /* no special tokens */
    GString *nospecial = g_string_new(v->str);
    char *cut = strstr(nospecial->str, ", \"<|startoftext|>\"");
    g_string_truncate(nospecial, (gsize)(cut - nospecial->str));
    g_string_append(nospecial, "}");
    expect_refused(nospecial->str, m->str, "no <|startoftext|> token");
    g_string_free(v, TRUE), g_string_free(m, TRUE), g_string_free(hole, TRUE), g_string_free(twice, TRUE);
    g_string_free(huge, TRUE), g_string_free(nospecial, TRUE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_merges_by_rank),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
