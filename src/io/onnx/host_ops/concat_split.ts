/**
 * Concat and Split along one axis. Split's sizes come from `split` (an attribute before
 * opset 13, an input from 13), else from `num_outputs` (opset 18; the last part may be
 * smaller), else equal parts, one per node output (`ctx.outputs`).
 *
 * @module
 */
import { type HostTensor, sizeOf } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";

const concat = hostOp("Concat", (c: OpCall) => {
  const ts = c.inputs.filter((t): t is HostTensor => t !== undefined);
  if (ts.length === 0) c.fail("needs at least one input");
  const first = ts[0], r = first.dims.length;
  c.sameType(ts, first.dtype);
  if (c.opset >= 4 && c.attr("axis") === undefined) c.fail("attribute axis is required");
  const axis = c.axis(c.int("axis", 1), r);
  for (const t of ts) {
    if (t.dims.length !== r || t.dims.some((d, a) => a !== axis && d !== first.dims[a])) {
      c.fail(`inputs ${ts.map((u) => fmtDims(u.dims)).join(", ")} differ off axis ${axis}`);
    }
  }
  const outer = sizeOf(first.dims.slice(0, axis)), inner = sizeOf(first.dims.slice(axis + 1));
  const blocks = ts.map((t) => t.dims[axis] * inner);
  const total = blocks.reduce((p, q) => p + q, 0);
  const out = new Float64Array(outer * total);
  let pos = 0;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < ts.length; i++) {
      const b = blocks[i];
      out.set(ts[i].data.subarray(o * b, o * b + b), pos);
      pos += b;
    }
  }
  const dims = first.dims.map((d, a) => (a === axis ? ts.reduce((s, t) => s + t.dims[a], 0) : d));
  return [{ dtype: first.dtype, dims, data: out }];
});

const split = hostOp("Split", (c: OpCall) => {
  const x = c.input(0, "input"), r = x.dims.length;
  const axis = c.axis(c.int("axis", 0), r), len = x.dims[axis];
  let sizes = c.opset < 13 ? c.ints("split") : c.intsInput(1, "split");
  if (sizes && sizes.length === 0) sizes = undefined;
  if (!sizes) {
    const wanted = c.opset >= 18 ? c.int("num_outputs", 0) : 0;
    const parts = wanted || (c.ctx.outputs ?? 0);
    if (parts < 1) c.fail("without split sizes it needs num_outputs or the node's output count");
    const chunk = wanted ? Math.ceil(len / parts) : len / parts;
    if (!Number.isInteger(chunk)) {
      c.fail(`axis ${axis} of ${fmtDims(x.dims)} does not split into ${parts}`);
    }
    sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, len - i * chunk)));
  }
  if (sizes.some((s) => s < 0) || sizes.reduce((p, q) => p + q, 0) !== len) {
    c.fail(`split [${sizes}] does not sum to axis ${axis} of ${fmtDims(x.dims)}`);
  }
  const outer = sizeOf(x.dims.slice(0, axis)), inner = sizeOf(x.dims.slice(axis + 1));
  let start = 0;
  return sizes.map((s) => {
    const out = new Float64Array(outer * s * inner), b = s * inner;
    for (let o = 0; o < outer; o++) {
      const from = (o * len + start) * inner;
      out.set(x.data.subarray(from, from + b), o * b);
    }
    start += s;
    return { dtype: x.dtype, dims: x.dims.map((d, a) => (a === axis ? s : d)), data: out };
  });
});

/** Concat and Split by ONNX op type. */
export const CONCAT_SPLIT_OPS: Readonly<Record<string, HostOp>> = { Concat: concat, Split: split };
