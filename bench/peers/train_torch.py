#!/usr/bin/env python3
"""Training throughput on PyTorch CPU: the peer side of bench/train_bench.ts.

Trains the network squeeze builds for `--model` on seeded random 28x28 one-channel images,
with AdamW (lr 1e-3, weight decay 0.05) and cross-entropy, and prints one JSON line per
thread count on stdout:

    {"model": "lenet", "threads": N, "images_per_s": X}

Diagnostics (parameter count, BLAS, images per CPU-second) go to stderr.

Networks:
  lenet          squeeze's `lenet300100()`: flatten -> 784-300-100-10, ReLU (266,610 parameters).
  convnext-mini  squeeze's `convnext({dims: [32, 64, 128], depths: [2, 2, 2], stemPatch: 4})`:
                 Conv2d(1, 32, 4, stride 4) + channel LayerNorm; per stage a downsample
                 (LayerNorm + Conv2d 2x2 stride 2) except the first, then blocks
                 x += scale * pw2(GELU_tanh(pw1(LN(dwconv7x7(x))))), layer scale 1e-6; global
                 average pool -> LayerNorm -> Linear(128, 10) (413,546 parameters). NCHW; the
                 LayerNorms (eps 1e-6) run over channels by permuting to NHWC and back.
  vit            the ViT of bench/peers/vit_torch.py (imported), at its `--patch --dim --depth
                 --heads --mlp` options.

    /usr/bin/python3 bench/peers/train_torch.py --model convnext-mini --threads 1,2 --seconds 5
"""

import argparse
import json
import sys

import torch
import torch.nn.functional as F
from torch import nn

from vit_torch import ViT, blas_library, expected_params as vit_expected_params
from vit_torch import train_images_per_s as images_per_s

# Parameter counts of the fixed networks (squeeze's side checks the same numbers).
LENET_PARAMS = 266_610
CONVNEXT_MINI_PARAMS = 413_546


def lenet(args: argparse.Namespace) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(args.size * args.size, 300), nn.ReLU(),
        nn.Linear(300, 100), nn.ReLU(),
        nn.Linear(100, args.classes),
    )


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channel axis of an NCHW tensor."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class ConvNeXtBlock(nn.Module):
    def __init__(self, d: int, scale_init: float = 1e-6):
        super().__init__()
        self.dwconv = nn.Conv2d(d, d, 7, padding=3, groups=d)
        self.norm = LayerNorm2d(d, eps=1e-6)
        self.pw1 = nn.Conv2d(d, 4 * d, 1)
        self.pw2 = nn.Conv2d(4 * d, d, 1)
        self.scale = nn.Parameter(torch.full((d,), scale_init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pw2(F.gelu(self.pw1(self.norm(self.dwconv(x))), approximate="tanh"))
        return x + self.scale.view(1, -1, 1, 1) * y


class ConvNeXt(nn.Module):
    def __init__(self, args: argparse.Namespace, dims=(32, 64, 128), depths=(2, 2, 2), stem=4):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, dims[0], stem, stride=stem),
                                  LayerNorm2d(dims[0], eps=1e-6))
        stages = []
        for s, d in enumerate(dims):
            parts = []
            if s > 0:
                parts += [LayerNorm2d(dims[s - 1], eps=1e-6),
                          nn.Conv2d(dims[s - 1], d, 2, stride=2)]
            parts += [ConvNeXtBlock(d) for _ in range(depths[s])]
            stages.append(nn.Sequential(*parts))
        self.stages = nn.Sequential(*stages)
        self.norm = nn.LayerNorm(dims[-1], eps=1e-6)
        self.fc = nn.Linear(dims[-1], args.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(self.stem(x)).mean(dim=(2, 3))
        return self.fc(self.norm(x))


def variants(args: argparse.Namespace) -> dict:
    """The ways to build `--model` (name -> builder); the fastest one is reported."""
    if args.model == "lenet":
        return {"default": lambda: lenet(args)}
    if args.model == "convnext-mini":
        return {"default": lambda: ConvNeXt(args)}
    out = {"matmul": lambda: ViT(args, False)}
    if hasattr(F, "scaled_dot_product_attention"):
        out["sdpa"] = lambda: ViT(args, True)
    return out


def expected_params(args: argparse.Namespace) -> int:
    if args.model == "lenet":
        return LENET_PARAMS
    if args.model == "convnext-mini":
        return CONVNEXT_MINI_PARAMS
    return vit_expected_params(args)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, choices=["lenet", "convnext-mini", "vit"])
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--patch", type=int, default=7, help="vit only")
    p.add_argument("--dim", type=int, default=64, help="vit only")
    p.add_argument("--depth", type=int, default=4, help="vit only")
    p.add_argument("--heads", type=int, default=4, help="vit only")
    p.add_argument("--mlp", type=int, default=128, help="vit only")
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--seconds", type=float, default=5.0, help="timed seconds per measurement")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps before timing")
    p.add_argument("--size", type=int, default=28, help="image side")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    for name in ("patch", "dim", "depth", "heads", "mlp", "classes", "batch", "size"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    if args.model == "vit" and args.size % args.patch != 0:
        p.error(f"--patch {args.patch} must divide --size {args.size}")
    if args.model == "vit" and args.dim % args.heads != 0:
        p.error(f"--heads {args.heads} must divide --dim {args.dim}")
    if args.model != "vit" and (args.size != 28 or args.classes != 10):
        p.error(f"--model {args.model} is fixed at --size 28 --classes 10")
    if not args.seconds > 0:
        p.error(f"--seconds must be > 0, got {args.seconds}")
    try:
        thread_counts = [int(t) for t in args.threads.split(",")]
    except ValueError:
        p.error(f"--threads must be comma-separated integers, got {args.threads!r}")
    if any(t < 1 for t in thread_counts):
        p.error(f"--threads must all be >= 1, got {args.threads!r}")

    torch.set_num_interop_threads(1)
    builds = variants(args)
    n = sum(q.numel() for q in next(iter(builds.values()))().parameters())
    want = expected_params(args)
    tag = f"train_torch {args.model}"
    print(f"{tag}: torch {torch.__version__}, parameters {n} (expected {want})", file=sys.stderr)
    if n != want:
        raise SystemExit(f"{tag}: parameter count {n} differs from the expected {want}")
    print(f"{tag}: BLAS {blas_library()}", file=sys.stderr)

    for t in thread_counts:
        results = {name: images_per_s(args, t, build) for name, build in builds.items()}
        best = max(results, key=lambda k: results[k][0])
        detail = ", ".join(f"{k} {v[0]:.1f}" for k, v in results.items())
        print(f"{tag}: threads {t}: {detail} images/s; faster: {best}", file=sys.stderr)
        print(f"{tag}: threads {t}: {results[best][1]:.2f} images per CPU-second",
              file=sys.stderr)
        print(json.dumps({"model": args.model, "threads": t,
                          "images_per_s": round(results[best][0], 2)}), flush=True)


if __name__ == "__main__":
    main()
