/**
 * Pad: modes constant, reflect, edge and wrap; pads (and value) as attributes before
 * opset 11, as inputs from 11, with the optional axes input of opset 18. Negative pads
 * crop.
 *
 * @module
 */
import { allocHost, sizeOf } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";
import { stridesOf } from "./strided.ts";

/** For each output coordinate of one axis, the input coordinate it reads (-1: the pad value). */
function axisMap(c: OpCall, mode: string, size: number, begin: number, out: number): Int32Array {
  const map = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const i = o - begin;
    if (i >= 0 && i < size) {
      map[o] = i;
      continue;
    }
    if (mode === "constant") {
      map[o] = -1;
      continue;
    }
    if (size === 0) c.fail(`mode ${mode} cannot pad an empty axis`);
    if (mode === "edge") map[o] = i < 0 ? 0 : size - 1;
    else if (mode === "wrap") map[o] = ((i % size) + size) % size;
    else if (size === 1) map[o] = 0;
    else {
      const p = 2 * (size - 1), m = ((i % p) + p) % p;
      map[o] = m >= size ? p - m : m;
    }
  }
  return map;
}

const pad = hostOp("Pad", (c: OpCall) => {
  const x = c.input(0, "data"), r = x.dims.length;
  const legacy = c.opset < 11;
  const mode = c.str("mode", "constant");
  if (!["constant", "reflect", "edge", "wrap"].includes(mode)) {
    c.fail(`mode "${mode}" is not supported`);
  }
  const pads = legacy ? c.ints("pads") ?? c.ints("paddings") : c.intsInput(1, "pads");
  if (!pads) c.fail("pads are missing");
  const value = legacy ? c.float("value", 0) : c.scalarInput(2, "constant_value") ?? 0;
  const given = c.opset >= 18 ? c.intsInput(3, "axes") : undefined;
  const axes = given ? given.map((a) => c.axis(a, r)) : Array.from({ length: r }, (_, i) => i);
  if (pads.length !== 2 * axes.length) c.fail(`pads [${pads}] must have ${2 * axes.length} values`);
  const begin = new Array<number>(r).fill(0), end = new Array<number>(r).fill(0);
  axes.forEach((a, i) => {
    begin[a] = pads[i];
    end[a] = pads[axes.length + i];
  });
  const dims = x.dims.map((d, a) => d + begin[a] + end[a]);
  if (dims.some((d) => d < 0)) c.fail(`pads [${pads}] crop ${fmtDims(x.dims)} below zero`);
  const maps = dims.map((d, a) => axisMap(c, mode, x.dims[a], begin[a], d));
  const s = stridesOf(x.dims), os = stridesOf(dims), src = x.data;
  const out = allocHost(sizeOf(dims), c.where).fill(value);
  if (r === 0) return [{ dtype: x.dtype, dims, data: Float64Array.from(src) }];
  const walk = (a: number, from: number, to: number): void => {
    const map = maps[a], sa = s[a];
    if (a === r - 1) {
      for (let j = 0; j < map.length; j++) if (map[j] >= 0) out[to + j] = src[from + map[j] * sa];
      return;
    }
    for (let j = 0; j < map.length; j++) {
      if (map[j] >= 0) walk(a + 1, from + map[j] * sa, to + j * os[a]);
    }
  };
  walk(0, 0, 0);
  return [{ dtype: x.dtype, dims, data: out }];
});

/** Pad by ONNX op type. */
export const PAD_OPS: Readonly<Record<string, HostOp>> = { Pad: pad };
