/**
 * Reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1,
 * ReduceL2, ReduceSumSquare, ReduceLogSum, ReduceLogSumExp, with keepdims and
 * noop_with_empty_axes. `axes` is an attribute before opset 18 (before 13 for
 * ReduceSum) and an optional input from then on; no axes reduces every axis.
 *
 * @module
 */
import type { HostTensor } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { hostOp, type OpCall } from "./op_call.ts";
import { result } from "./store.ts";
import { stridedOffsets, stridesOf } from "./strided.ts";

/** How a reduction starts, folds each element and finishes (`n` elements per output). */
interface Reducer {
  init: number;
  fold: (acc: Float64Array, xs: Float64Array, at: Int32Array) => void;
  finish?: (acc: Float64Array, n: number) => void;
}

function sumOf(f?: (v: number) => number): Reducer["fold"] {
  if (!f) {
    return (acc, xs, at) => {
      for (let i = 0; i < xs.length; i++) acc[at[i]] += xs[i];
    };
  }
  return (acc, xs, at) => {
    for (let i = 0; i < xs.length; i++) acc[at[i]] += f(xs[i]);
  };
}

const map = (f: (v: number) => number) => (acc: Float64Array) => {
  for (let i = 0; i < acc.length; i++) acc[i] = f(acc[i]);
};

const REDUCERS: Readonly<Record<string, Reducer>> = {
  ReduceSum: { init: 0, fold: sumOf() },
  ReduceMean: {
    init: 0,
    fold: sumOf(),
    finish: (acc, n) => {
      for (let i = 0; i < acc.length; i++) acc[i] /= n;
    },
  },
  ReduceMax: {
    init: -Infinity,
    fold: (acc, xs, at) => {
      for (let i = 0; i < xs.length; i++) if (!(xs[i] <= acc[at[i]])) acc[at[i]] = xs[i];
    },
  },
  ReduceMin: {
    init: Infinity,
    fold: (acc, xs, at) => {
      for (let i = 0; i < xs.length; i++) if (!(xs[i] >= acc[at[i]])) acc[at[i]] = xs[i];
    },
  },
  ReduceProd: {
    init: 1,
    fold: (acc, xs, at) => {
      for (let i = 0; i < xs.length; i++) acc[at[i]] *= xs[i];
    },
  },
  ReduceL1: { init: 0, fold: sumOf(Math.abs) },
  ReduceL2: { init: 0, fold: sumOf((v) => v * v), finish: map(Math.sqrt) },
  ReduceSumSquare: { init: 0, fold: sumOf((v) => v * v) },
  ReduceLogSum: { init: 0, fold: sumOf(), finish: map(Math.log) },
};

/** The axes to reduce (sorted, in [0, rank)), or null for "return the input unchanged". */
function axesOf(c: OpCall, rank: number): number[] | null {
  const fromInput = c.opset >= 18 || (c.op === "ReduceSum" && c.opset >= 13);
  const axes = fromInput ? c.intsInput(1, "axes") : c.ints("axes");
  if (!axes || axes.length === 0) {
    if (c.int("noop_with_empty_axes", 0) !== 0) return null;
    return Array.from({ length: rank }, (_, i) => i);
  }
  return c.axes(axes, rank);
}

/** Where each element of `x` lands when `axes` are reduced: kept dims, output offsets, count. */
function layoutOf(x: HostTensor, axes: readonly number[]) {
  const kept = x.dims.map((d, a) => (axes.includes(a) ? 1 : d));
  const strides = stridesOf(kept).map((s, a) => (axes.includes(a) ? 0 : s));
  const n = axes.reduce((p, a) => p * x.dims[a], 1);
  return { kept, at: stridedOffsets(x.dims, strides), size: kept.reduce((p, q) => p * q, 1), n };
}

function reduceOp(op: string): HostOp {
  return hostOp(op, (c) => {
    const x = c.input(0, "data");
    const axes = axesOf(c, x.dims.length);
    if (axes === null) return [{ ...x, dims: [...x.dims] }];
    const { kept, at, size, n } = layoutOf(x, axes);
    const dims = c.int("keepdims", 1) !== 0 ? kept : x.dims.filter((_, a) => !axes.includes(a));
    const r = REDUCERS[op === "ReduceLogSumExp" ? "ReduceMax" : op];
    const acc = new Float64Array(size).fill(r.init);
    r.fold(acc, x.data, at);
    r.finish?.(acc, n);
    if (op !== "ReduceLogSumExp") return [result(x.dtype, dims, acc)];
    const top = acc.map((m) => (Number.isFinite(m) ? m : 0)), sum = new Float64Array(size);
    for (let i = 0; i < x.data.length; i++) sum[at[i]] += Math.exp(x.data[i] - top[at[i]]);
    for (let i = 0; i < size; i++) sum[i] = Math.log(sum[i]) + top[i];
    return [result(x.dtype, dims, sum)];
  });
}

/** The reduction ops by ONNX op type. */
export const REDUCE_OPS: Readonly<Record<string, HostOp>> = Object.fromEntries(
  [...Object.keys(REDUCERS), "ReduceLogSumExp"].map((op) => [op, reduceOp(op)]),
);
