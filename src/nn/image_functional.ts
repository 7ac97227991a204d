/**
 * Layer computations for image models (NCHW, channel axis 1), written with tensor ops
 * so every backend runs them and autograd differentiates them. Shared by the nn layers
 * and the graph executor.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { tensor } from "../tensor/create.ts";
import type { Rng } from "../tensor/random.ts";
import { formatShape } from "../tensor/shape.ts";
import { add, mul } from "../ops/elementwise.ts";
import { conv2d, type Conv2dAttrs } from "../ops/conv.ts";
import { max, mean } from "../ops/reduce.ts";
import { reshape, slice } from "../ops/shape_ops.ts";

/**
 * `v [C]` reshaped to broadcast over axis 1 of a tensor of rank `rank`: `[1, C, 1, …]`.
 *
 * @example
 * ```ts
 * import { perChannel } from "./image_functional.ts";
 * import { tensor } from "../tensor/create.ts";
 * console.assert(perChannel(tensor([1, 2, 3]), 4).shape.join() === "1,3,1,1");
 * ```
 */
export function perChannel(v: Tensor, rank: number): Tensor {
  if (rank === 2) return reshape(v, [1, v.shape[0]]);
  return reshape(v, [1, v.shape[0], ...new Array(rank - 2).fill(1)]);
}

/**
 * 2-D convolution plus an optional per-output-channel bias.
 *
 * @example
 * ```ts
 * import { conv2dBias } from "./image_functional.ts";
 * import { full, tensor } from "../tensor/create.ts";
 * const y = conv2dBias(full([1, 1, 3, 3], 1), full([2, 1, 3, 3], 1), tensor([0, 1]), {});
 * console.assert(y.toArray()[1] === 10);
 * ```
 */
export function conv2dBias(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  attrs: Conv2dAttrs,
): Tensor {
  const y = conv2d(x, weight, attrs);
  return bias ? add(y, perChannel(bias, 4)) : y;
}

/**
 * `x · s[c]` (+ `t[c]`) over channel axis 1 (layer scale, affine maps).
 *
 * @example
 * ```ts
 * import { channelAffine } from "./image_functional.ts";
 * import { full, tensor } from "../tensor/create.ts";
 * const y = channelAffine(full([1, 2, 1, 1], 1), tensor([2, 3]), tensor([0, 1]));
 * console.assert(y.toArray().join() === "2,4");
 * ```
 */
export function channelAffine(x: Tensor, s: Tensor, t?: Tensor | null): Tensor {
  const y = mul(x, perChannel(s, x.rank));
  return t ? add(y, perChannel(t, x.rank)) : y;
}

/** Pooling kinds. */
export type PoolKind = "max" | "avg";

/**
 * Non-overlapping `k×k` pooling with stride `k` over NCHW `x` (floor mode: trailing rows
 * and columns that do not fill a window are dropped).
 *
 * @example
 * ```ts
 * import { pool2d } from "./image_functional.ts";
 * import { tensor } from "../tensor/create.ts";
 * const x = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
 * console.assert(pool2d(x, "max", 2).item() === 4 && pool2d(x, "avg", 2).item() === 2.5);
 * ```
 */
export function pool2d(x: Tensor, kind: PoolKind, k: number): Tensor {
  if (x.rank !== 4) throw new RangeError(`${kind}_pool: expects NCHW, got ${formatShape(x.shape)}`);
  const [n, c, h, w] = x.shape;
  const oh = Math.floor(h / k), ow = Math.floor(w / k);
  if (oh < 1 || ow < 1) {
    throw new RangeError(`${kind}_pool: window ${k} is larger than ${formatShape(x.shape)}`);
  }
  const cropped = oh * k === h && ow * k === w ? x : slice(x, [0, 0, 0, 0], [n, c, oh * k, ow * k]);
  const r = reshape(cropped, [n, c, oh, k, ow, k]);
  return kind === "max" ? max(r, { axes: [3, 5] }) : mean(r, { axes: [3, 5] });
}

/**
 * Mean over the spatial axes: `[N, C, H, W] → [N, C]`.
 *
 * @example
 * ```ts
 * import { globalAvgPool } from "./image_functional.ts";
 * import { tensor } from "../tensor/create.ts";
 * console.assert(globalAvgPool(tensor([1, 2, 3, 4], [1, 1, 2, 2])).item() === 2.5);
 * ```
 */
export function globalAvgPool(x: Tensor): Tensor {
  if (x.rank < 3) {
    throw new RangeError(`global_avg_pool: expects rank ≥ 3, got ${formatShape(x.shape)}`);
  }
  return mean(x, { axes: x.shape.slice(2).map((_, i) => i + 2) });
}

function keepMask(shape: number[], p: number, rng: Rng, x: Tensor): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const m = new Float32Array(size);
  const s = 1 / (1 - p);
  for (let i = 0; i < size; i++) m[i] = rng.uniform() >= p ? s : 0;
  return tensor(m, shape, { backend: x.backend, dtype: x.dtype });
}

/**
 * Inverted dropout: each element kept with probability `1 − p` and scaled by `1/(1 − p)`.
 *
 * @example
 * ```ts
 * import { dropout } from "./image_functional.ts";
 * import { full } from "../tensor/create.ts";
 * import { Rng } from "../tensor/random.ts";
 * const y = dropout(full([100], 1), 0.5, new Rng(1)).toArray();
 * console.assert(y.every((v) => v === 0 || v === 2));
 * ```
 */
export function dropout(x: Tensor, p: number, rng: Rng): Tensor {
  if (p === 0) return x;
  return mul(x, keepMask([...x.shape], p, rng, x));
}

/**
 * Stochastic depth: each sample's whole branch dropped with probability `p` (scaled).
 *
 * @example
 * ```ts
 * import { dropPath } from "./image_functional.ts";
 * import { full } from "../tensor/create.ts";
 * import { Rng } from "../tensor/random.ts";
 * const y = dropPath(full([4, 3], 1), 0.5, new Rng(1)).toArray();
 * console.assert([0, 3, 6, 9].every((i) => y[i] === y[i + 1] && y[i] === y[i + 2]));
 * ```
 */
export function dropPath(x: Tensor, p: number, rng: Rng): Tensor {
  if (p === 0) return x;
  return mul(x, keepMask([x.shape[0], ...x.shape.slice(1).map(() => 1)], p, rng, x));
}
