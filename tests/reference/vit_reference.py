#!/usr/bin/python3
"""vit_reference.py — a PyTorch reference for cull's CLIP-family ViT vision encoder.

Written from the architecture's definition (OpenAI CLIP / Hugging Face CLIPVisionModelWithProjection),
not from cull's C code; runs on Debian's python3-torch (run it with /usr/bin/python3) and numpy only:
no transformers, no PIL, no safetensors package.

  model DIR [options]       write a random-weight model: DIR/config.json + DIR/model.safetensors
                            (Hugging Face tensor names, F32, F16 or BF16; --joint adds a text tower
                            (--text-* options), logit_scale and the tokenizer's DIR/vocab.json and
                            DIR/merges.txt, as a full CLIP checkpoint has, with a CLIPModel
                            config.json: see clip_text_reference.py)
  images DIR WxH...         write random-pixel test images DIR/img_N.png (8-bit RGB, one per size)
  expect MODEL PNG...       the reference embedding of each PNG, one JSON line each:
                            PIL-exact bicubic resize of the shortest side + centre crop (written
                            here in numpy) + CLIP mean/std, then the network in float64;
                            --bf16: every linear layer's input and weights rounded to bfloat16
                            first, as cull's bf16 path (CULL_PRECISION=bf16) computes
  compare WANT GOT TOL      TAP-style lines comparing two JSON-lines files ({"path", "vector"});
                            exit 1 when any value differs by more than TOL (--relative: TOL times
                            the largest wanted value) or the cosine is under --min-cos

The network, for pixel_values x [B, 3, S, S] (S = image_size, P = patch_size, D = hidden_size):
  patches  = conv2d(x, patch_embedding.weight, stride P, no bias) → [B, (S/P)², D]
  h        = [class_embedding; patches] + position_embedding.weight
  h        = pre_layrnorm(h)
  each layer: h = h + out_proj(attention(layer_norm1(h)));  h = h + fc2(act(fc1(layer_norm2(h))))
      attention: q = q_proj(x)·head_dim^-½, k, v per head, softmax(q kᵀ) v
      act: quick_gelu(x) = x·σ(1.702 x), or gelu(x) = x·Φ(x) (erf)
  pooled   = post_layernorm(h[:, 0]);  embedding = visual_projection(pooled)  (no bias)
"""
import argparse
import json
import math
import struct
import sys
import zlib

import numpy as np

torch = None  # imported by the commands that need it (slow to load): model, expect

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)

# ---- safetensors, by hand: u64 LE header length, JSON header, data ----

DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (None, 2)}


def write_safetensors(path, tensors, dtype):
    """tensors: list of (name, numpy array); float ones stored as dtype, integer ones as I64 (the
    position_ids buffer). Returns the values as stored (rounded to dtype), as float64, by name."""
    header, blobs, stored, offset = {}, [], {}, 0
    for name, arr in tensors:
        a32 = np.ascontiguousarray(arr, dtype=np.float32)
        if np.issubdtype(np.asarray(arr).dtype, np.integer):
            raw = np.ascontiguousarray(arr, dtype="<i8").tobytes()
            header[name] = {"dtype": "I64", "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
            blobs.append(raw)
            stored[name] = np.asarray(arr, dtype=np.float64)
            offset += len(raw)
            continue
        if dtype == "F32":
            raw = a32.tobytes()
            back = a32
        elif dtype == "F16":
            h = a32.astype(np.float16)
            raw = h.tobytes()
            back = h.astype(np.float32)
        else:  # BF16: round to nearest even on the top 16 bits
            bits = a32.view(np.uint32).astype(np.uint64)
            bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
            raw = bits.tobytes()
            back = (bits.astype(np.uint32) << 16).view(np.float32)
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        stored[name] = back.astype(np.float64).reshape(arr.shape)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    return stored


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, t = e["data_offsets"]
        raw = data[base + b:base + t]
        if e["dtype"] == "F32":
            a = np.frombuffer(raw, dtype="<f4")
        elif e["dtype"] == "F16":
            a = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif e["dtype"] == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            continue
        out[name] = torch.from_numpy(a.astype(np.float64).reshape(e["shape"]))
    return out


# ---- the model ----

def vision_config(cfg):
    """The vision tower's settings: vision_config, else the top level, else CLIPVisionConfig's defaults."""
    v = cfg.get("vision_config", {})
    defaults = {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_attention_heads": 12,
                "image_size": 224, "patch_size": 32, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5,
                "projection_dim": 512}
    return {k: v.get(k, cfg.get(k, d)) for k, d in defaults.items()}


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def activation(x, kind):
    if kind == "quick_gelu":
        return x * torch.sigmoid(1.702 * x)
    if kind == "gelu":
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    raise ValueError(kind)


def forward(W, c, x, bf16=False):
    """W: tensors by name (float64), c: vision_config, x: [B, 3, S, S] float64 → [B, projection_dim].
    bf16: as cull's bf16 path computes it: every linear layer's input and weights rounded to bfloat16
    (from float32, nearest even), products summed in full precision, the bias added after."""
    r = (lambda t: t.float().bfloat16().double()) if bf16 else (lambda t: t)
    p = "vision_model."
    D, H, P = c["hidden_size"], c["num_attention_heads"], c["patch_size"]
    hd = D // H
    eps = c["layer_norm_eps"]
    B = x.shape[0]
    pe = torch.nn.functional.conv2d(r(x), r(W[p + "embeddings.patch_embedding.weight"]), stride=P)  # [B, D, G, G]
    pe = pe.flatten(2).transpose(1, 2)
    cls = W[p + "embeddings.class_embedding"].expand(B, 1, D)
    h = torch.cat([cls, pe], 1) + W[p + "embeddings.position_embedding.weight"]
    h = layer_norm(h, W[p + "pre_layrnorm.weight"], W[p + "pre_layrnorm.bias"], eps)
    T = h.shape[1]
    for i in range(c["num_hidden_layers"]):
        q = f"{p}encoder.layers.{i}."

        def lin(z, name):
            return r(z) @ r(W[q + name + ".weight"]).T + W[q + name + ".bias"]

        a = layer_norm(h, W[q + "layer_norm1.weight"], W[q + "layer_norm1.bias"], eps)
        qs = lin(a, "self_attn.q_proj") * hd ** -0.5
        ks, vs = lin(a, "self_attn.k_proj"), lin(a, "self_attn.v_proj")
        qs, ks, vs = (t.view(B, T, H, hd).transpose(1, 2) for t in (qs, ks, vs))
        att = torch.softmax(qs @ ks.transpose(-1, -2), dim=-1) @ vs
        h = h + lin(att.transpose(1, 2).reshape(B, T, D), "self_attn.out_proj")
        m = layer_norm(h, W[q + "layer_norm2.weight"], W[q + "layer_norm2.bias"], eps)
        h = h + lin(activation(lin(m, "mlp.fc1"), c["hidden_act"]), "mlp.fc2")
    pooled = layer_norm(h[:, 0], W[p + "post_layernorm.weight"], W[p + "post_layernorm.bias"], eps)
    return r(pooled) @ r(W["visual_projection.weight"]).T


def random_linear(rng, o, i):
    return rng.normal(0, 1 / math.sqrt(i), (o, i))


def random_norm(rng, name, D):
    return [(name + ".weight", 1 + 0.2 * rng.normal(size=D)), (name + ".bias", 0.2 * rng.normal(size=D))]


def random_blocks(p, L, D, I, rng):
    """The L transformer blocks of a tower whose tensors are named p + "encoder.layers.i.…"."""
    t = []
    for i in range(L):
        q = f"{p}encoder.layers.{i}."
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            # q and k larger than 1/√D so the attention is far from uniform
            scale = 3.0 if name in ("q_proj", "k_proj") else 1.0
            t += [(q + "self_attn." + name + ".weight", scale * random_linear(rng, D, D)),
                  (q + "self_attn." + name + ".bias", 0.1 * rng.normal(size=D))]
        t += random_norm(rng, q + "layer_norm1", D) + random_norm(rng, q + "layer_norm2", D)
        t += [(q + "mlp.fc1.weight", random_linear(rng, I, D)), (q + "mlp.fc1.bias", 0.1 * rng.normal(size=I)),
              (q + "mlp.fc2.weight", random_linear(rng, D, I)), (q + "mlp.fc2.bias", 0.1 * rng.normal(size=D))]
    return t


def random_vision_tensors(c, rng):
    D, I, P, S, E = c["hidden_size"], c["intermediate_size"], c["patch_size"], c["image_size"], c["projection_dim"]
    T = (S // P) ** 2 + 1
    p = "vision_model."

    def lin(o, i):
        return random_linear(rng, o, i)

    def ln(name):
        return random_norm(rng, name, D)

    t = [(p + "embeddings.patch_embedding.weight", rng.normal(0, 1 / math.sqrt(3 * P * P), (D, 3, P, P))),
         (p + "embeddings.class_embedding", rng.normal(0, 0.5, D)),
         (p + "embeddings.position_embedding.weight", rng.normal(0, 0.5, (T, D)))]
    t += ln(p + "pre_layrnorm")
    t += random_blocks(p, c["num_hidden_layers"], D, I, rng)
    t += ln(p + "post_layernorm")
    t.append(("visual_projection.weight", lin(E, D)))
    return t


def load_torch():
    global torch
    import torch as t
    torch = t
    torch.set_default_dtype(torch.float64)


def cmd_model(a):
    import os
    c = {"hidden_size": a.hidden, "intermediate_size": a.inter, "num_hidden_layers": a.layers,
         "num_attention_heads": a.heads, "image_size": a.image, "patch_size": a.patch, "hidden_act": a.act,
         "layer_norm_eps": a.eps, "projection_dim": a.proj}
    rng = np.random.default_rng(a.seed)
    tensors = random_vision_tensors(c, rng)
    os.makedirs(a.dir, exist_ok=True)
    text_cfg = {"hidden_size": 16, "hidden_act": "quick_gelu"}  # a vision-only CLIPModel config's stub
    if a.joint:
        # the real text tower (clip_text_reference.py): its own generator, so the vision tensors
        # are the same with or without it; vocab.json + merges.txt written beside
        import clip_text_reference
        text_cfg, text = clip_text_reference.write_text_model(
            a.dir, a.seed, a.text_hidden, a.text_inter, a.text_layers, a.text_heads, a.text_act, a.text_eps,
            a.proj, a.merges, a.eos_id, a.position_ids)
        tensors = text + tensors
    # Hugging Face's writer orders the data by name; shuffle within the file when asked, so that
    # offsets do not follow the names.
    tensors.sort(key=lambda nt: nt[0])
    if a.shuffle:
        rng.shuffle(tensors)
    write_safetensors(os.path.join(a.dir, "model.safetensors"), tensors, a.dtype)
    if a.nested or a.joint:  # a joint checkpoint's config is always a CLIPModel's
        cfg = {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": a.proj,
               "text_config": text_cfg,
               "vision_config": {k: v for k, v in c.items() if k != "projection_dim"}}
        if a.joint:
            cfg["logit_scale_init_value"] = 2.6592
    else:
        cfg = dict(c, architectures=["CLIPVisionModelWithProjection"], model_type="clip_vision_model")
    with open(os.path.join(a.dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)


# ---- PNG, by hand (8-bit RGB, what cmd_images writes) ----

def write_png(path, rgb):
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def read_png(path):
    """Only what write_png writes: 8-bit RGB, no interlace, filter 0 on every row."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat = 8, b""
    w = h = 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype == 2, "only 8-bit RGB"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, 1 + 3 * w)
    assert (raw[:, 0] == 0).all(), "only filter type 0"
    return raw[:, 1:].reshape(h, w, 3).copy()


def cmd_images(a):
    import os
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.dir, exist_ok=True)
    for i, size in enumerate(a.sizes):
        w, h = (int(v) for v in size.split("x"))
        # smooth colour fields plus noise: every tap of the bicubic kernel matters
        yy, xx = np.mgrid[0:h, 0:w]
        img = np.zeros((h, w, 3))
        for ch in range(3):
            fx, fy, ph = rng.uniform(0.01, 0.2), rng.uniform(0.01, 0.2), rng.uniform(0, 6)
            img[..., ch] = 128 + 90 * np.sin(fx * xx + ph) * np.cos(fy * yy)
        img += rng.normal(0, 25, img.shape)
        img[rng.random((h, w)) < 0.02] = 255  # some clipped pixels: ringing beyond 0..255
        write_png(os.path.join(a.dir, f"img_{i}_{w}x{h}.png"), np.clip(img, 0, 255).astype(np.uint8))


# ---- preprocessing: Pillow's bicubic resize (libImaging/Resample.c), re-derived in numpy ----

PRECISION_BITS = 32 - 8 - 2


def bicubic(x):
    a = -0.5
    x = abs(x)
    if x < 1.0:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1
    if x < 2.0:
        return (((x - 5) * x + 8) * x - 4) * a
    return 0.0


def coefficients(in_size, out_size):
    """Per output pixel: first source index and fixed-point weights, as Pillow computes them."""
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = 2.0 * filterscale
    out = []
    for xx in range(out_size):
        center = (xx + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), in_size) - xmin
        w = [bicubic((x + xmin - center + 0.5) / filterscale) for x in range(xmax)]
        ww = sum(w)
        w = [v / ww if ww != 0.0 else v for v in w]
        k = [int(-0.5 + v * (1 << PRECISION_BITS)) if v < 0 else int(0.5 + v * (1 << PRECISION_BITS)) for v in w]
        out.append((xmin, np.array(k, dtype=np.int64)))
    return out


def resample_axis(img, out_size, axis):
    """One pass along axis (1 = horizontal, 0 = vertical) on uint8 [H, W, 3] → uint8."""
    src = np.moveaxis(img.astype(np.int64), axis, 0)
    res = np.empty((out_size,) + src.shape[1:], dtype=np.int64)
    for i, (xmin, k) in enumerate(coefficients(src.shape[0], out_size)):
        acc = (1 << (PRECISION_BITS - 1)) + np.tensordot(k, src[xmin:xmin + len(k)], axes=(0, 0))
        res[i] = np.clip(acc >> PRECISION_BITS, 0, 255)
    return np.moveaxis(res, 0, axis).astype(np.uint8)


def preprocess(rgb, size):
    """Hugging Face CLIPImageProcessor: shortest side → size (the long side int(size·long/short)),
    Pillow bicubic (horizontal pass, then vertical, 8-bit between), centre crop with top/left
    floor((dim − size)/2), /255, (x − mean)/std. Returns [3, size, size] float64."""
    h, w, _ = rgb.shape
    if w <= h:
        nw, nh = size, int(size * h / w)
    else:
        nw, nh = int(size * w / h), size
    img = rgb
    if (nw, nh) != (w, h):
        # Pillow skips a pass whose size does not change (and only crops rows for the vertical one)
        if nw != w:
            img = resample_axis(img, nw, 1)
        if nh != h:
            img = resample_axis(img, nh, 0)
    top, left = (nh - size) // 2, (nw - size) // 2
    img = img[top:top + size, left:left + size].astype(np.float32) / np.float32(255)
    img = (img - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return img.transpose(2, 0, 1).astype(np.float64)


def cmd_expect(a):
    import os
    load_torch()
    with open(os.path.join(a.model, "config.json")) as f:
        c = vision_config(json.load(f))
    W = read_safetensors(os.path.join(a.model, "model.safetensors"))
    for path in a.png:
        x = torch.from_numpy(preprocess(read_png(path), c["image_size"]))[None]
        with torch.no_grad():
            v = forward(W, c, x, a.bf16)[0]
        print(json.dumps({"path": os.path.abspath(path), "vector": [float(t) for t in v]}))


def cmd_compare(a):
    def load(p):
        with open(p) as f:
            return {r["path"]: r["vector"] for r in map(json.loads, filter(str.strip, f))}

    want, got = load(a.want), load(a.got)
    bad = 0
    for i, (path, w) in enumerate(sorted(want.items()), 1):
        g = got.get(path)
        name = path.rsplit("/", 1)[-1]
        if g is None or len(g) != len(w):
            print(f"not ok - {a.label}{name}: {'missing' if g is None else f'{len(g)} values, wanted {len(w)}'}")
            bad += 1
            continue
        g, w = np.array(g), np.array(w)
        worst = float(np.abs(g - w).max())
        scale = float(np.abs(w).max())
        tol = a.tol * scale if a.relative else a.tol
        cos = float(g @ w / (np.linalg.norm(g) * np.linalg.norm(w) or 1))
        status = "ok" if worst <= tol and cos >= a.min_cos else "not ok"
        bad += status != "ok"
        print(f"{status} - {a.label}{name}: max |cull − torch| = {worst:.2e} (tolerance {tol:.2g}; "
              f"values up to {scale:.2f}, {len(w)}-d)" + (f", cosine {cos:.6f} (≥ {a.min_cos})" if a.min_cos > -1 else ""))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("model")
    m.add_argument("dir")
    for name, typ, d in (("hidden", int, 64), ("inter", int, 128), ("layers", int, 2), ("heads", int, 4),
                         ("image", int, 224), ("patch", int, 32), ("proj", int, 32), ("eps", float, 1e-5),
                         ("seed", int, 1)):
        m.add_argument("--" + name, type=typ, default=d)
    m.add_argument("--act", choices=("quick_gelu", "gelu"), default="quick_gelu")
    m.add_argument("--dtype", choices=tuple(DTYPES), default="F32")
    m.add_argument("--joint", action="store_true",
                   help="add a text tower + vocab.json + merges.txt, as a full CLIP checkpoint (implies --nested)")
    m.add_argument("--nested", action="store_true", help="CLIPModel config.json (vision_config inside)")
    for name, typ, d in (("text-hidden", int, 32), ("text-inter", int, 64), ("text-layers", int, 2),
                         ("text-heads", int, 4), ("text-eps", float, 1e-5), ("merges", int, 300)):
        m.add_argument("--" + name, type=typ, default=d, help="--joint: the text tower's")
    m.add_argument("--text-act", choices=("quick_gelu", "gelu"), default="quick_gelu")
    m.add_argument("--eos-id", default="2", type=lambda v: v if v == "max" else str(int(v)),
                   help="text_config.eos_token_id: 2 (pooled at the largest id, the old configs), max (the "
                        "endoftext id), or an integer")
    m.add_argument("--no-position-ids", dest="position_ids", action="store_false",
                   help="leave out text_model.embeddings.position_ids (I64), which real checkpoints carry")
    m.add_argument("--shuffle", action="store_true", help="data in random order, not by name")
    i = sub.add_parser("images")
    i.add_argument("dir")
    i.add_argument("sizes", nargs="+")
    i.add_argument("--seed", type=int, default=1)
    e = sub.add_parser("expect")
    e.add_argument("model")
    e.add_argument("png", nargs="+")
    e.add_argument("--bf16", action="store_true", help="round as cull's bf16 path does (CULL_PRECISION=bf16)")
    c = sub.add_parser("compare")
    c.add_argument("want")
    c.add_argument("got")
    c.add_argument("tol", type=float)
    c.add_argument("--relative", action="store_true", help="tol is relative to the largest wanted value")
    c.add_argument("--min-cos", type=float, default=-1.0, help="also require this cosine similarity")
    c.add_argument("--label", default="")
    a = ap.parse_args()
    return {"model": cmd_model, "images": cmd_images, "expect": cmd_expect, "compare": cmd_compare}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
