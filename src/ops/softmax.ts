/**
 * Softmax and log-softmax over the last axis.
 *
 * @module
 */
import { formatShape, normAxis } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { mul, sub } from "./elementwise.ts";
import { apply, type OpDef } from "./op.ts";
import { sum } from "./reduce.ts";
import { exp } from "./elementwise.ts";

function softmaxOp(log: boolean): OpDef<{ axis: number }> {
  const name = log ? "log_softmax" : "softmax";
  return {
    name,
    channels: "coupled",
    infer: ([x], { axis }) => {
      if (x.rank === 0) throw new RangeError(`${name}: needs rank ≥ 1, got a scalar`);
      if (normAxis(axis, x.rank, name) !== x.rank - 1) {
        throw new RangeError(
          `${name}: only the last axis is supported, got axis ${axis} of ${
            formatShape(x.shape)
          } (transpose first)`,
        );
      }
      return x.shape;
    },
    forward: (be, [x], out) => {
      const cols = x.shape[x.rank - 1];
      be.softmax(x.storage, cols === 0 ? 0 : x.size / cols, cols, log, out.storage);
    },
    backward: (g, _x, y) => {
      const last = [y.rank - 1];
      if (log) return [sub(g, mul(exp(y), sum(g, { axes: last, keepdims: true })))];
      return [mul(y, sub(g, sum(mul(g, y), { axes: last, keepdims: true })))];
    },
  };
}

/** Softmax over the last axis. */
export const softmaxOpDef: OpDef<{ axis: number }> = softmaxOp(false);
/** Log-softmax over the last axis. */
export const logSoftmaxOp: OpDef<{ axis: number }> = softmaxOp(true);

/**
 * Softmax over the last axis (`axis` must name it).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor/create.ts";
 * import { softmax } from "./softmax.ts";
 * const p = softmax(tensor([0, 0], [1, 2])).toArray();
 * console.assert(p[0] === 0.5);
 * ```
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return apply(softmaxOpDef, [x], { axis });
}
/** Log-softmax over the last axis, computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return apply(logSoftmaxOp, [x], { axis });
}
