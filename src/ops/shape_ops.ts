/**
 * Ops that move elements: reshape, transpose (permute), slice, index-select.
 *
 * @module
 */
import { checkShape, formatShape, normAxis, type Shape, sizeOf } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { apply, type OpDef } from "./op.ts";

/** Attributes of {@linkcode reshapeOp}. */
export interface ReshapeAttrs {
  /** New shape; one entry may be -1 (inferred). */
  shape: readonly number[];
}

function resolveShape(x: Tensor, shape: readonly number[]): number[] {
  const free = shape.filter((d) => d === -1).length;
  if (free > 1) throw new RangeError(`reshape: more than one -1 in ${formatShape(shape)}`);
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  checkShape(out, "reshape");
  if (sizeOf(out) !== x.size) {
    throw new RangeError(
      `reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${
        formatShape(shape)
      }`,
    );
  }
  return out;
}

/** Same elements, new shape. */
export const reshapeOp: OpDef<ReshapeAttrs> = {
  name: "reshape",
  channels: "reindex",
  infer: ([x], a) => resolveShape(x, a.shape),
  view: true,
  forward: (be, [x], out) => be.copy(x.storage, out.storage),
  backward: (g, [x]) => [reshape(g, x.shape)],
};

/**
 * Reshapes `x` (row-major order is kept; one axis may be -1).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor/create.ts";
 * import { reshape } from "./shape_ops.ts";
 * console.assert(reshape(tensor([1, 2, 3, 4, 5, 6]), [2, -1]).shape[1] === 3);
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return apply(reshapeOp, [x], { shape });
}

/** Attributes of {@linkcode transposeOp}. */
export interface TransposeAttrs {
  /** Output axis i takes input axis `perm[i]`. */
  perm: readonly number[];
}

/** Reorders axes. */
export const transposeOp: OpDef<TransposeAttrs> = {
  name: "transpose",
  channels: "reindex",
  infer: ([x], { perm }) => {
    const ok = perm.length === x.rank && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
    if (!ok) {
      throw new RangeError(
        `transpose: perm ${formatShape(perm)} is not a permutation of ${x.rank} axes`,
      );
    }
    return perm.map((p) => x.shape[p]);
  },
  forward: (be, [x], out, a) => be.permute(x.storage, x.shape, a.perm, out.storage),
  backward: (g, _x, _y, { perm }) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [transpose(g, inv)];
  },
};

/** Permutes axes (default: reverse them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  return apply(transposeOp, [x], { perm: perm ?? x.shape.map((_, i) => x.rank - 1 - i) });
}

/** Attributes of {@linkcode sliceOp} and {@linkcode sliceGradOp}. */
export interface SliceAttrs {
  /** First index on each axis. */
  starts: readonly number[];
  /** Extent on each axis. */
  sizes: readonly number[];
}

/** A box of `x`. */
export const sliceOp: OpDef<SliceAttrs> = {
  name: "slice",
  channels: "reindex",
  infer: ([x], { starts, sizes }) => {
    if (starts.length !== x.rank || sizes.length !== x.rank) {
      throw new RangeError(
        `slice: starts/sizes need ${x.rank} entries for ${formatShape(x.shape)}`,
      );
    }
    for (let i = 0; i < x.rank; i++) {
      const s = starts[i], n = sizes[i];
      if (!Number.isInteger(s) || !Number.isInteger(n) || s < 0 || n < 0 || s + n > x.shape[i]) {
        throw new RangeError(
          `slice: axis ${i}: [${s}, ${s + n}) is outside 0..${x.shape[i]} of ${
            formatShape(x.shape)
          }`,
        );
      }
    }
    return [...sizes];
  },
  forward: (be, [x], out, a) => be.slice(x.storage, x.shape, a.starts, out.storage, out.shape),
  backward: (g, [x], _y, a) => [apply(sliceGradOp, [g], { ...a, shape: x.shape })],
};

/** Writes a slice's gradient into zeros of the source shape; the adjoint of slice. */
export const sliceGradOp: OpDef<SliceAttrs & { shape: Shape }> = {
  name: "slice_grad",
  channels: "reindex",
  infer: (_g, a) => a.shape,
  forward: (be, [g], out, a) => be.sliceGrad(g.storage, g.shape, a.starts, out.storage, a.shape),
  backward: (g, _x, _y, a) => [slice(g, a.starts, a.sizes)],
};

/** The box of `x` starting at `starts` with extents `sizes`. */
export function slice(x: Tensor, starts: readonly number[], sizes: readonly number[]): Tensor {
  return apply(sliceOp, [x], { starts, sizes });
}

/** Attributes of {@linkcode indexSelectOp}. */
export interface IndexSelectAttrs {
  axis: number;
  indices: Int32Array;
}

function checkIndices(op: string, dim: number, indices: Int32Array): void {
  if (!(indices instanceof Int32Array)) throw new TypeError(`${op}: indices must be an Int32Array`);
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] < 0 || indices[i] >= dim) {
      throw new RangeError(`${op}: index ${indices[i]} at position ${i} is outside 0..${dim - 1}`);
    }
  }
}

/** Entries `indices` of `x` along `axis`. */
export const indexSelectOp: OpDef<IndexSelectAttrs> = {
  name: "index_select",
  channels: "reindex",
  infer: ([x], a) => {
    const axis = normAxis(a.axis, x.rank, "index_select");
    checkIndices("index_select", x.shape[axis], a.indices);
    return x.shape.map((d, i) => (i === axis ? a.indices.length : d));
  },
  forward: (be, [x], out, a) =>
    be.gather(x.storage, x.shape, normAxis(a.axis, x.rank, ""), a.indices, out.storage),
  backward: (g, [x], _y, a) => [
    apply(indexAddOp, [g], {
      axis: normAxis(a.axis, x.rank, ""),
      indices: a.indices,
      shape: x.shape,
    }),
  ],
};

/** Scatter-adds slices of the input into zeros of `shape`; the adjoint of index-select. */
export const indexAddOp: OpDef<IndexSelectAttrs & { shape: Shape }> = {
  name: "index_add",
  channels: "reindex",
  infer: ([g], a) => {
    checkIndices("index_add", a.shape[a.axis], a.indices);
    if (g.shape[a.axis] !== a.indices.length) {
      throw new RangeError(
        `index_add: ${a.indices.length} indices for axis of size ${g.shape[a.axis]}`,
      );
    }
    return a.shape;
  },
  forward: (be, [g], out, a) =>
    be.scatterAdd(g.storage, g.shape, a.axis, a.indices, out.storage, a.shape),
  backward: (g, _x, _y, a) => [indexSelect(g, a.axis, a.indices)],
};

/** Selects entries `indices` of `x` along `axis` (repeats allowed). */
export function indexSelect(x: Tensor, axis: number, indices: Int32Array | number[]): Tensor {
  const idx = indices instanceof Int32Array ? indices : Int32Array.from(indices);
  return apply(indexSelectOp, [x], { axis, indices: idx });
}
