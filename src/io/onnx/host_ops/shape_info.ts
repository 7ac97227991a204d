/**
 * Ops that read a tensor's dims: Shape (int64, with the start and end of opset 15,
 * clamped) and Size (an int64 scalar).
 *
 * @module
 */
import type { HostOp } from "./host_op.ts";
import { hostOp, type OpCall } from "./op_call.ts";

const shape = hostOp("Shape", (c: OpCall) => {
  const x = c.input(0, "data"), r = x.dims.length;
  const at = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const dims = x.dims.slice(at(c.int("start", 0)), at(c.int("end", r)));
  return [{ dtype: "int64", dims: [dims.length], data: Float64Array.from(dims) }];
});

const size = hostOp("Size", (c: OpCall) => {
  const x = c.input(0, "data");
  return [{ dtype: "int64", dims: [], data: Float64Array.of(x.data.length) }];
});

/** Shape and Size by ONNX op type. */
export const SHAPE_INFO_OPS: Readonly<Record<string, HostOp>> = { Shape: shape, Size: size };
