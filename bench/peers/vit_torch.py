#!/usr/bin/env python3
"""ViT training throughput on PyTorch CPU: the ViT of the peer side of bench/train_bench.ts
(bench/peers/train_torch.py imports it; it also runs alone).

Trains the same network squeeze's `vit` builder makes on seeded random 28x28 one-channel
images, with AdamW and cross-entropy, and prints one JSON line per thread count on stdout:

    {"model": "vit", "threads": N, "images_per_s": X}

Diagnostics (parameter count, which attention variant was faster) go to stderr.

Network: patch embedding Conv2d(1, dim, patch, stride=patch) -> tokens [B, g*g, dim] plus a
learned positional embedding [g*g, dim] (no class token); `depth` pre-LN blocks
x += O(MHSA(LN1(x))) with separate Q, K, V, O Linear(dim, dim), and x += fc2(GELU_tanh(fc1(LN2(x))));
LayerNorm eps 1e-6 with affine; final LayerNorm, mean over tokens, Linear(dim, classes).

Run with Debian's interpreter (python3-torch installs into /usr/lib/python3/dist-packages);
with libopenblas0-openmp installed, its libblas.so.3 alternative serves the matmuls and follows
torch.set_num_threads (OpenMP); the stderr line names the BLAS that was mapped:

    /usr/bin/python3 bench/peers/vit_torch.py --threads 1,2 --seconds 5
"""

import argparse
import json
import math
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    """Multi-head self-attention with separate Q, K, V, O projections."""

    def __init__(self, dim: int, heads: int, fused: bool):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.fused = fused
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.o = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        h, hd = self.heads, self.head_dim
        q = self.q(x).view(b, t, h, hd).transpose(1, 2)
        k = self.k(x).view(b, t, h, hd).transpose(1, 2)
        v = self.v(x).view(b, t, h, hd).transpose(1, 2)
        if self.fused:
            y = F.scaled_dot_product_attention(q, k, v)
        else:
            scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(hd)
            y = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.o(y.transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    """Pre-LN transformer block."""

    def __init__(self, dim: int, heads: int, mlp: int, fused: bool):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads, fused)
        self.ln2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, mlp)
        self.fc2 = nn.Linear(mlp, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class ViT(nn.Module):
    def __init__(self, args: argparse.Namespace, fused: bool):
        super().__init__()
        g = args.size // args.patch
        self.embed = nn.Conv2d(1, args.dim, kernel_size=args.patch, stride=args.patch)
        self.pos = nn.Parameter(torch.randn(g * g, args.dim) * 0.02)
        self.blocks = nn.Sequential(
            *[Block(args.dim, args.heads, args.mlp, fused) for _ in range(args.depth)]
        )
        self.norm = nn.LayerNorm(args.dim, eps=1e-6)
        self.head = nn.Linear(args.dim, args.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.embed(x).flatten(2).transpose(1, 2) + self.pos
        x = self.norm(self.blocks(x))
        return self.head(x.mean(dim=1))


def expected_params(args: argparse.Namespace) -> int:
    """Parameter count from the architecture, independent of the module tree."""
    d, m, g2 = args.dim, args.mlp, (args.size // args.patch) ** 2
    embed = args.patch * args.patch * d + d + g2 * d
    block = 2 * 2 * d + 4 * (d * d + d) + (d * m + m) + (m * d + d)
    return embed + args.depth * block + 2 * d + d * args.classes + args.classes


def blas_library() -> str:
    """The BLAS shared object this process mapped (Debian's torch uses the libblas.so.3
    alternative: netlib's reference BLAS is several times slower than OpenBLAS)."""
    torch.matmul(torch.ones(64, 64), torch.ones(64, 64))
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower()}
    except OSError:
        return "unknown"
    return ", ".join(sorted(p for p in paths if p.startswith("/"))) or "none mapped"


def images_per_s(args: argparse.Namespace, threads: int, fused: bool) -> tuple[float, float]:
    """The ViT's images per wall-clock second and per CPU-second."""
    return train_images_per_s(args, threads, lambda: ViT(args, fused))


def train_images_per_s(args: argparse.Namespace, threads: int, build) -> tuple[float, float]:
    """Images per wall-clock second and per CPU-second (all threads of the process; on a
    loaded machine the second is the steadier one at one thread) training `build()` on
    seeded random [batch, 1, size, size] images with AdamW (bench/peers/train_torch.py
    uses it for every network)."""
    torch.set_num_threads(threads)
    torch.manual_seed(args.seed)
    model = build()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    gen = torch.Generator().manual_seed(args.seed + 1)
    # A small pool of seeded batches, cycled, so data generation stays out of the timing.
    pool = [
        (
            torch.randn(args.batch, 1, args.size, args.size, generator=gen),
            torch.randint(0, args.classes, (args.batch,), generator=gen),
        )
        for _ in range(4)
    ]

    def step(i: int) -> None:
        x, y = pool[i % len(pool)]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for i in range(args.warmup):
        step(i)
    steps = 0
    cpu = time.process_time()
    start = time.perf_counter()
    while True:
        step(steps)
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= args.seconds:
            break
    cpu = time.process_time() - cpu
    return steps * args.batch / elapsed, steps * args.batch / cpu


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--patch", type=int, default=7)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--depth", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--mlp", type=int, default=128)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--seconds", type=float, default=5.0, help="timed seconds per measurement")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps before timing")
    p.add_argument("--size", type=int, default=28, help="image side")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    for name, v in (("patch", args.patch), ("dim", args.dim), ("depth", args.depth),
                    ("heads", args.heads), ("mlp", args.mlp), ("classes", args.classes),
                    ("batch", args.batch), ("size", args.size)):
        if v < 1:
            p.error(f"--{name} must be >= 1, got {v}")
    if args.size % args.patch != 0:
        p.error(f"--patch {args.patch} must divide --size {args.size}")
    if args.dim % args.heads != 0:
        p.error(f"--heads {args.heads} must divide --dim {args.dim}")
    if not args.seconds > 0:
        p.error(f"--seconds must be > 0, got {args.seconds}")
    try:
        thread_counts = [int(t) for t in args.threads.split(",")]
    except ValueError:
        p.error(f"--threads must be comma-separated integers, got {args.threads!r}")
    if any(t < 1 for t in thread_counts):
        p.error(f"--threads must all be >= 1, got {args.threads!r}")

    torch.set_num_interop_threads(1)
    n = sum(q.numel() for q in ViT(args, False).parameters())
    want = expected_params(args)
    print(f"vit_torch: torch {torch.__version__}, parameters {n} (by hand {want})", file=sys.stderr)
    if n != want:
        raise SystemExit(f"parameter count {n} differs from the hand count {want}")

    print(f"vit_torch: BLAS {blas_library()}", file=sys.stderr)
    variants = [("matmul", False)]
    if hasattr(F, "scaled_dot_product_attention"):
        variants.append(("sdpa", True))
    else:
        print("vit_torch: no scaled_dot_product_attention in this torch; matmul only",
              file=sys.stderr)

    for t in thread_counts:
        results = {name: images_per_s(args, t, fused) for name, fused in variants}
        best = max(results, key=lambda k: results[k][0])
        detail = ", ".join(f"{k} {v[0]:.1f}" for k, v in results.items())
        print(f"vit_torch: threads {t}: {detail} images/s; faster: {best}", file=sys.stderr)
        print(f"vit_torch: threads {t}: {results[best][1]:.2f} images per CPU-second",
              file=sys.stderr)
        print(json.dumps({"model": "vit", "threads": t, "images_per_s": round(results[best][0], 2)}),
              flush=True)


if __name__ == "__main__":
    main()
