import { noGrad } from "../autograd/tape.ts";
import type { Module } from "../nn/module.ts";
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
  /** Whether `maxRel ≤ 1e-5`. */
  ok: boolean;
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
    let maxAbs = 0, maxVal = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      maxAbs = Number.isNaN(d) ? NaN : Math.max(maxAbs, d);
      maxVal = Math.max(maxVal, Math.abs(a[i]));
    }
    const maxRel = maxAbs / (1 + maxVal);
    return { maxAbs, maxRel, ok: maxRel <= CONTRACT_TOLERANCE };
  });
}
