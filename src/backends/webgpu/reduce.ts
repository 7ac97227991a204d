/**
 * Reductions and row-wise kernels of the WebGPU backend: sum/max over axes, softmax,
 * log-softmax, cross-entropy (one shader, three modes) and layer normalization.
 *
 * @module
 */
import type { Backend, ClnParams } from "../backend.ts";
import { REDUCE_IDS, SOFTMAX_MODE_IDS } from "../_gen/kernel_ids.ts";
import { f32bits, type GpuContext, MAX_RANK, pad6, stridesOf } from "./context.ts";

/** The reduction and normalization part of the backend. */
export function reduceKernels(
  ctx: GpuContext,
): Pick<
  Required<Backend>,
  | "reduce"
  | "softmax"
  | "crossEntropy"
  | "layerNorm"
  | "compensatedLayerNorm"
  | "compensatedLayerNormGrad"
> {
  const { run, buf, dummy, u32Buffer, pool } = ctx;
  return {
    reduce: (kind, x, shape, axes, out) => {
      if (shape.length > MAX_RANK) {
        throw new RangeError(`webgpu: reductions support rank ≤ ${MAX_RANK}`);
      }
      const sorted = [...axes].sort((p, q) => p - q);
      const st = stridesOf(shape);
      const outShape = shape.map((d, i) => (sorted.includes(i) ? 1 : d));
      const count = sorted.reduce((p, ax) => p * shape[ax], 1);
      const redDims = [
        ...new Array(MAX_RANK - sorted.length).fill(1),
        ...sorted.map((ax) => shape[ax]),
      ];
      const redStrides = [
        ...new Array(MAX_RANK - sorted.length).fill(0),
        ...sorted.map((ax) => st[ax]),
      ];
      run("reduce", [[buf(x), false], [buf(out), true]], [
        out.size,
        REDUCE_IDS[kind],
        shape.length,
        count,
        ...pad6(outShape, 1),
        ...pad6(st, 0),
        ...redDims,
        ...redStrides,
      ], out.size);
    },
    softmax: (x, rows, cols, log, out) =>
      run("softmax", [[buf(x), false], [dummy, false], [buf(out), true]], [
        rows,
        cols,
        log ? SOFTMAX_MODE_IDS.log_softmax : SOFTMAX_MODE_IDS.softmax,
      ], rows),
    crossEntropy: (x, labels, rows, cols, out) => {
      const lb = u32Buffer(labels);
      run("softmax", [[buf(x), false], [lb, false], [buf(out), true]], [
        rows,
        cols,
        SOFTMAX_MODE_IDS.cross_entropy,
      ], rows);
      pool.release(lb);
    },
    layerNorm: (x, g, b, rows, cols, eps, out) =>
      run(
        "layer_norm",
        [[buf(x), false], [buf(g), false], [buf(b), false], [buf(out), true]],
        [rows, cols, f32bits(eps)],
        rows,
      ),
    compensatedLayerNorm: (x, g, b, out, p) =>
      run(
        "cln",
        [[buf(x), false], [buf(g), false], [buf(b), false], [buf(out), true]],
        clnWords(p),
        p.n * p.p,
      ),
    compensatedLayerNormGrad: (x, g, dy, dx, h, p) =>
      run(
        "cln_grad",
        [[buf(x), false], [buf(g), false], [buf(dy), false], [buf(dx), true], [buf(h), true]],
        clnWords(p),
        p.n * p.p,
      ),
  };
}

/** The parameter words of the CompensatedLayerNorm shaders. */
function clnWords(p: ClnParams): number[] {
  return [p.n * p.p, p.c, p.p, f32bits(p.width), f32bits(p.kbar), f32bits(p.m2), f32bits(p.eps)];
}
