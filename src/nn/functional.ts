/**
 * Layer computations shared by the nn layers and the graph executor, so a layer and
 * its graph node compute the same thing by construction.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { add } from "../ops/elementwise.ts";
import { matmul } from "../ops/matmul.ts";
import { reshape } from "../ops/shape_ops.ts";

/** `y = x·Wᵀ + b` for `x: [N, in]`, `W: [out, in]`, `b: [out]`. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const y = matmul(x, weight, { transB: true });
  return bias ? add(y, bias) : y;
}

/** `[N, ...] → [N, prod(...)]`. */
export function flatten(x: Tensor): Tensor {
  if (x.rank === 2) return x;
  return reshape(x, [x.shape[0], -1]);
}
