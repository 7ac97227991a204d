/**
 * Indexing kernels of the WebGPU backend: one-hot, and permute, slice and its gradient as
 * one strided index-map shader; gather and scatter-add as one shader, two modes.
 *
 * @module
 */
import type { Backend, Storage } from "../backend.ts";
import { GATHER_MODE_IDS } from "../_gen/kernel_ids.ts";
import type { Shape } from "../../tensor/shape.ts";
import { type GpuContext, pad6, stridesOf } from "./context.ts";

/** The indexing part of the backend. */
export function indexingKernels(
  ctx: GpuContext,
): Pick<Backend, "oneHot" | "permute" | "slice" | "sliceGrad" | "gather" | "scatterAdd"> {
  const { run, buf, u32Buffer, pool } = ctx;
  const indexMap = (
    x: Storage,
    out: Storage,
    outShape: Shape,
    xStrides: number[],
    base: number,
    lo: number[],
    size: number[],
  ) =>
    run("index_map", [[buf(x), false], [buf(out), true]], [
      out.size,
      outShape.length,
      base,
      ...pad6([...outShape], 1),
      ...pad6(xStrides, 0),
      ...pad6(lo, 0),
      ...pad6(size, 1),
    ], out.size);
  return {
    oneHot: (labels, rows, cols, out) => {
      const lb = u32Buffer(labels);
      run("one_hot", [[lb, false], [buf(out), true]], [rows * cols, cols], rows * cols);
      pool.release(lb);
    },
    permute: (x, shape, perm, out) => {
      const st = stridesOf(shape);
      const outShape = perm.map((p) => shape[p]);
      indexMap(x, out, outShape, perm.map((p) => st[p]), 0, outShape.map(() => 0), outShape);
    },
    slice: (x, shape, starts, out, outShape) => {
      const st = stridesOf(shape);
      const base = starts.reduce((s, v, i) => s + v * st[i], 0);
      indexMap(x, out, outShape, st, base, outShape.map(() => 0), [...outShape]);
    },
    sliceGrad: (dy, dyShape, starts, out, shape) =>
      indexMap(dy, out, shape, stridesOf(dyShape), 0, [...starts], [...dyShape]),
    gather: (x, shape, axis, indices, out) => {
      const outer = shape.slice(0, axis).reduce((p, q) => p * q, 1);
      const inner = shape.slice(axis + 1).reduce((p, q) => p * q, 1);
      const ib = u32Buffer(indices.length ? indices : [0]);
      run("gather", [[buf(x), false], [ib, false], [buf(out), true]], [
        outer * indices.length * inner,
        GATHER_MODE_IDS.gather,
        shape[axis],
        indices.length,
        inner,
      ], out.size);
      pool.release(ib);
    },
    scatterAdd: (dy, _dyShape, axis, indices, out, shape) => {
      const inner = shape.slice(axis + 1).reduce((p, q) => p * q, 1);
      const ib = u32Buffer(indices.length ? indices : [0]);
      run("gather", [[buf(dy), false], [ib, false], [buf(out), true]], [
        out.size,
        GATHER_MODE_IDS.scatter_add,
        shape[axis],
        indices.length,
        inner,
      ], out.size);
      pool.release(ib);
    },
  };
}
