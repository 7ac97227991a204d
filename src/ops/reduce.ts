/**
 * Reductions (sum, mean, max) and broadcasting a tensor to a larger shape, which are
 * each other's gradients.
 *
 * @module
 */
import { formatShape, normAxis, sameShape, type Shape, sizeOf } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { apply, type OpDef } from "./op.ts";
import { reshape } from "./shape_ops.ts";
import { mul, scale, sub, unary } from "./elementwise.ts";

/** Attributes of a reduction. */
export interface ReduceAttrs {
  /** Axes to reduce; all axes when omitted. */
  axes?: readonly number[];
  /** Keep reduced axes with size 1. */
  keepdims?: boolean;
}

function resolveAxes(op: string, x: Tensor, axes?: readonly number[]): number[] {
  if (!axes) return x.shape.map((_, i) => i);
  const out = [...new Set(axes.map((a) => normAxis(a, x.rank, op)))];
  return out.sort((a, b) => a - b);
}

function reducedShape(x: Tensor, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  x.shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

function reduceOp(name: "sum" | "mean" | "max"): OpDef<ReduceAttrs> {
  return {
    name,
    channels: "reduce",
    infer: (xs, a) => {
      const x = xs[0];
      const axes = resolveAxes(name, x, a.axes);
      if (name === "max" && axes.some((ax) => x.shape[ax] === 0)) {
        throw new RangeError(`max: cannot reduce an empty axis of ${formatShape(x.shape)}`);
      }
      return reducedShape(x, axes, a.keepdims ?? false);
    },
    forward: (be, [x], out, a) => {
      const axes = resolveAxes(name, x, a.axes);
      be.reduce(name === "max" ? "max" : "sum", x.storage, x.shape, axes, out.storage);
      if (name === "mean") {
        const n = axes.reduce((p, ax) => p * x.shape[ax], 1);
        be.scalar(out.storage, 1 / n, 0, out.storage);
      }
    },
    backward: (g, [x], out, a) => {
      const axes = resolveAxes(name, x, a.axes);
      const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const b = broadcastTo(reshape(g, keptShape), x.shape);
      if (name === "sum") return [b];
      if (name === "max") {
        // The gradient goes to the entries equal to the maximum (to each, when tied):
        // max − x is 0 exactly there and > 0 elsewhere, so 1 − step(max − x) marks them.
        const gap = sub(broadcastTo(reshape(out, keptShape), x.shape), x);
        return [mul(b, scale(unary("step", gap), -1, 1))];
      }
      const n = axes.reduce((p, ax) => p * x.shape[ax], 1);
      return [scale(b, 1 / n)];
    },
  };
}

/** Sum over axes. */
export const sumOp: OpDef<ReduceAttrs> = reduceOp("sum");
/** Mean over axes. */
export const meanOp: OpDef<ReduceAttrs> = reduceOp("mean");
/** Maximum over axes (NaN propagates); the gradient goes to the maximal entries. */
export const maxOp: OpDef<ReduceAttrs> = reduceOp("max");

/**
 * Sum of `x` over `axes` (all by default).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor/create.ts";
 * import { sum } from "./reduce.ts";
 * console.assert(sum(tensor([1, 2, 3, 4], [2, 2]), { axes: [0] }).toArray()[1] === 6);
 * ```
 */
export function sum(x: Tensor, attrs: ReduceAttrs = {}): Tensor {
  return apply(sumOp, [x], attrs);
}
/** Mean of `x` over `axes` (all by default). */
export function mean(x: Tensor, attrs: ReduceAttrs = {}): Tensor {
  return apply(meanOp, [x], attrs);
}
/** Maximum of `x` over `axes` (all by default). */
export function max(x: Tensor, attrs: ReduceAttrs = {}): Tensor {
  return apply(maxOp, [x], attrs);
}

/** Attributes of {@linkcode broadcastToOp}. */
export interface BroadcastAttrs {
  shape: Shape;
}

/** Repeats `x` along broadcast axes to `shape`. */
export const broadcastToOp: OpDef<BroadcastAttrs> = {
  name: "broadcast_to",
  channels: "reindex",
  infer: ([x], { shape }) => {
    const off = shape.length - x.rank;
    const ok = off >= 0 && x.shape.every((d, i) => d === 1 || d === shape[off + i]);
    if (!ok) {
      throw new RangeError(
        `broadcast_to: ${formatShape(x.shape)} cannot broadcast to ${formatShape(shape)}`,
      );
    }
    return shape;
  },
  forward: (be, [x], out) => {
    const zero = be.alloc(x.dtype, 1);
    be.binary("add", x.storage, x.shape, zero, [1], out.storage, out.shape);
    be.free(zero);
  },
  backward: (g, [x]) => [sumTo(g, x.shape)],
};

/** Broadcasts `x` to `shape` (materialized). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return apply(broadcastToOp, [x], { shape });
}

/** Sums a broadcast gradient `g` back to `shape` (inverse of broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const off = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < off || (shape[i - off] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? sum(g, { axes, keepdims: true }) : g;
  return sizeOf(s.shape) === sizeOf(shape) && !sameShape(s.shape, shape) ? reshape(s, shape) : s;
}
