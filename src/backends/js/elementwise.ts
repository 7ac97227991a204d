import type { BinaryKind, UnaryKind } from "../backend.ts";
import type { TypedArray } from "../../tensor/dtype.ts";
import { broadcastStrides, type Shape, sizeOf } from "../../tensor/shape.ts";

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/** Logistic `1/(1 + e⁻ˣ)` without overflow. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** The scalar function behind each unary kernel (GELU is the tanh approximation). */
export const UNARY_FNS: Record<UnaryKind, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  relu: (x) => (x > 0 ? x : x === x ? 0 : x),
  step: (x) => (x > 0 ? 1 : x === x ? 0 : x),
  gelu: (x) => 0.5 * x * (1 + Math.tanh(GELU_C * (x + GELU_A * x * x * x))),
  gelu_grad: (x) => {
    const t = Math.tanh(GELU_C * (x + GELU_A * x * x * x));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * x * x);
  },
  tanh: Math.tanh,
  sigmoid,
  silu: (x) => x * sigmoid(x),
  silu_grad: (x) => {
    const s = sigmoid(x);
    return s * (1 + x * (1 - s));
  },
  hardswish: (x) => (x < -3 ? 0 : x > 3 ? x : x * (x + 3) / 6),
  hardswish_grad: (x) => (x < -3 ? 0 : x > 3 ? 1 : x / 3 + 0.5),
};

/** `out[i] = f(x[i])`. */
export function unaryLoop(kind: UnaryKind, x: TypedArray, out: TypedArray): void {
  const f = UNARY_FNS[kind];
  if (kind === "relu") {
    for (let i = 0; i < x.length; i++) out[i] = x[i] > 0 ? x[i] : x[i] === x[i] ? 0 : x[i];
    return;
  }
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
}

const BINARY_FNS: Record<BinaryKind, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
};

/** Broadcasting binary loop with fast paths for equal shapes and a trailing row operand. */
export function binaryLoop(
  kind: BinaryKind,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  out: TypedArray,
  outShape: Shape,
): void {
  const f = BINARY_FNS[kind];
  const n = sizeOf(outShape);
  if (a.length === n && b.length === n) {
    if (kind === "add") { for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; }
    else if (kind === "mul") { for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; }
    else for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return;
  }
  if (a.length === n && isTrailing(bShape, outShape)) {
    const m = b.length;
    for (let i = 0; i < n; i += m) {
      for (let j = 0; j < m; j++) out[i + j] = f(a[i + j], b[j]);
    }
    return;
  }
  const rank = outShape.length;
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const idx = new Array<number>(rank).fill(0);
  let ia = 0, ib = 0;
  for (let i = 0; i < n; i++) {
    out[i] = f(a[ia], b[ib]);
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      ia += sa[ax];
      ib += sb[ax];
      if (idx[ax] < outShape[ax]) break;
      ia -= sa[ax] * idx[ax];
      ib -= sb[ax] * idx[ax];
      idx[ax] = 0;
    }
  }
}

/** True when `b` (with leading 1s dropped) equals the trailing axes of `out`. */
export function isTrailing(b: Shape, out: Shape): boolean {
  let start = 0;
  while (start < b.length && b[start] === 1 && b.length - start > 0) start++;
  const core = b.slice(start);
  if (core.length > out.length) return false;
  const off = out.length - core.length;
  return core.every((d, i) => d === out[off + i]);
}
