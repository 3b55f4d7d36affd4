#!/usr/bin/python3
"""vit_torch.py — the PyTorch side of the ViT benchmark (bench/vit.c does the C side).

    /usr/bin/python3 bench/vit_torch.py [SECONDS]

The same ViT-B/32 shapes (hidden 768, MLP 3072, 12 layers, 12 heads, 224 px, patch 32,
projection 512, quick_gelu), random weights, float32, torch.no_grad(), eval mode, written as people
write it with torch.nn modules (nn.Linear, nn.LayerNorm, nn.Conv2d, F.softmax), which is how
Hugging Face's CLIPVisionModel computes it. torch.set_num_threads(2) (or the CPU count if fewer);
Debian's PyTorch does its float32 GEMMs in the system BLAS (OpenBLAS): bench/run.sh runs this with
the OPENBLAS_CORETYPE cull picks, so both sides get the same fast kernels. Batch 1 and 16, best
pass over about SECONDS after a warm-up. Prints human-readable lines, then "key: value" lines.
"""
import math
import os
import sys
import time

import torch
from torch import nn

D, I, LAYERS, HEADS, S, P, E = 768, 3072, 12, 12, 224, 32, 512
T = (S // P) ** 2 + 1


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(D, D) for _ in range(4))
        self.fc1, self.fc2, self.act = nn.Linear(D, I), nn.Linear(I, D), QuickGELU()

    def forward(self, x):
        b = x.shape[0]
        h = self.layer_norm1(x)
        q = (self.q_proj(h) * (D // HEADS) ** -0.5).view(b, T, HEADS, -1).transpose(1, 2)
        k = self.k_proj(h).view(b, T, HEADS, -1).transpose(1, 2)
        v = self.v_proj(h).view(b, T, HEADS, -1).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2), dim=-1) @ v
        x = x + self.out_proj(a.transpose(1, 2).reshape(b, T, D))
        return x + self.fc2(self.act(self.fc1(self.layer_norm2(x))))


class ViT(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(3, D, P, P, bias=False)
        self.cls = nn.Parameter(torch.randn(D))
        self.pos = nn.Parameter(torch.randn(T, D))
        self.pre, self.post = nn.LayerNorm(D), nn.LayerNorm(D)
        self.layers = nn.ModuleList(Block() for _ in range(LAYERS))
        self.proj = nn.Linear(D, E, bias=False)

    def forward(self, px):
        b = px.shape[0]
        x = self.patch(px).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(b, 1, D), x], 1) + self.pos
        x = self.pre(x)
        for layer in self.layers:
            x = layer(x)
        return self.proj(self.post(x[:, 0]))


def best_time(model, batch, seconds):
    x = torch.randn(batch, 3, S, S)
    best, start, runs = math.inf, time.perf_counter(), 0
    while runs < 4 or time.perf_counter() - start < seconds:
        t = time.perf_counter()
        model(x)
        e = time.perf_counter() - t
        if runs > 0:
            best = min(best, e)
        runs += 1
    return best


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    threads = min(2, os.cpu_count() or 1)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = ViT().eval()
    with torch.no_grad():
        t1 = best_time(model, 1, seconds)
        t16 = best_time(model, 16, seconds)
    print(f"PyTorch {torch.__version__}, {threads} threads, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"  torch batch  1: {1 / t1:6.2f} images/s  ({1e3 * t1:6.1f} ms per image)")
    print(f"  torch batch 16: {16 / t16:6.2f} images/s  ({1e3 * t16 / 16:6.1f} ms per image)")
    print(f"ips_b1: {1 / t1:.3f}\nips_b16: {16 / t16:.3f}")
    # bf16, where PyTorch's oneDNN runs it (the same library cull's bf16 path uses): the fair
    # baseline for cull's bf16 figures.
    try:
        with torch.no_grad():
            m16 = model.to(torch.bfloat16)
            x = torch.randn(16, 3, S, S).to(torch.bfloat16)
            m16(x)
            best, start, runs = math.inf, time.perf_counter(), 0
            while runs < 4 or time.perf_counter() - start < seconds:
                t = time.perf_counter()
                m16(x)
                if runs > 0:
                    best = min(best, time.perf_counter() - t)
                runs += 1
        print(f"  torch bf16 batch 16: {16 / best:6.2f} images/s  ({1e3 * best / 16:6.1f} ms per image)")
        print(f"ips_b16_bf16: {16 / best:.3f}")
    except RuntimeError as e:
        print(f"  torch bf16: not run ({e})")


if __name__ == "__main__":
    main()
