#!/usr/bin/python3
"""mobilenet_torch.py — the PIL + PyTorch side of the mobilenet benchmark (bench/mobilenet.c and
`cull index --encoder mobilenet` do cull's side).

    /usr/bin/python3 bench/mobilenet_torch.py CORPUS_DIR [REPEATS]

The same network as cull's mobilenet encoder: torchvision's mobilenet_v2(width_mult=1.4) (1.16
GFLOP per image at 224×224), random weights, float32, eval mode, torch.no_grad(),
torch.set_num_threads(2) (or the CPU count if fewer; OpenMP threads). Debian's python3-torch runs
most convolutions in oneDNN (MKL-DNN; a few 1×1 ones at batch 1 as im2col + GEMM) and its GEMMs in
the system BLAS (OpenBLAS): bench/run.sh runs this with the OPENBLAS_CORETYPE cull picks.

  (a) end to end, the way people write it today: for each file, batch 1,
      Image.open(f).convert('RGB').resize((224, 224)) (a full decode of the 12 MP JPEG, then
      Pillow's default bicubic resize), to_tensor,
      normalize with the ImageNet mean and std, forward.
  (b) its best simple variant: Image.draft('RGB', (224, 224)) first, so libjpeg decodes at 1/2,
      1/4 or 1/8 scale in the DCT (4000×3000 → 500×375), then the same resize and normalisation;
      batches of 32 (the last one smaller). Still one process, decode then forward.
  (c) model only: random 224×224 inputs at batch 1 and 16.

Each is warmed up first (the first forward passes set oneDNN up). (a) runs once over the corpus
(it is slow); (b) and (c) report the median of REPEATS passes (default 3; 5 × REPEATS at
batch 1). Prints human-readable lines, then "key: value" lines for bench/run.sh.
"""
import os
import re
import resource
import statistics
import sys
import time

import torch
import torchvision
from PIL import Image
from torchvision.models import mobilenet_v2
from torchvision.transforms import functional as TF

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def blas_library():
    """The BLAS shared object torch loaded (Debian: libblas.so.3 through alternatives)."""
    torch.ones(8, 8) @ torch.ones(8, 8)
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if re.search(r"lib(open)?blas|mkl_", line)}
    except OSError:
        return "unknown"
    names = sorted(os.path.basename(os.path.realpath(p)) for p in libs)
    return ", ".join(names) if names else "none loaded"


def cpu_capability():
    m = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    return m.group(1) if m else "unknown"


def preprocess(img):
    return TF.normalize(TF.to_tensor(img), MEAN, STD)


def load_full(path):
    return preprocess(Image.open(path).convert("RGB").resize((224, 224)))


def load_draft(path):
    img = Image.open(path)
    img.draft("RGB", (224, 224))
    return preprocess(img.convert("RGB").resize((224, 224)))


def pipeline_a(model, files):
    """Seconds for the whole pass, and the part of it spent decoding and preprocessing."""
    t = time.perf_counter()
    dec = 0.0
    for f in files:
        d = time.perf_counter()
        x = load_full(f).unsqueeze(0)
        dec += time.perf_counter() - d
        model(x)
    return time.perf_counter() - t, dec


def pipeline_b(model, files, batch=32):
    t = time.perf_counter()
    dec = 0.0
    for i in range(0, len(files), batch):
        d = time.perf_counter()
        x = torch.stack([load_draft(f) for f in files[i:i + batch]])
        dec += time.perf_counter() - d
        model(x)
    return time.perf_counter() - t, dec


def model_only(model, batch, repeats):
    x = torch.randn(batch, 3, 224, 224)
    model(x)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        model(x)
        times.append((time.perf_counter() - t) / batch)
    return statistics.median(times)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: mobilenet_torch.py CORPUS_DIR [REPEATS]")
    corpus = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    files = sorted(os.path.join(corpus, f) for f in os.listdir(corpus) if f.lower().endswith((".jpg", ".jpeg")))
    if not files:
        sys.exit(f"mobilenet_torch.py: no JPEGs in {corpus}")
    threads = min(2, os.cpu_count() or 1)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = mobilenet_v2(width_mult=1.4).eval()  # weights=None: random initialisation

    with torch.no_grad():
        # Warm-up: oneDNN prepares its kernels for each shape on first use.
        model(load_full(files[0]).unsqueeze(0))
        model(torch.stack([load_draft(f) for f in files[:2]]))
        model(torch.randn(32, 3, 224, 224))
        t_a, dec_a = pipeline_a(model, files)
        runs_b = sorted(pipeline_b(model, files) for _ in range(repeats))
        t_b, dec_b = runs_b[len(runs_b) // 2]
        t1 = model_only(model, 1, 5 * repeats)
        t16 = model_only(model, 16, repeats)
    n = len(files)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"PyTorch {torch.__version__} (torchvision {torchvision.__version__}, Pillow {Image.__version__}), "
          f"{torch.get_num_threads()} threads; convolutions: oneDNN {'on' if torch.backends.mkldnn.is_available() else 'off'}"
          f" (MKL-DNN), ATen kernels {cpu_capability()}; BLAS: {blas_library()}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"  (a) full PIL decode + resize, batch 1:   {n / t_a:6.2f} images/s  ({t_a:5.1f} s for {n} files, one pass; "
          f"per image {1e3 * dec_a / n:.0f} ms decode + preprocess, {1e3 * (t_a - dec_a) / n:.0f} ms forward)")
    print(f"  (b) PIL draft (DCT-scaled), batch 32:    {n / t_b:6.2f} images/s  ({t_b:5.1f} s, median of {repeats}; "
          f"per image {1e3 * dec_b / n:.0f} ms decode + preprocess, {1e3 * (t_b - dec_b) / n:.0f} ms forward)")
    print(f"  (c) model only, batch  1:                {1 / t1:6.2f} images/s  ({1e3 * t1:5.1f} ms per image)")
    print(f"  (c) model only, batch 16:                {1 / t16:6.2f} images/s  ({1e3 * t16:5.1f} ms per image)")
    print(f"  peak memory of this process: {peak_mb:.0f} MB")
    print(f"ips_a: {n / t_a:.3f}\nips_b: {n / t_b:.3f}\nips_b1: {1 / t1:.3f}\nips_b16: {1 / t16:.3f}\npeak_mb: {peak_mb:.0f}")


if __name__ == "__main__":
    main()
