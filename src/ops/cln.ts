/**
 * CompensatedLayerNorm as one op over channel axis 1 (METHOD.md), for backends that
 * declare the `compensated_layer_norm` kernel: a fused forward, and a gradient rule that
 * calls the fused gradient kernel (the input gradient, and `dy·x̂`, whose sum over images
 * and positions is the gradient of gamma). `compensatedLayerNorm` in
 * `src/nn/norm_functional.ts` picks it, and falls back to elementwise ops and reductions
 * elsewhere (the same function up to float rounding).
 *
 * @module
 */
import type { Backend, ClnParams } from "../backends/backend.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { apply, type OpDef, uninitialized } from "./op.ts";
import { sum } from "./reduce.ts";
import { checkNormAffine } from "./layer_norm.ts";

/** Attributes of {@linkcode clnOp}. */
export interface ClnAttrs {
  /** The original channel count (kept + removed). */
  width: number;
  /** Mean of the removed constants (0 when none). */
  kbar: number;
  /** Centred sum of squares of the removed constants (0 when none). */
  m2: number;
  /** Added to the variance. */
  eps: number;
}

/** The kernel geometry of `x` (`[n, c, ...positions]`). */
function geometry(x: Tensor, a: ClnAttrs): ClnParams {
  const c = x.shape[1], p = x.shape.slice(2).reduce((q, d) => q * d, 1);
  return { n: x.shape[0], c, p, width: a.width, kbar: a.kbar, m2: a.m2, eps: a.eps };
}

/** Whether `backend` runs {@linkcode clnOp} (it declares the fused kernels). */
export function hasFusedCln(backend: Backend): boolean {
  return backend.capabilities.kernels.has("compensated_layer_norm") &&
    backend.compensatedLayerNorm !== undefined && backend.compensatedLayerNormGrad !== undefined;
}

/** CompensatedLayerNorm of `[x, gamma, beta]` over axis 1; every channel has an output. */
export const clnOp: OpDef<ClnAttrs> = {
  name: "compensated_layer_norm",
  channels: "coupled",
  infer: ([x, gamma, beta], a) => {
    if (x.rank < 2) {
      throw new RangeError(`layer_norm: input must have rank ≥ 2, got ${formatShape(x.shape)}`);
    }
    const c = x.shape[1];
    checkNormAffine(x, c, gamma, beta);
    if (!(Number.isInteger(a.width) && a.width >= Math.max(1, c))) {
      throw new RangeError(`layer_norm: width ${a.width} is smaller than the ${c} kept channels`);
    }
    if (!(a.m2 >= 0 && a.eps >= 0 && [a.kbar, a.m2, a.eps].every(Number.isFinite))) {
      throw new RangeError(
        `layer_norm: m2 ${a.m2} and eps ${a.eps} must be finite and ≥ 0, kbar ${a.kbar} finite`,
      );
    }
    if (!hasFusedCln(x.backend)) {
      throw new TypeError(
        `layer_norm: backend "${x.backend.name}" has no fused compensated_layer_norm kernel`,
      );
    }
    return x.shape;
  },
  forward: (be, [x, gamma, beta], out, a) =>
    be.compensatedLayerNorm!(x.storage, gamma.storage, beta.storage, out.storage, geometry(x, a)),
  backward: (dy, [x, gamma], _y, a, needs) => {
    const be = x.backend, p = geometry(x, a);
    const dx = uninitialized(x.shape, x.dtype, be), dyXhat = uninitialized(x.shape, x.dtype, be);
    if (x.size > 0) {
      be.compensatedLayerNormGrad!(
        x.storage,
        gamma.storage,
        dy.storage,
        dx.storage,
        dyXhat.storage,
        p,
      );
    }
    const axes = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
    const dGamma = needs[1] ? sum(dyXhat, { axes }) : null;
    const dBeta = needs[2] ? sum(dy, { axes }) : null;
    dyXhat.dispose();
    if (!needs[0]) dx.dispose();
    return [needs[0] ? dx : null, dGamma, dBeta];
  },
};

/**
 * The fused CompensatedLayerNorm over axis 1 of `x` (`[n, c, ...]`), for a backend with
 * the kernel ({@linkcode hasFusedCln}).
 *
 * @example
 * ```ts
 * import { cln } from "./cln.ts";
 * import { tensor } from "../tensor/create.ts";
 * // LayerNorm of [1, 3, 2] equals the CLN of [1, 3] with the constant 2 removed.
 * const y = cln(tensor([1, 3], [1, 2]), tensor([1, 1]), tensor([0, 0]), {
 *   width: 3, kbar: 2, m2: 0, eps: 0,
 * }).toArray();
 * console.assert(Math.abs(y[0] + Math.sqrt(1.5)) < 1e-6);
 * ```
 */
export function cln(x: Tensor, gamma: Tensor, beta: Tensor, attrs: ClnAttrs): Tensor {
  return apply(clnOp, [x, gamma, beta], attrs);
}
