/**
 * Comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual: bool results), logic on
 * bools (Not, And, Or, Xor) and Where (select by a bool condition), all with numpy
 * broadcasting.
 *
 * @module
 */
import type { HostOp } from "./host_op.ts";
import { broadcastDims, expandTo } from "./broadcast.ts";
import { hostOp, type OpCall } from "./op_call.ts";
import { result } from "./store.ts";

/** A loop over equal-length operands writing 0/1 into `out`. */
type Test = (x: Float64Array, y: Float64Array, out: Float64Array) => void;

function compareOp(op: string, test: Test, bools = false): HostOp {
  return hostOp(op, (c) => {
    const a = c.input(0, "A"), b = c.input(1, "B");
    c.sameType([a, b], a.dtype);
    if (bools && a.dtype !== "bool") c.fail(`inputs must be bool, got ${a.dtype}`);
    const dims = broadcastDims(c, [a.dims, b.dims]);
    const x = expandTo(a, dims), y = expandTo(b, dims);
    const out = new Float64Array(x.length);
    test(x, y, out);
    return [{ dtype: "bool", dims, data: out }];
  });
}

const eq: Test = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] === y[i] ? 1 : 0;
};
const lt: Test = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] < y[i] ? 1 : 0;
};
const gt: Test = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] > y[i] ? 1 : 0;
};
const le: Test = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] <= y[i] ? 1 : 0;
};
const ge: Test = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] >= y[i] ? 1 : 0;
};
const and: Test = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] !== 0 && y[i] !== 0 ? 1 : 0;
};
const or: Test = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] !== 0 || y[i] !== 0 ? 1 : 0;
};
const xor: Test = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = (x[i] !== 0) !== (y[i] !== 0) ? 1 : 0;
};

const not = hostOp("Not", (c: OpCall) => {
  const x = c.input(0, "X");
  if (x.dtype !== "bool") c.fail(`input must be bool, got ${x.dtype}`);
  return [{ dtype: "bool", dims: [...x.dims], data: x.data.map((v) => (v !== 0 ? 0 : 1)) }];
});

const where = hostOp("Where", (c: OpCall) => {
  const cond = c.input(0, "condition"), x = c.input(1, "X"), y = c.input(2, "Y");
  if (cond.dtype !== "bool") c.fail(`condition must be bool, got ${cond.dtype}`);
  c.sameType([x, y], x.dtype);
  const dims = broadcastDims(c, [cond.dims, x.dims, y.dims]);
  const k = expandTo(cond, dims), xs = expandTo(x, dims), ys = expandTo(y, dims);
  const out = new Float64Array(k.length);
  for (let i = 0; i < out.length; i++) out[i] = k[i] !== 0 ? xs[i] : ys[i];
  return [result(x.dtype, dims, out)];
});

/** The comparison and logic ops by ONNX op type. */
export const COMPARE_OPS: Readonly<Record<string, HostOp>> = {
  Equal: compareOp("Equal", eq),
  Less: compareOp("Less", lt),
  Greater: compareOp("Greater", gt),
  LessOrEqual: compareOp("LessOrEqual", le),
  GreaterOrEqual: compareOp("GreaterOrEqual", ge),
  And: compareOp("And", and, true),
  Or: compareOp("Or", or, true),
  Xor: compareOp("Xor", xor, true),
  Not: not,
  Where: where,
};
