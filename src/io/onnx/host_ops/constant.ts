/**
 * Ops that make tensors: Constant (value, value_float(s), value_int(s)),
 * ConstantOfShape (a one-element value, default float32 0), Range and EyeLike.
 *
 * @module
 */
import {
  allocHost,
  checkDims,
  ELEM_TYPES,
  type HostTensor,
  MAX_ELEMENTS,
  sizeOf,
} from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";
import { result } from "./store.ts";

const constant = hostOp("Constant", (c: OpCall) => {
  const t = c.tensor("value");
  if (t) return [{ dtype: t.dtype, dims: [...t.dims], data: t.data }];
  const f = c.attr("value_float"), fs = c.floats("value_floats");
  const i = c.attr("value_int"), is = c.ints("value_ints");
  if (f !== undefined) return [result("float32", [], Float64Array.of(c.float("value_float", 0)))];
  if (fs) return [result("float32", [fs.length], Float64Array.from(fs))];
  if (i !== undefined) {
    return [{ dtype: "int64", dims: [], data: Float64Array.of(c.int("value_int", 0)) }];
  }
  if (is) return [{ dtype: "int64", dims: [is.length], data: Float64Array.from(is) }];
  const names = Object.keys(c.attrs);
  c.fail(
    `needs value, value_float(s) or value_int(s); got ${names.length ? names.join(", ") : "none"}`,
  );
});

const constantOfShape = hostOp("ConstantOfShape", (c: OpCall) => {
  const dims = c.intsInput(0, "input");
  if (!dims) c.fail("input shape is missing");
  try {
    checkDims(dims, "shape");
  } catch {
    c.fail(`shape [${dims}] is not a valid shape`);
  }
  const v: HostTensor = c.tensor("value") ??
    { dtype: "float32", dims: [1], data: Float64Array.of(0) };
  if (v.data.length !== 1) c.fail(`value ${fmtDims(v.dims)} must hold one element`);
  return [{ dtype: v.dtype, dims, data: allocHost(sizeOf(dims), c.where).fill(v.data[0]) }];
});

const range = hostOp("Range", (c: OpCall) => {
  const start = c.input(0, "start");
  const s = c.scalarInput(0, "start")!, limit = c.scalarInput(1, "limit");
  const delta = c.scalarInput(2, "delta");
  if (limit === undefined || delta === undefined) c.fail("limit and delta are required");
  if (delta === 0) c.fail("delta is 0");
  const n = Math.max(Math.ceil((limit - s) / delta), 0);
  if (!(n <= MAX_ELEMENTS)) c.fail(`range(${s}, ${limit}, ${delta}) has too many elements`);
  const out = allocHost(n, c.where);
  for (let i = 0; i < n; i++) out[i] = s + i * delta;
  return [result(start.dtype, [n], out)];
});

const eyeLike = hostOp("EyeLike", (c: OpCall) => {
  const x = c.input(0, "input");
  if (x.dims.length !== 2) c.fail(`input ${fmtDims(x.dims)} must be 2-D`);
  const code = c.attr("dtype");
  const dtype = code === undefined ? x.dtype : ELEM_TYPES[c.int("dtype", 1)];
  if (!dtype) c.fail(`dtype ${code} is not a supported element type`);
  const [rows, cols] = x.dims, k = c.int("k", 0), out = allocHost(rows * cols, c.where);
  for (let i = 0; i < rows; i++) if (i + k >= 0 && i + k < cols) out[i * cols + i + k] = 1;
  return [{ dtype, dims: [rows, cols], data: out }];
});

/** The tensor-making ops by ONNX op type. */
export const CONSTANT_OPS: Readonly<Record<string, HostOp>> = {
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  EyeLike: eyeLike,
};
