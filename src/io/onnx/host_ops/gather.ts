/**
 * Index-driven reads: Gather (whole slices along `axis`) and GatherElements (one element
 * per index). Negative indices count from the end; out-of-range ones fail.
 *
 * @module
 */
import { allocHost, type HostTensor, sizeOf } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";
import { stridedOffsets, stridesOf } from "./strided.ts";

/** The indices as offsets in [0, len), checked once. */
function indexList(c: OpCall, ind: HostTensor, len: number): Float64Array {
  const out = new Float64Array(ind.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = ind.data[i];
    if (!Number.isInteger(v) || v < -len || v >= len) {
      c.fail(`index ${v} is out of range for an axis of size ${len}`);
    }
    out[i] = v < 0 ? v + len : v;
  }
  return out;
}

const gather = hostOp("Gather", (c: OpCall) => {
  const x = c.input(0, "data"), ind = c.input(1, "indices");
  const axis = c.axis(c.int("axis", 0), x.dims.length), len = x.dims[axis];
  const idx = indexList(c, ind, len);
  const outer = sizeOf(x.dims.slice(0, axis)), inner = sizeOf(x.dims.slice(axis + 1));
  const k = idx.length, out = allocHost(outer * k * inner, "Gather");
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const from = (o * len + idx[j]) * inner;
      out.set(x.data.subarray(from, from + inner), (o * k + j) * inner);
    }
  }
  const dims = [...x.dims.slice(0, axis), ...ind.dims, ...x.dims.slice(axis + 1)];
  return [{ dtype: x.dtype, dims, data: out }];
});

const gatherElements = hostOp("GatherElements", (c: OpCall) => {
  const x = c.input(0, "data"), ind = c.input(1, "indices"), r = x.dims.length;
  const axis = c.axis(c.int("axis", 0), r);
  if (ind.dims.length !== r || ind.dims.some((d, a) => a !== axis && d > x.dims[a])) {
    c.fail(`indices ${fmtDims(ind.dims)} do not fit data ${fmtDims(x.dims)}`);
  }
  const idx = indexList(c, ind, x.dims[axis]);
  const s = stridesOf(x.dims);
  const base = stridedOffsets(ind.dims, s.map((v, a) => (a === axis ? 0 : v)));
  const out = new Float64Array(idx.length);
  for (let i = 0; i < out.length; i++) out[i] = x.data[base[i] + idx[i] * s[axis]];
  return [{ dtype: x.dtype, dims: [...ind.dims], data: out }];
});

/** The gathering ops by ONNX op type. */
export const GATHER_OPS: Readonly<Record<string, HostOp>> = {
  Gather: gather,
  GatherElements: gatherElements,
};
