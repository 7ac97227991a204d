/**
 * Indexing kernels of the Wasm backend: one-hot, permute, slice and its gradient, gather
 * and scatter-add, as the reference loops on zero-copy views of the arena (flushed where
 * they add).
 *
 * @module
 */
import type { Backend } from "../backend.ts";
import { type Shape, sizeOf } from "../../tensor/shape.ts";
import {
  gatherLoop,
  permuteLoop,
  scatterAddLoop,
  sliceGradLoop,
  sliceLoop,
} from "../js/indexing.ts";
import type { WasmContext } from "./context.ts";

/**
 * A box of `shape` that differs from it on one axis only, as rows: `[rows, len, stride,
 * offset]` (rows of `len` floats, `stride` apart in the full tensor, the first at
 * `offset`); null when it differs on several axes (or is empty).
 */
export function rowsOf(
  shape: Shape,
  starts: readonly number[],
  box: Shape,
): [number, number, number, number] | null {
  const axes = shape.flatMap((d, i) => (box[i] !== d ? [i] : []));
  if (shape.length === 0 || axes.length > 1 || sizeOf(box) === 0) return null;
  const axis = axes[0] ?? 0;
  const inner = sizeOf(shape.slice(axis + 1));
  return [
    sizeOf(shape.slice(0, axis)),
    box[axis] * inner,
    shape[axis] * inner,
    starts[axis] * inner,
  ];
}

/** The indexing part of the backend. */
export function indexingKernels(
  ctx: WasmContext,
): Pick<Backend, "oneHot" | "permute" | "slice" | "sliceGrad" | "gather" | "scatterAdd"> {
  const { view, flushed, k, ws } = ctx;
  return {
    oneHot: (labels, rows, cols, out) => {
      const o = view(out);
      o.fill(0);
      for (let r = 0; r < rows; r++) o[r * cols + labels[r]] = 1;
    },
    permute: (x, shape, perm, out) => permuteLoop(view(x), shape, perm, view(out)),
    slice: (x, shape, starts, out, outShape) => {
      const rows = rowsOf(shape, starts, outShape);
      if (!rows) return sliceLoop(view(x), shape, starts, view(out), outShape);
      const [n, len, stride, offset] = rows;
      k.f32_copy_rows(ws(x).ptr + 4 * offset, ws(out).ptr, n, len, stride, len);
    },
    sliceGrad: (dy, dyShape, starts, out, shape) => {
      const rows = rowsOf(shape, starts, dyShape);
      if (!rows) return sliceGradLoop(view(dy), dyShape, starts, view(out), shape);
      const [n, len, stride, offset] = rows;
      view(out).fill(0);
      k.f32_copy_rows(ws(dy).ptr, ws(out).ptr + 4 * offset, n, len, len, stride);
    },
    gather: (x, shape, axis, idx, out) => gatherLoop(view(x), shape, axis, idx, view(out)),
    scatterAdd: (dy, dyShape, axis, idx, out, shape) => {
      scatterAddLoop(view(dy), dyShape, axis, idx, view(out), shape);
      flushed(out);
    },
  };
}
