/**
 * Shape layer ops: `permute` moves the channel axis with the others (channel c stays
 * channel c, so it is channelwise: NCHW → NHWC → linear on the last axis is one coupled
 * chain), `reshape` has no channel map (minimization keeps every channel around it).
 *
 * @module
 */
import { formatShape } from "../tensor/shape.ts";
import { reshape, transpose } from "../ops/shape_ops.ts";
import type { AttrValue } from "./ir.ts";
import type { LayerOp } from "./layer_op.ts";

function intList(node: string, v: AttrValue | undefined, what: string): number[] {
  if (!Array.isArray(v) || !v.every((i) => Number.isInteger(i))) {
    throw new RangeError(
      `${node}: attrs.${what} must be a list of integers, got ${JSON.stringify(v)}`,
    );
  }
  return v as number[];
}

/** `permute`: attrs `perm` (must keep the batch axis first); the channel axis moves with it. */
export const permuteLayer: LayerOp = {
  name: "permute",
  arity: 1,
  params: [],
  channels: "channelwise",
  constRule: (k) => k,
  outAxis: (_x, [axis], a) => (a.perm as number[]).indexOf(axis),
  infer: (node, [x], _p, a) => {
    const perm = intList(node, a.perm, "perm");
    if (
      perm.length !== x.length || perm[0] !== 0 ||
      [...perm].sort((p, q) => p - q).some((v, i) => v !== i)
    ) {
      throw new RangeError(
        `${node}: perm ${JSON.stringify(perm)} is not a permutation of ${
          formatShape(x)
        } keeping axis 0`,
      );
    }
    return perm.map((p) => x[p]);
  },
  run: ([x], _p, a) => transpose(x, a.perm as number[]),
};

/**
 * `reshape`: attrs `shape` without the batch axis (one entry may be -1). A channel axis
 * that is last and keeps its size stays last; otherwise the output's is axis 1.
 */
export const reshapeLayer: LayerOp = {
  name: "reshape",
  arity: 1,
  params: [],
  channels: "opaque",
  outAxis: ([x], [axis], _a, out) =>
    axis === x.length - 1 && out[out.length - 1] === x[axis] ? out.length - 1 : 1,
  infer: (node, [x], _p, a) => {
    const s = intList(node, a.shape, "shape");
    const size = x.slice(1).reduce((p, q) => p * q, 1);
    const known = s.filter((d) => d !== -1).reduce((p, q) => p * q, 1);
    const free = s.filter((d) => d === -1).length;
    if (free > 1 || s.some((d) => d < -1 || d === 0) || (free ? size % known : size !== known)) {
      throw new RangeError(`${node}: cannot reshape ${formatShape(x)} to [N,${s.join(",")}]`);
    }
    return [x[0], ...s.map((d) => (d === -1 ? size / known : d))];
  },
  run: ([x], _p, a) => reshape(x, [x.shape[0], ...(a.shape as number[])]),
};
