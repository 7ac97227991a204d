/**
 * Reductions and row-wise kernels of the Wasm backend: sum/max over axes (the Wasm kernel
 * over one contiguous run of axes, in two passes otherwise), softmax, log-softmax,
 * cross-entropy and layer normalization.
 *
 * @module
 */
import type { Backend } from "../backend.ts";
import { REDUCE_IDS } from "../_gen/kernel_ids.ts";
import { sizeOf } from "../../tensor/shape.ts";
import { reduceLoop } from "../js/reduce.ts";
import type { WasmContext } from "./context.ts";

/** The reduction and normalization part of the backend. */
export function reduceKernels(
  ctx: WasmContext,
): Pick<Backend, "reduce" | "softmax" | "layerNorm" | "crossEntropy"> {
  const { k, ws, view, scratch, withInts } = ctx;
  const reduce: Backend["reduce"] = (kind, x, shape, axes, out) => {
    const sorted = [...axes].sort((p, q) => p - q);
    const contiguous = sorted.every((ax, i) => i === 0 || ax === sorted[i - 1] + 1);
    if (sorted.length === 0) return reduceLoop(kind, view(x), shape, axes, view(out));
    if (!contiguous) {
      // Reduce the last contiguous run of axes into a temporary, then the rest from it.
      let first = sorted.length - 1;
      while (first > 0 && sorted[first - 1] === sorted[first] - 1) first--;
      const tail = sorted.slice(first), mid = shape.map((d, i) => (tail.includes(i) ? 1 : d));
      const tmp = ctx.alloc("float32", sizeOf(mid));
      reduce(kind, x, shape, tail, tmp);
      reduce(kind, tmp, mid, sorted.slice(0, first), out);
      ctx.free(tmp);
      return;
    }
    const outer = sizeOf(shape.slice(0, sorted[0]));
    const mid = sizeOf(shape.slice(sorted[0], sorted.at(-1)! + 1));
    const inner = sizeOf(shape.slice(sorted.at(-1)! + 1));
    scratch(inner * 8 + 8, (acc) => {
      k.f32_reduce_mid(
        REDUCE_IDS[kind],
        ws(x).ptr,
        ws(out).ptr,
        outer,
        mid,
        inner,
        Math.ceil(acc / 8) * 8,
      );
    });
  };
  return {
    reduce,
    softmax: (x, rows, cols, log, out) =>
      k.f32_softmax_rows(ws(x).ptr, ws(out).ptr, rows, cols, log ? 1 : 0),
    layerNorm: (x, g, b, rows, cols, eps, out) =>
      k.f32_layer_norm_rows(ws(x).ptr, ws(g).ptr, ws(b).ptr, ws(out).ptr, rows, cols, eps),
    crossEntropy: (x, labels, rows, cols, out) =>
      withInts(labels, (lp) => k.f32_cross_entropy_rows(ws(x).ptr, lp, ws(out).ptr, rows, cols)),
  };
}
