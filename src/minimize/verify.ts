import { batches, type Dataset } from "../data/dataset.ts";
import { noGrad } from "../tensor/grad_mode.ts";
import type { Module } from "../nn/module.ts";
import { tidy } from "../tensor/scope.ts";
import type { Tensor } from "../tensor/tensor.ts";

/** The tolerance of METHOD.md's contract. */
export const CONTRACT_TOLERANCE = 1e-5;

/** Thrown when a minimized model breaks the exactness contract. */
export class MinimizationError extends Error {
  /** Error name. */
  override name = "MinimizationError";
}

/** Result of {@linkcode verify}. */
export interface VerifyResult {
  /** max |minimized(x) − masked(x)|. */
  maxAbs: number;
  /** maxAbs / (1 + max |masked(x)|): the contract's measure. */
  maxRel: number;
  /** Whether `maxRel ≤` {@linkcode CONTRACT_TOLERANCE}. */
  ok: boolean;
}

/**
 * The contract's measure between reference outputs `a` and outputs `b` of equal length:
 * `max|b − a| / (1 + max|a|)` (NaN when any difference is NaN).
 *
 * @example
 * ```ts
 * import { contractOf } from "./verify.ts";
 * console.assert(contractOf([1, 2], [1, 2]).maxRel === 0);
 * ```
 */
export function contractOf(a: ArrayLike<number>, b: ArrayLike<number>): VerifyResult {
  let maxAbs = 0, maxVal = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    maxAbs = Number.isNaN(d) ? NaN : Math.max(maxAbs, d);
    maxVal = Math.max(maxVal, Math.abs(a[i]));
  }
  const maxRel = maxAbs / (1 + maxVal);
  return { maxAbs, maxRel, ok: maxRel <= CONTRACT_TOLERANCE };
}

/**
 * Compares two models on probe inputs: METHOD.md's contract is
 * `max|minimized(x) − masked(x)| ≤ 1e-5·(1 + max|masked(x)|)`.
 *
 * @example
 * ```ts
 * import { verify } from "./verify.ts";
 * import { mlp } from "../nn/models.ts";
 * import { zeros } from "../tensor/create.ts";
 * const net = mlp([4, 2]);
 * console.assert(verify(net, net, zeros([3, 4])).maxAbs === 0);
 * ```
 */
export function verify(masked: Module, minimized: Module, probes: Tensor): VerifyResult {
  const modes = [masked.training, minimized.training];
  masked.eval();
  minimized.eval();
  return noGrad(() => {
    const a = masked.forward(probes).toArray(), b = minimized.forward(probes).toArray();
    masked.train(modes[0]);
    minimized.train(modes[1]);
    if (a.length !== b.length) {
      throw new MinimizationError(`verify: outputs differ in size (${a.length} vs ${b.length})`);
    }
    return contractOf(a, b);
  });
}

/**
 * The contract's measure ({@linkcode verify}'s `maxRel`) over a whole dataset, in batches
 * of 500 on the masked model's backend: the worst batch, NaN when any batch is NaN. The
 * contract holds when the result is at most {@linkcode CONTRACT_TOLERANCE}.
 *
 * @example
 * ```ts
 * import { CONTRACT_TOLERANCE, verifyOn } from "./verify.ts";
 * import { mlp } from "../nn/models.ts";
 * const net = mlp([4, 2]);
 * const data = {
 *   name: "d", sampleShape: [4], inputs: new Float32Array(12), labels: new Int32Array(3), classes: 2,
 * };
 * console.assert(verifyOn(net, net, data) <= CONTRACT_TOLERANCE);
 * ```
 */
export function verifyOn(masked: Module, minimized: Module, data: Dataset): number {
  let worst = 0;
  for (const b of batches(data, { batchSize: 500, backend: masked.backend })) {
    const r = tidy(() => verify(masked, minimized, b.x));
    b.x.dispose();
    worst = Number.isNaN(r.maxRel) ? NaN : Math.max(worst, r.maxRel);
  }
  return worst;
}
