#!/usr/bin/python3
"""clip_text_reference.py — a PyTorch reference for cull's CLIP text tower and its tokenizer.

Written from the architecture's definition (OpenAI CLIP's simple_tokenizer.py, Hugging Face
CLIPTokenizer + CLIPTextModelWithProjection), not from cull's C code; runs on Debian's python3-torch
(run it with /usr/bin/python3) and numpy only: no transformers, no ftfy, no regex module, no
safetensors package. vit_reference.py (same folder) writes the models: `vit_reference.py model DIR
--joint` calls write_text_model() below.

  expect MODEL TEXTS.jsonl   one JSON line per text: {"text", "tokens": [77 ids], "vector": [...]},
                             the network in float64; --bf16: every linear layer's input and weights
                             rounded to bfloat16 first (text_projection too), as cull's bf16 path
                             (CULL_PRECISION=bf16) computes, like vit_reference.py expect --bf16
  tokens MODEL TEXTS.jsonl   the same without the network: {"text", "tokens"}
  args TEXTS.jsonl           the texts, each followed by a NUL byte (bash: mapfile -d '' A < <(...))
  compare WANT GOT TOL       TAP-style lines, one per text, lines matched by position: the text
                             equal, the tokens exactly equal (else the first differing position
                             and both ids), every vector value within TOL (--relative: TOL times
                             the largest wanted value; --min-cos: cosine at least that); exit 1 on
                             any failure. GOT lines may carry more keys ("encoder"); a WANT without
                             "vector" (from `tokens`) checks text and tokens only.
TEXTS.jsonl: one JSON string per line (blank lines are skipped).

Tokenizer files (MODEL/vocab.json, MODEL/merges.txt), as OpenAI's and Hugging Face's:
  vocab.json  token → id: 0..255 the 256 byte symbols (bytes_to_unicode(): bytes 33..126, 161..172,
              174..255 are themselves, the other 68 bytes chr(256 + n) in increasing byte order;
              ids in that order: the printable ones, then the others), 256..511 the same + "</w>",
              then one id per merge (its two symbols joined) in merge order, then "<|startoftext|>",
              then "<|endoftext|>" (the two largest ids)
  merges.txt  "#version: 0.2", then one merge per line, "A B"; read as Hugging Face does: the file
              stripped, split at "\\n", lines 1 .. 49152−256−2, each split at whitespace
The merges written here are learnt by byte-level BPE on CORPUS below (train_bpe: pair counts over
word frequencies, the most frequent pair merged, ties to the smallest pair by code points; a pair
whose join is already a symbol is never chosen, so every merge adds exactly one id).

encode(TEXT) → 77 ids:
  1. clean-up, in this order: Unicode NFC; Latin ligatures split (ftfy's table, LIGATURES);
     full-width ASCII U+FF01..U+FF5E → U+0021..U+007E and U+3000 → space; curly quotes
     straightened (U+02BC, U+2018..U+201B → ', U+201C..U+201F → "); HTML entities unescaped twice,
     the second pass over the first's output (unescape_once: &#DIGITS; &#xHEX; &#XHEX; → that code
     point if 0 < value ≤ 0x10FFFF and not a surrogate, else U+FFFD; &NAME; with NAME one of HTML
     4's 252 names, case-sensitive, → that character; anything else stays, including a reference
     without its ";"; what a replacement produces is not scanned again in the same pass); every
     run of whitespace (str.isspace) → one space, ends stripped; str.lower().
  2. split, leftmost alternative at each position (as the regex module's findall), characters no
     alternative matches (whitespace) skipped:
       <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+
     \\p{L}: unicodedata.category starts with "L"; \\p{N}: with "N"; \\s: str.isspace(). (OpenAI
     compiles it with IGNORECASE: after lower() that only matters for "'ſ", which is left out.)
  3. each piece: the two special tokens keep their ids; else its UTF-8 bytes through
     bytes_to_unicode, the last symbol + "</w>", then OpenAI's bpe(): merge the adjacent pair of
     lowest rank, all its non-overlapping occurrences left to right, until no adjacent pair has a
     rank; each symbol → its id.
  4. [startoftext] + the pieces' ids cut to 75 + [endoftext], padded to 77 with endoftext.

The network (float64), for ids [B, 77] (D = hidden_size, H heads):
  x        = token_embedding.weight[ids] + position_embedding.weight[0..77)
  each layer: x = x + out_proj(attention(layer_norm1(x)));  x = x + fc2(act(fc1(layer_norm2(x))))
      attention: q = q_proj(x)·(D/H)^-½, k, v per head, softmax(q kᵀ + causal mask) v, position i
      seeing positions 0..i only; act: quick_gelu or gelu (erf), as the vision tower
  x        = final_layer_norm(x)
  pooled   = x[eos]: text_config.eos_token_id == 2 (the old configs): the first position of the
             largest id in ids (argmax); else the first position whose id is eos_token_id (0 when
             none is, as torch's argmax of all-false)
  vector   = text_projection(pooled)  (no bias, not normalised)
Tensors (Hugging Face names, under text_model.): embeddings.token_embedding.weight [V, D],
embeddings.position_embedding.weight [77, D], embeddings.position_ids (I64 [1, 77], 0..76: real
checkpoints carry this buffer; not used), encoder.layers.{i}.{self_attn.{q,k,v,out}_proj,
layer_norm1, layer_norm2, mlp.fc1, mlp.fc2}.{weight,bias}, final_layer_norm.{weight,bias}; and
text_projection.weight [projection_dim, D], logit_scale (shape []).
"""
import argparse
import json
import math
import os
import sys
import unicodedata
from collections import Counter
from html.entities import name2codepoint

import numpy as np

import vit_reference as V

torch = None  # set by load_torch (slow to import): expect only

CONTEXT = 77
SOT, EOT = "<|startoftext|>", "<|endoftext|>"
MAX_MERGES = 49152 - 256 - 2

# ---- clean-up ----

LIGATURES = {
    "\u0132": "IJ", "\u0133": "ij", "\u0149": "\u02bcn", "\u01f1": "DZ", "\u01f2": "Dz", "\u01f3": "dz",
    "\u01c4": "D\u017d", "\u01c5": "D\u017e", "\u01c6": "d\u017e", "\u01c7": "LJ", "\u01c8": "Lj",
    "\u01c9": "lj", "\u01ca": "NJ", "\u01cb": "Nj", "\u01cc": "nj", "\ufb00": "ff", "\ufb01": "fi",
    "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "\u017ft", "\ufb06": "st",
}
FULL_WIDTH = {c: c - 0xFF01 + 0x21 for c in range(0xFF01, 0xFF5F)}
FULL_WIDTH[0x3000] = 0x20
QUOTES = {0x02BC: "'", 0x2018: "'", 0x2019: "'", 0x201A: "'", 0x201B: "'",
          0x201C: '"', 0x201D: '"', 0x201E: '"', 0x201F: '"'}
DEC, HEX = set("0123456789"), set("0123456789abcdefABCDEF")


def unescape_once(s):
    out, i, n = [], 0, len(s)
    while i < n:
        if s[i] != "&":
            out.append(s[i])
            i += 1
            continue
        j = i + 1
        if j < n and s[j] == "#":
            j += 1
            digits, base = DEC, 10
            if j < n and s[j] in "xX":
                j, digits, base = j + 1, HEX, 16
            k = j
            while k < n and s[k] in digits:
                k += 1
            if k > j and k < n and s[k] == ";":
                v = int(s[j:k], base)
                out.append(chr(v) if 0 < v <= 0x10FFFF and not 0xD800 <= v <= 0xDFFF else "\ufffd")
                i = k + 1
                continue
        else:
            k = j
            while k < n and s[k].isascii() and s[k].isalnum():
                k += 1
            if k < n and s[k] == ";" and s[j:k] in name2codepoint:
                out.append(chr(name2codepoint[s[j:k]]))
                i = k + 1
                continue
        out.append("&")
        i += 1
    return "".join(out)


def clean(text):
    text = unicodedata.normalize("NFC", text)
    text = "".join(LIGATURES.get(c, c) for c in text)
    text = text.translate(FULL_WIDTH).translate(QUOTES)
    text = unescape_once(unescape_once(text))
    text = " ".join(text.split())  # str.split(): runs of str.isspace() characters, ends dropped
    return text.lower()


# ---- the split (a hand-written matcher for the pattern above) ----

def is_letter(c):
    return unicodedata.category(c)[0] == "L"


def is_number(c):
    return unicodedata.category(c)[0] == "N"


LITERALS = (SOT, EOT, "'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


def split(text):
    out, i, n = [], 0, len(text)
    while i < n:
        lit = next((w for w in LITERALS if text.startswith(w, i)), None)
        if lit is not None:
            j = i + len(lit)
        elif is_letter(text[i]):
            j = i + 1
            while j < n and is_letter(text[j]):
                j += 1
        elif is_number(text[i]):
            j = i + 1
        elif not text[i].isspace():
            j = i + 1
            while j < n and not (text[j].isspace() or is_letter(text[j]) or is_number(text[j])):
                j += 1
        else:
            i += 1
            continue
        out.append(text[i:j])
        i = j
    return out


# ---- byte-level BPE ----

def bytes_to_unicode():
    """OpenAI's: byte → symbol, in the order the vocabulary lists them."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


BYTE_SYMBOL = bytes_to_unicode()


def word_symbols(piece):
    s = [BYTE_SYMBOL[b] for b in piece.encode("utf-8")]
    s[-1] += "</w>"
    return s


def apply_merge(word, first, second):
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == first and word[i + 1] == second:
            out.append(first + second)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def bpe(word, ranks):
    """word: symbols; merge the lowest-ranked adjacent pair present (every non-overlapping
    occurrence, left to right) until no adjacent pair has a rank."""
    while len(word) > 1:
        best = min(zip(word, word[1:]), key=lambda p: ranks.get(p, math.inf))
        if best not in ranks:
            break
        word = apply_merge(word, *best)
    return word


CORPUS = """
A photo of a cat sitting on the windowsill, and a photo of a dog that's sleeping by the door.
It's a screenshot of a chat: she said she'd come at 8, but he's late again and they're not sure
why. We've taken so many photos of our holiday that I'm certain you'll never look at all of them.
Don't delete the blurry ones yet; the blurry photo of my thumb is funny, and the photo of the
receipt from the café is for my taxes. There's a picture of a mountain at sunset, another of the
sea at dawn, and a close-up of a flower with a bee on it. The children were playing in the garden
while their grandmother read a book under the old tree. Isn't it strange how a single picture can
bring back the smell of rain, the sound of a train, the taste of crème brûlée in a little café in
Paris? My naïve plan was to sort them by date, but the dates are wrong on half of the files, so
now I sort them by what's in them: people, places, food, documents, screenshots, and memes.
The résumé I photographed for the job in Zürich is next to a photo of a jalapeño pizza, a façade
in São Paulo, and a coöperative's sign in Ålesund. A fiancée's dress, an old piñata, the Straße
where we lived. You'd think a computer could tell a receipt from a recipe, yet it couldn't until
we taught it. Let's keep the sharp ones, throw away the duplicates, and mark the best of them with
a star. The light in the evening is warm and golden; the light at noon is harsh and white. A
portrait of my brother, a selfie with friends at the beach, a group photo at the wedding, a
landscape with a river and a bridge, the city at night with its lights and its cars, a street
with people walking and talking, a train station, an airport, a plane in the sky. Screenshots of
maps, of tickets, of messages, of code, of settings; photos of whiteboards, of notes, of books,
of menus, of signs. I'll keep the ones that matter and they'll never be lost. We'd rather have too
many than too few, wouldn't we? This is the best photo I've ever taken, and that's the worst.
"""


def train_bpe(corpus, n_merges):
    words = Counter(tuple(word_symbols(p)) for p in split(clean(corpus)) if p not in (SOT, EOT))
    symbols = set(BYTE_SYMBOL.values()) | {s + "</w>" for s in BYTE_SYMBOL.values()}
    merges = []
    while len(merges) < n_merges:
        pairs = Counter()
        for w, f in words.items():
            for p in zip(w, w[1:]):
                pairs[p] += f
        cands = [(-f, p) for p, f in pairs.items() if p[0] + p[1] not in symbols]
        if not cands:
            break
        _, (a, b) = min(cands)
        merges.append((a, b))
        symbols.add(a + b)
        words = Counter({tuple(apply_merge(list(w), a, b)): f for w, f in words.items()})
    return merges


def write_tokenizer(d, n_merges):
    """vocab.json + merges.txt in d; returns (vocab, merges)."""
    merges = train_bpe(CORPUS, n_merges)
    if len(merges) < n_merges:
        print(f"clip_text_reference: the corpus gives only {len(merges)} merges", file=sys.stderr)
    base = list(BYTE_SYMBOL.values())
    tokens = base + [s + "</w>" for s in base] + [a + b for a, b in merges] + [SOT, EOT]
    vocab = {t: i for i, t in enumerate(tokens)}
    assert len(vocab) == len(tokens)
    with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    return vocab, merges


class Tokenizer:
    def __init__(self, d):
        with open(os.path.join(d, "vocab.json"), encoding="utf-8") as f:
            self.vocab = json.load(f)
        with open(os.path.join(d, "merges.txt"), encoding="utf-8") as f:
            lines = f.read().strip().split("\n")[1:MAX_MERGES + 1]
        self.ranks = {tuple(line.split()): i for i, line in enumerate(lines)}
        self.sot, self.eot = self.vocab[SOT], self.vocab[EOT]

    def encode(self, text):
        ids = []
        for piece in split(clean(text)):
            if piece in (SOT, EOT):
                ids.append(self.vocab[piece])
            else:
                ids += [self.vocab[s] for s in bpe(word_symbols(piece), self.ranks)]
        ids = [self.sot] + ids[:CONTEXT - 2] + [self.eot]
        return ids + [self.eot] * (CONTEXT - len(ids))


# ---- the model ----

def text_config(cfg):
    t = cfg.get("text_config", {})
    defaults = {"hidden_size": 512, "intermediate_size": 2048, "num_hidden_layers": 12, "num_attention_heads": 8,
                "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5, "eos_token_id": 2,
                "max_position_embeddings": CONTEXT}
    c = {k: t.get(k, d) for k, d in defaults.items()}
    c["projection_dim"] = t.get("projection_dim", cfg.get("projection_dim", 512))
    return c


def random_text_tensors(c, vocab_size, rng, position_ids=True):
    D, I, E, L = c["hidden_size"], c["intermediate_size"], c["projection_dim"], c["num_hidden_layers"]
    p = "text_model."
    t = [("logit_scale", np.array(2.6592)),
         (p + "embeddings.token_embedding.weight", rng.normal(0, 0.5, (vocab_size, D))),
         (p + "embeddings.position_embedding.weight", rng.normal(0, 0.5, (CONTEXT, D)))]
    if position_ids:
        t.append((p + "embeddings.position_ids", np.arange(CONTEXT, dtype=np.int64)[None]))
    t += V.random_blocks(p, L, D, I, rng)
    t += V.random_norm(rng, p + "final_layer_norm", D)
    t.append(("text_projection.weight", V.random_linear(rng, E, D)))
    return t


def write_text_model(d, seed, hidden, inter, layers, heads, act, eps, proj, n_merges, eos, position_ids=True):
    """For vit_reference.py model --joint: writes d/vocab.json + d/merges.txt, returns
    (text_config for config.json, tensors). eos: "2" (the old configs: pooled at the largest id)
    or "max" (eos_token_id = the endoftext id), or any other integer."""
    vocab, _ = write_tokenizer(d, n_merges)
    eos_id = vocab[EOT] if eos == "max" else int(eos)
    c = {"hidden_size": hidden, "intermediate_size": inter, "num_hidden_layers": layers,
         "num_attention_heads": heads, "max_position_embeddings": CONTEXT, "vocab_size": len(vocab),
         "hidden_act": act, "layer_norm_eps": eps,
         "bos_token_id": 0 if eos_id == 2 else vocab[SOT], "eos_token_id": eos_id, "pad_token_id": 1,
         "projection_dim": proj}
    rng = np.random.default_rng([seed, 0x7E47])  # not the vision tower's: its tensors stay as they were
    return c, random_text_tensors(c, len(vocab), rng, position_ids)


def load_torch():
    global torch
    V.load_torch()
    torch = V.torch


def forward(W, c, ids, bf16=False):
    """W: tensors by name (float64), c: text_config(), ids: [B, 77] int64 → [B, projection_dim].
    bf16: every linear layer's input and weights rounded to bfloat16 (from float32, nearest even),
    products summed in full precision, the bias added after (vit_reference.forward's rule)."""
    r = (lambda t: t.float().bfloat16().double()) if bf16 else (lambda t: t)
    p = "text_model."
    D, H, eps = c["hidden_size"], c["num_attention_heads"], c["layer_norm_eps"]
    hd = D // H
    B, T = ids.shape
    x = W[p + "embeddings.token_embedding.weight"][ids] + W[p + "embeddings.position_embedding.weight"][:T]
    mask = torch.full((T, T), -math.inf).triu(1)
    for i in range(c["num_hidden_layers"]):
        q = f"{p}encoder.layers.{i}."

        def lin(z, name):
            return r(z) @ r(W[q + name + ".weight"]).T + W[q + name + ".bias"]

        a = V.layer_norm(x, W[q + "layer_norm1.weight"], W[q + "layer_norm1.bias"], eps)
        qs = lin(a, "self_attn.q_proj") * hd ** -0.5
        ks, vs = lin(a, "self_attn.k_proj"), lin(a, "self_attn.v_proj")
        qs, ks, vs = (t.view(B, T, H, hd).transpose(1, 2) for t in (qs, ks, vs))
        att = torch.softmax(qs @ ks.transpose(-1, -2) + mask, dim=-1) @ vs
        x = x + lin(att.transpose(1, 2).reshape(B, T, D), "self_attn.out_proj")
        m = V.layer_norm(x, W[q + "layer_norm2.weight"], W[q + "layer_norm2.bias"], eps)
        x = x + lin(V.activation(lin(m, "mlp.fc1"), c["hidden_act"]), "mlp.fc2")
    x = V.layer_norm(x, W[p + "final_layer_norm.weight"], W[p + "final_layer_norm.bias"], eps)
    if c["eos_token_id"] == 2:
        pos = ids.argmax(-1)  # the first of the largest
    else:
        pos = (ids == c["eos_token_id"]).int().argmax(-1)
    pooled = x[torch.arange(B), pos]
    return r(pooled) @ r(W["text_projection.weight"]).T


# ---- commands ----

def read_texts(path):
    with open(path, encoding="utf-8") as f:
        texts = [json.loads(line) for line in f if line.strip()]
    for i, t in enumerate(texts, 1):
        if not isinstance(t, str):
            sys.exit(f"{path}:{i}: not a JSON string")
    return texts


def cmd_tokens(a, with_vectors=False):
    tok = Tokenizer(a.model)
    texts = read_texts(a.texts)
    ids = [tok.encode(t) for t in texts]
    vecs = None
    if with_vectors:
        load_torch()
        with open(os.path.join(a.model, "config.json")) as f:
            c = text_config(json.load(f))
        W = V.read_safetensors(os.path.join(a.model, "model.safetensors"))
        with torch.no_grad():
            vecs = forward(W, c, torch.tensor(ids, dtype=torch.int64), a.bf16) if ids else []
    for i, (t, x) in enumerate(zip(texts, ids)):
        row = {"text": t, "tokens": x}
        if vecs is not None:
            row["vector"] = [float(v) for v in vecs[i]]
        print(json.dumps(row, ensure_ascii=False))


def cmd_args(a):
    out = sys.stdout.buffer
    for i, t in enumerate(read_texts(a.texts), 1):
        if "\0" in t:
            sys.exit(f"{a.texts}:{i}: a NUL cannot be an argument")
        out.write(t.encode("utf-8") + b"\0")


def show(text, width=40):
    """A text on one TAP line: quoted, invisible characters as escapes, long ones cut."""
    s = "".join(c if c.isprintable() else (f"\\u{ord(c):04x}" if ord(c) > 0xFF else f"\\x{ord(c):02x}") for c in text)
    return '"' + (s if len(s) <= width else s[:width - 1] + "…") + '"'


def cmd_compare(a):
    def load(p):
        rows = []
        with open(p, encoding="utf-8", errors="surrogateescape") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        row = json.loads(line)
                    except ValueError as e:
                        row = {"_error": f"line {n} is not JSON ({e})"}
                    rows.append(row if isinstance(row, dict) else {"_error": f"line {n} is not an object"})
        return rows

    want, got = load(a.want), load(a.got)
    bad = 0
    for i, w in enumerate(want, 1):
        name = f"{a.label}#{i} {show(w['text'])}"
        g = got[i - 1] if i <= len(got) else None
        why = None
        if g is None:
            why = "missing (cull printed only %d lines)" % len(got)
        elif "_error" in g:
            why = g["_error"]
        elif g.get("text") != w["text"]:
            why = f"text is {show(str(g.get('text')))}"
        elif g.get("tokens") != w["tokens"]:
            gt = g.get("tokens")
            if not isinstance(gt, list) or len(gt) != len(w["tokens"]):
                why = f"tokens: {len(gt) if isinstance(gt, list) else repr(gt)} ids, wanted {len(w['tokens'])}"
            else:
                k = next(k for k, (x, y) in enumerate(zip(gt, w["tokens"])) if x != y)
                why = f"tokens differ first at position {k}: cull {gt[k]}, reference {w['tokens'][k]}"
        if why:
            print(f"not ok - {name}: {why}")
            bad += 1
            continue
        used = w["tokens"].index(w["tokens"][-1]) + 1 if w["tokens"] else 0
        if "vector" not in w:
            print(f"ok - {name}: the same {len(w['tokens'])} tokens")
            continue
        gv = g.get("vector")
        if not isinstance(gv, list) or len(gv) != len(w["vector"]):
            print(f"not ok - {name}: tokens equal, but the vector has "
                  f"{len(gv) if isinstance(gv, list) else repr(gv)} values, wanted {len(w['vector'])}")
            bad += 1
            continue
        gv, wv = np.array(gv, dtype=np.float64), np.array(w["vector"])
        worst = float(np.abs(gv - wv).max()) if len(wv) else 0.0
        scale = float(np.abs(wv).max()) if len(wv) else 0.0
        tol = a.tol * scale if a.relative else a.tol
        cos = float(gv @ wv / (np.linalg.norm(gv) * np.linalg.norm(wv) or 1))
        ok = worst <= tol and cos >= a.min_cos
        bad += not ok
        print(f"{'ok' if ok else 'not ok'} - {name}: tokens equal ({used} up to the first endoftext), "
              f"max |cull − torch| = {worst:.2e} (tolerance {tol:.2g}; values up to {scale:.2f}, {len(wv)}-d)"
              + (f", cosine {cos:.6f} (≥ {a.min_cos})" if a.min_cos > -1 else ""))
    if len(got) > len(want):
        print(f"not ok - {a.label}cull printed {len(got)} lines for {len(want)} texts")
        bad += 1
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("expect")
    e.add_argument("model")
    e.add_argument("texts")
    e.add_argument("--bf16", action="store_true", help="round as cull's bf16 path does (CULL_PRECISION=bf16)")
    t = sub.add_parser("tokens")
    t.add_argument("model")
    t.add_argument("texts")
    g = sub.add_parser("args")
    g.add_argument("texts")
    c = sub.add_parser("compare")
    c.add_argument("want")
    c.add_argument("got")
    c.add_argument("tol", type=float)
    c.add_argument("--relative", action="store_true", help="tol is relative to the largest wanted value")
    c.add_argument("--min-cos", type=float, default=-1.0, help="also require this cosine similarity")
    c.add_argument("--label", default="")
    a = ap.parse_args()
    if a.cmd == "expect":
        return cmd_tokens(a, with_vectors=True) or 0
    return {"tokens": cmd_tokens, "args": cmd_args, "compare": cmd_compare}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
