/**
 * Normalization computations over channel axis 1: CompensatedLayerNorm (plain LayerNorm
 * is the case with nothing removed) and BatchNorm. Written with tensor ops, so autograd
 * gives their gradients on every backend.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { noGrad } from "../tensor/grad_mode.ts";
import { add, mul, scale, sub, unary } from "../ops/elementwise.ts";
import { mean, sum } from "../ops/reduce.ts";
import { indexSelect, reshape } from "../ops/shape_ops.ts";
import { cln, hasFusedCln } from "../ops/cln.ts";
import { channelAffine } from "./image_functional.ts";

/** What a CompensatedLayerNorm remembers of the channels minimization removed. */
export interface Compensation {
  /** The original width `d` (kept + removed channels). */
  width: number;
  /** Mean `k̄` of the removed constant channels (0 when none). */
  kbar: number;
  /** Centred sum of squares `M2 = Σ (k_j − k̄)²` of the removed constants (0 when none). */
  m2: number;
  /**
   * Input channels that have an output, in order (default: all). A channel without one
   * still counts in the statistics (minimization removes outputs nobody needs).
   */
  outputs?: readonly number[];
}

/**
 * CompensatedLayerNorm over channel axis 1 (METHOD.md): the LayerNorm of the original
 * `width` channels, computed from the kept channels `x` and the removed constants'
 * count `r = width − C`, mean `k̄` and centred sum of squares `M2`:
 * `μ = (Σx + r·k̄)/d`, `σ² = (Σ(x − μ)² + M2 + r·(k̄ − μ)²)/d`, every term ≥ 0. With
 * `width` = the channel count it is plain LayerNorm. One fused op ({@linkcode cln}) where
 * the backend has the kernel and every channel has an output; elementwise ops and
 * reductions otherwise (the same function up to float rounding).
 *
 * @example
 * ```ts
 * import { compensatedLayerNorm } from "./norm_functional.ts";
 * import { tensor } from "../tensor/create.ts";
 * // LayerNorm of [1, 3, 2] equals the CLN of [1, 3] with the constant 2 removed.
 * const g = tensor([1, 1]), b = tensor([0, 0]);
 * const y = compensatedLayerNorm(tensor([1, 3], [1, 2]), g, b, { width: 3, kbar: 2, m2: 0 }).toArray();
 * console.assert(Math.abs(y[0] + Math.sqrt(1.5)) < 1e-4);
 * ```
 */
export function compensatedLayerNorm(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  comp: Compensation,
  eps = 1e-6,
): Tensor {
  const c = x.shape[1];
  const d = comp.width, r = d - c;
  if (!(Number.isInteger(d) && r >= 0 && d > 0)) {
    throw new RangeError(`layer_norm: width ${d} is smaller than the ${c} kept channels`);
  }
  const o = comp.outputs;
  const allOut = !o || (o.length === c && o.every((j, i) => j === i));
  if (allOut && x.rank >= 2 && hasFusedCln(x.backend)) {
    return cln(x, gamma, beta, { width: d, kbar: comp.kbar, m2: comp.m2, eps });
  }
  const axes = [1];
  const mu = scale(sum(x, { axes, keepdims: true }), 1 / d, (r * comp.kbar) / d);
  const xc = sub(x, mu);
  let v = scale(sum(mul(xc, xc), { axes, keepdims: true }), 1 / d, comp.m2 / d);
  if (r > 0) {
    const dk = scale(mu, 1, -comp.kbar);
    v = add(v, scale(mul(dk, dk), r / d));
  }
  const rstd = unary("reciprocal", unary("sqrt", scale(v, 1, eps)));
  const kept = allOut ? xc : indexSelect(xc, 1, Int32Array.from(o));
  return channelAffine(mul(kept, rstd), gamma, beta);
}

/** What a compensated RMSNorm remembers of the channels minimization removed. */
export interface RmsCompensation {
  /** The original width `d` (kept + removed channels). */
  width: number;
  /** `Σ k_j²` of the removed constant channels (0 when none). */
  s2: number;
  /** Input channels that have an output, in order (default: all). */
  outputs?: readonly number[];
}

/**
 * Compensated RMSNorm over channel axis 1 (METHOD.md): the RMSNorm of the original
 * `width` channels from the kept channels `x` and the removed constants' sum of squares:
 * `y_i = γ_i · x_i / sqrt((Σ x² + s2)/d + eps)` (every term ≥ 0). With `width` = the
 * channel count and `s2` = 0 it is plain RMSNorm.
 *
 * @example
 * ```ts
 * import { compensatedRmsNorm } from "./norm_functional.ts";
 * import { tensor } from "../tensor/create.ts";
 * // RMSNorm of [3, 4] equals the compensated one of [3] with the constant 4 removed.
 * const y = compensatedRmsNorm(tensor([3], [1, 1]), tensor([1]), { width: 2, s2: 16 }, 0);
 * console.assert(Math.abs(y.item() - 3 / Math.sqrt(12.5)) < 1e-6);
 * ```
 */
export function compensatedRmsNorm(
  x: Tensor,
  gamma: Tensor,
  comp: RmsCompensation,
  eps = 1e-6,
): Tensor {
  const c = x.shape[1], d = comp.width;
  if (!(Number.isInteger(d) && d >= c && d > 0)) {
    throw new RangeError(`rms_norm: width ${d} is smaller than the ${c} kept channels`);
  }
  const ms = scale(sum(mul(x, x), { axes: [1], keepdims: true }), 1 / d, comp.s2 / d + eps);
  const rstd = unary("reciprocal", unary("sqrt", ms));
  const o = comp.outputs;
  const kept = o && (o.length !== c || o.some((j, i) => j !== i))
    ? indexSelect(x, 1, Int32Array.from(o))
    : x;
  return channelAffine(mul(kept, rstd), gamma);
}

/** Options of {@linkcode batchNorm}. */
export interface BatchNormOptions {
  /** Batch statistics (and running-average updates) instead of the running ones. */
  training: boolean;
  /** Weight of the new batch in the running averages. @default 0.1 */
  momentum?: number;
  /** Added to the variance. @default 1e-5 */
  eps?: number;
}

/**
 * BatchNorm over channel axis 1. In training it normalizes with the batch statistics and
 * updates `runningMean`/`runningVar` in place (unbiased variance); in eval it uses them.
 *
 * @example
 * ```ts
 * import { batchNorm } from "./norm_functional.ts";
 * import { tensor } from "../tensor/create.ts";
 * const rm = tensor([0]), rv = tensor([1]);
 * const y = batchNorm(tensor([1, 3], [2, 1]), tensor([1]), tensor([0]), rm, rv, { training: true });
 * console.assert(Math.abs(y.toArray()[0] + 1) < 1e-3 && Math.abs(rm.item() - 0.2) < 1e-6);
 * ```
 */
export function batchNorm(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  opts: BatchNormOptions,
): Tensor {
  const eps = opts.eps ?? 1e-5;
  const axes = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
  if (!opts.training) {
    const rstd = unary("reciprocal", unary("sqrt", scale(runningVar, 1, eps)));
    const s = mul(gamma, rstd);
    return channelAffine(x, s, sub(beta, mul(runningMean, s)));
  }
  const m = mean(x, { axes, keepdims: true });
  const xc = sub(x, m);
  const v = mean(mul(xc, xc), { axes, keepdims: true });
  const y = mul(xc, unary("reciprocal", unary("sqrt", scale(v, 1, eps))));
  const n = x.shape.reduce((a, d, i) => (i === 1 ? a : a * d), 1);
  const mom = opts.momentum ?? 0.1;
  noGrad(() => {
    const be = x.backend;
    for (
      const [run, batch] of [
        [runningMean, scale(m, mom)],
        [runningVar, scale(v, mom * n / Math.max(1, n - 1))],
      ] as const
    ) {
      const upd = add(scale(run, 1 - mom), reshape(batch, [x.shape[1]]));
      be.copy(upd.storage, run.storage);
      upd.dispose();
      batch.dispose();
    }
  });
  return channelAffine(y, gamma, beta);
}
