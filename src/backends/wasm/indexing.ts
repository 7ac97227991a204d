/**
 * Indexing kernels of the Wasm backend: one-hot, permute, slice and its gradient, gather
 * and scatter-add, as the reference loops on zero-copy views of the arena (flushed where
 * they add).
 *
 * @module
 */
import type { Backend } from "../backend.ts";
import {
  gatherLoop,
  permuteLoop,
  scatterAddLoop,
  sliceGradLoop,
  sliceLoop,
} from "../js/indexing.ts";
import type { WasmContext } from "./context.ts";

/** The indexing part of the backend. */
export function indexingKernels(
  ctx: WasmContext,
): Pick<Backend, "oneHot" | "permute" | "slice" | "sliceGrad" | "gather" | "scatterAdd"> {
  const { view, flushed } = ctx;
  return {
    oneHot: (labels, rows, cols, out) => {
      const o = view(out);
      o.fill(0);
      for (let r = 0; r < rows; r++) o[r * cols + labels[r]] = 1;
    },
    permute: (x, shape, perm, out) => permuteLoop(view(x), shape, perm, view(out)),
    slice: (x, shape, starts, out, outShape) =>
      sliceLoop(view(x), shape, starts, view(out), outShape),
    sliceGrad: (dy, dyShape, starts, out, shape) =>
      sliceGradLoop(view(dy), dyShape, starts, view(out), shape),
    gather: (x, shape, axis, idx, out) => gatherLoop(view(x), shape, axis, idx, view(out)),
    scatterAdd: (dy, dyShape, axis, idx, out, shape) => {
      scatterAddLoop(view(dy), dyShape, axis, idx, view(out), shape);
      flushed(out);
    },
  };
}
