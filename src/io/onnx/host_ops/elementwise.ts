/**
 * Binary and variadic arithmetic with numpy broadcasting: Add, Sub, Mul, Div, Pow, Mod,
 * Max, Min, Sum, Mean. Results keep the first input's element type; integer types
 * truncate (so integer Div truncates toward zero) and wrap as they store.
 *
 * Opsets below 7 broadcast only with `broadcast=1`, aligning B at `axis` of A.
 *
 * @module
 */
import type { HostTensor } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { broadcastDims, expandTo } from "./broadcast.ts";
import { hostOp, type OpCall } from "./op_call.ts";
import { isFloat, result } from "./store.ts";

/** A loop over equal-length operands writing `out`. */
type Kernel = (x: Float64Array, y: Float64Array, out: Float64Array) => void;

/** B's dims as the legacy (`broadcast=1`, `axis`) rule of opsets < 7 aligns them with A. */
function legacyAlign(c: OpCall, a: HostTensor, b: HostTensor): HostTensor {
  if (c.opset >= 7 || c.int("broadcast", 0) !== 1) return b;
  const axis = c.int("axis", a.dims.length - b.dims.length);
  const tail = a.dims.length - axis - b.dims.length;
  if (axis < 0 || tail < 0) c.fail(`legacy broadcast axis ${axis} does not fit B in A`);
  return { ...b, dims: [...b.dims, ...new Array<number>(tail).fill(1)] };
}

/** A binary op: broadcast, run `kernel(c)`, round as A's type. */
export function binaryOp(
  op: string,
  kernel: (c: OpCall, dtype: string) => Kernel,
  sameType = true,
): HostOp {
  return hostOp(op, (c) => {
    const a = c.input(0, "A");
    const b = legacyAlign(c, a, c.input(1, "B"));
    if (sameType) c.sameType([a, b], a.dtype);
    const dims = broadcastDims(c, [a.dims, b.dims]);
    const x = expandTo(a, dims), y = expandTo(b, dims);
    const out = new Float64Array(x.length);
    kernel(c, a.dtype)(x, y, out);
    return [result(a.dtype, dims, out)];
  });
}

/** A variadic op folding its inputs with `kernel` (then `finish` on the sum of n). */
function variadicOp(op: string, kernel: Kernel, finish?: (out: Float64Array, n: number) => void) {
  return hostOp(op, (c) => {
    const ts = c.inputs.filter((t): t is HostTensor => t !== undefined);
    if (ts.length === 0) c.fail("needs at least one input");
    c.sameType(ts, ts[0].dtype);
    const dims = broadcastDims(c, ts.map((t) => t.dims));
    const out = Float64Array.from(expandTo(ts[0], dims));
    for (const t of ts.slice(1)) kernel(out, expandTo(t, dims), out);
    finish?.(out, ts.length);
    return [result(ts[0].dtype, dims, out)];
  });
}

const add: Kernel = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] + y[i];
};
const sub: Kernel = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] - y[i];
};
const mul: Kernel = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] * y[i];
};
const div: Kernel = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] / y[i];
};
const pow: Kernel = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = Math.pow(x[i], y[i]);
};
const max: Kernel = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] >= y[i] || x[i] !== x[i] ? x[i] : y[i];
};
const min: Kernel = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] <= y[i] || x[i] !== x[i] ? x[i] : y[i];
};
/** C fmod: the sign of the dividend. */
const fmod: Kernel = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] % y[i];
};
/** Python mod: the sign of the divisor. */
const pymod: Kernel = (x, y, o) => {
  for (let i = 0; i < o.length; i++) {
    const r = x[i] % y[i];
    o[i] = r !== 0 && (r < 0) !== (y[i] < 0) ? r + y[i] : r;
  }
};

/** The arithmetic ops by ONNX op type. */
export const ELEMENTWISE_OPS: Readonly<Record<string, HostOp>> = {
  Add: binaryOp("Add", () => add),
  Sub: binaryOp("Sub", () => sub),
  Mul: binaryOp("Mul", () => mul),
  Div: binaryOp("Div", () => div),
  Pow: binaryOp("Pow", () => pow, false),
  Mod: binaryOp("Mod", (c, dtype) => {
    const f = c.int("fmod", 0);
    if (f === 0 && isFloat(dtype)) c.fail(`fmod=0 is not defined for ${dtype} inputs`);
    return f === 1 ? fmod : pymod;
  }),
  Max: variadicOp("Max", max),
  Min: variadicOp("Min", min),
  Sum: variadicOp("Sum", add),
  Mean: variadicOp("Mean", add, (out, n) => {
    for (let i = 0; i < out.length; i++) out[i] /= n;
  }),
};
