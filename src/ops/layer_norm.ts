/**
 * Layer normalization over the last axis (channels-last): a fused forward kernel
 * (the statistics and the affine map in one pass per row) and a gradient written with ops.
 *
 * @module
 */
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { mul, scale, sub, unary } from "./elementwise.ts";
import { apply, type OpDef } from "./op.ts";
import { mean, sum } from "./reduce.ts";

/** Attributes of {@linkcode layerNormOp}. */
export interface LayerNormAttrs {
  /** Added to the variance. @default 1e-5 */
  eps?: number;
}

/** Throws a `RangeError` unless gamma and beta are `[c]` vectors (c: x's normalized width). */
export function checkNormAffine(x: Tensor, c: number, gamma: Tensor, beta: Tensor): void {
  for (const [name, t] of [["gamma", gamma], ["beta", beta]] as const) {
    if (t.rank !== 1 || t.shape[0] !== c) {
      throw new RangeError(
        `layer_norm: ${name} must be [${c}] for input ${formatShape(x.shape)}, got ${
          formatShape(t.shape)
        }`,
      );
    }
  }
}

/** `y = (x − mean)/sqrt(var + eps)·gamma + beta` over the last axis (biased variance). */
export const layerNormOp: OpDef<LayerNormAttrs> = {
  name: "layer_norm",
  channels: "coupled",
  infer: ([x, gamma, beta], a) => {
    if (x.rank < 1) throw new RangeError("layer_norm: input must have rank ≥ 1");
    checkNormAffine(x, x.shape[x.rank - 1], gamma, beta);
    const eps = a.eps ?? 1e-5;
    if (!(eps > 0)) throw new RangeError(`layer_norm: eps must be > 0, got ${eps}`);
    return x.shape;
  },
  forward: (be, [x, gamma, beta], out, a) => {
    const c = x.shape[x.rank - 1];
    be.layerNorm(
      x.storage,
      gamma.storage,
      beta.storage,
      c === 0 ? 0 : x.size / c,
      c,
      a.eps ?? 1e-5,
      out.storage,
    );
  },
  backward: (dy, [x, gamma], _y, a, needs) => {
    const last = [x.rank - 1];
    const rows = x.shape.slice(0, -1).map((_, i) => i);
    const xc = sub(x, mean(x, { axes: last, keepdims: true }));
    const rstd = unary(
      "reciprocal",
      unary("sqrt", scale(mean(mul(xc, xc), { axes: last, keepdims: true }), 1, a.eps ?? 1e-5)),
    );
    const xhat = mul(xc, rstd);
    const g = mul(dy, gamma);
    const dx = needs[0]
      ? mul(
        rstd,
        sub(
          sub(g, mean(g, { axes: last, keepdims: true })),
          mul(xhat, mean(mul(g, xhat), { axes: last, keepdims: true })),
        ),
      )
      : null;
    return [
      dx,
      needs[1] ? sum(mul(dy, xhat), { axes: rows }) : null,
      needs[2] ? sum(dy, { axes: rows }) : null,
    ];
  },
};

/**
 * Layer normalization of `x` over its last axis with per-channel `gamma` and `beta`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor/create.ts";
 * import { layerNorm } from "./layer_norm.ts";
 * const y = layerNorm(tensor([1, 3], [1, 2]), tensor([1, 1]), tensor([0, 0])).toArray();
 * console.assert(Math.abs(y[0] + 1) < 1e-4 && Math.abs(y[1] - 1) < 1e-4);
 * ```
 */
export function layerNorm(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  attrs: LayerNormAttrs = {},
): Tensor {
  return apply(layerNormOp, [x, gamma, beta], attrs);
}
