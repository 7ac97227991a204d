import type { ReduceKind } from "../backend.ts";
import type { TypedArray } from "../../tensor/dtype.ts";
import { type Shape, sizeOf, stridesOf } from "../../tensor/shape.ts";

/** Reduces `x` over `axes` into `out` (shape with those axes set to 1), float64 accumulation. */
export function reduceLoop(
  kind: ReduceKind,
  x: TypedArray,
  shape: Shape,
  axes: readonly number[],
  out: TypedArray,
): void {
  const rank = shape.length;
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const os = stridesOf(outShape).map((s, i) => (axes.includes(i) ? 0 : s));
  const acc = new Float64Array(sizeOf(outShape)).fill(kind === "sum" ? 0 : -Infinity);
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (kind === "sum") acc[o] += v;
    else if (v > acc[o] || v !== v) acc[o] = v;
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      o += os[ax];
      if (idx[ax] < shape[ax]) break;
      o -= os[ax] * idx[ax];
      idx[ax] = 0;
    }
  }
  for (let i = 0; i < acc.length; i++) out[i] = acc[i];
}

/** `[m, Σ exp(x − m)]` over one row, m its maximum (0 for an all −∞ row; NaN propagates). */
function shiftedExpSum(x: TypedArray, o: number, cols: number): [number, number] {
  let max = -Infinity;
  for (let c = 0; c < cols; c++) if (x[o + c] > max || x[o + c] !== x[o + c]) max = x[o + c];
  if (max === -Infinity) max = 0;
  let s = 0;
  for (let c = 0; c < cols; c++) s += Math.exp(x[o + c] - max);
  return [max, s];
}

/** Row-wise softmax or log-softmax over `[rows, cols]`. */
export function softmaxLoop(
  x: TypedArray,
  rows: number,
  cols: number,
  log: boolean,
  out: TypedArray,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const [max, s] = shiftedExpSum(x, o, cols);
    if (log) {
      const lse = Math.log(s);
      for (let c = 0; c < cols; c++) out[o + c] = x[o + c] - max - lse;
    } else {
      for (let c = 0; c < cols; c++) out[o + c] = Math.exp(x[o + c] - max) / s;
    }
  }
}

/** Per-row cross-entropy of `[rows, cols]` logits against integer labels. */
export function crossEntropyLoop(
  x: TypedArray,
  labels: Int32Array,
  rows: number,
  cols: number,
  out: TypedArray,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const [max, s] = shiftedExpSum(x, o, cols);
    out[r] = max + Math.log(s) - x[o + labels[r]];
  }
}

/** Row-wise layer normalization with float64 statistics. */
export function layerNormLoop(
  x: TypedArray,
  gamma: TypedArray,
  beta: TypedArray,
  rows: number,
  cols: number,
  eps: number,
  out: TypedArray,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = 0;
    for (let c = 0; c < cols; c++) m += x[o + c];
    m /= cols;
    let v = 0;
    for (let c = 0; c < cols; c++) v += (x[o + c] - m) * (x[o + c] - m);
    const rstd = 1 / Math.sqrt(v / cols + eps);
    for (let c = 0; c < cols; c++) out[o + c] = (x[o + c] - m) * rstd * gamma[c] + beta[c];
  }
}
