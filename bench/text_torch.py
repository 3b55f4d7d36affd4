#!/usr/bin/python3
"""text_torch.py — the PyTorch/numpy side of the words benchmark (bench/text.c does the C side).

    /usr/bin/python3 bench/text_torch.py [SECONDS] [N]

1. The CLIP ViT-B/32 text tower's shapes (hidden 512, MLP 2048, 12 layers, 8 heads, 49,408 token
   rows, 77 positions, projection 512, quick_gelu), random weights, float32, torch.no_grad(),
   written with torch.nn modules as Hugging Face's CLIPTextModel computes it: all 77 positions with
   a causal mask, pooled at the end token. One prompt at a time; also the same network run on only
   the prompt's tokens (what cull does), for a like-for-like figure. torch.set_num_threads(2) (or
   the CPU count if fewer); bench/run.sh sets the OPENBLAS_CORETYPE cull picks.
2. A search as a notebook does it: N random 512-d embeddings already in memory as a float32 numpy
   matrix (loading them from anywhere not counted), normalised, one matrix-vector product, argsort.
Prints human-readable lines, then "key: value" lines.
"""
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn

D, I, LAYERS, HEADS, VOCAB, CTX, E = 512, 2048, 12, 8, 49408, 77, 512


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(D, D) for _ in range(4))
        self.fc1, self.fc2, self.act = nn.Linear(D, I), nn.Linear(I, D), QuickGELU()

    def forward(self, x, mask):
        b, t, _ = x.shape
        h = self.layer_norm1(x)
        q = (self.q_proj(h) * (D // HEADS) ** -0.5).view(b, t, HEADS, -1).transpose(1, 2)
        k = self.k_proj(h).view(b, t, HEADS, -1).transpose(1, 2)
        v = self.v_proj(h).view(b, t, HEADS, -1).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2) + mask, dim=-1) @ v
        x = x + self.out_proj(a.transpose(1, 2).reshape(b, t, D))
        return x + self.fc2(self.act(self.fc1(self.layer_norm2(x))))


class TextTower(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, D)
        self.pos = nn.Parameter(torch.randn(CTX, D))
        self.layers = nn.ModuleList(Block() for _ in range(LAYERS))
        self.final = nn.LayerNorm(D)
        self.proj = nn.Linear(D, E, bias=False)

    def forward(self, ids):
        t = ids.shape[1]
        x = self.tok(ids) + self.pos[:t]
        mask = torch.full((t, t), -math.inf).triu(1)
        for layer in self.layers:
            x = layer(x, mask)
        x = self.final(x)
        return self.proj(x[torch.arange(ids.shape[0]), ids.argmax(-1)])


def best_time(fn, seconds):
    best, start, runs = math.inf, time.perf_counter(), 0
    while runs < 4 or time.perf_counter() - start < seconds:
        t = time.perf_counter()
        fn()
        e = time.perf_counter() - t
        if runs > 0:
            best = min(best, e)
        runs += 1
    return best


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    threads = min(2, os.cpu_count() or 1)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = TextTower().eval()
    print(f"PyTorch {torch.__version__}, {threads} threads, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    for tokens, key in ((8, "p8"), (24, "p24"), (77, "p77")):
        ids = torch.full((1, CTX), VOCAB - 1)  # padded with the end token, as the tokenizer pads
        ids[0, :tokens - 1] = torch.randint(0, VOCAB - 2, (tokens - 1,))
        ids[0, 0] = VOCAB - 2
        with torch.no_grad():
            full = best_time(lambda: model(ids), seconds / 3)
            short = best_time(lambda: model(ids[:, :tokens]), seconds / 3)
        print(f"  torch one prompt of {tokens} tokens: {1e3 * full:.2f} ms over 77 positions (as Hugging Face), "
              f"{1e3 * short:.2f} ms over its own")
        print(f"torch_ms_{key}: {1e3 * full:.3f}\ntorch_ms_{key}_short: {1e3 * short:.3f}")
    rng = np.random.default_rng(0)
    emb = rng.standard_normal((n, E), dtype=np.float32)
    q = rng.standard_normal(E).astype(np.float32)
    q /= np.linalg.norm(q)

    def search():
        unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
        np.argsort(-(unit @ q))

    s = best_time(search, 1)
    print(f"  numpy search over {n} embeddings already in memory (normalise, product, argsort): {s:.3f} s")
    print(f"numpy_search_s: {s:.4f}")


if __name__ == "__main__":
    main()
