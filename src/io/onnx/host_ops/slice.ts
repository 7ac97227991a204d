/**
 * Slice: starts, ends and axes as attributes before opset 10; starts, ends and the
 * optional axes and steps as inputs from 10. Negative starts and ends count from the
 * end, out-of-range ones clamp (so INT64_MAX means "to the end"), steps may be negative.
 *
 * @module
 */
import type { HostOp } from "./host_op.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";
import { stridedCopy, stridesOf } from "./strided.ts";

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

const slice = hostOp("Slice", (c: OpCall) => {
  const x = c.input(0, "data"), r = x.dims.length;
  const legacy = c.opset < 10;
  const starts = legacy ? c.ints("starts") : c.intsInput(1, "starts");
  const ends = legacy ? c.ints("ends") : c.intsInput(2, "ends");
  if (!starts || !ends) c.fail("starts and ends are required");
  const axes = (legacy ? c.ints("axes") : c.intsInput(3, "axes")) ??
    starts.map((_, i) => i);
  const steps = (legacy ? undefined : c.intsInput(4, "steps")) ?? starts.map(() => 1);
  if (
    ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length
  ) {
    c.fail(
      `starts [${starts}], ends [${ends}], axes [${axes}] and steps [${steps}] differ in length`,
    );
  }
  c.axes(axes, r);
  const s = stridesOf(x.dims), dims = [...x.dims], strides = [...s];
  let offset = 0;
  axes.forEach((axis, i) => {
    const ax = c.axis(axis, r);
    const d = x.dims[ax], st = steps[i];
    if (st === 0) c.fail(`step 0 on axis ${ax}`);
    let b = starts[i] < 0 ? starts[i] + d : starts[i];
    let e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (st > 0) {
      b = clamp(b, 0, d);
      e = clamp(e, 0, d);
    } else {
      b = clamp(b, 0, d - 1);
      e = clamp(e, -1, d - 1);
    }
    const n = st > 0 ? Math.ceil((e - b) / st) : Math.ceil((b - e) / -st);
    dims[ax] = Math.max(0, n);
    if (dims[ax] > 0) offset += b * s[ax];
    strides[ax] = s[ax] * st;
  });
  if (dims.some((d) => !Number.isSafeInteger(d))) c.fail(`bad slice dims ${fmtDims(dims)}`);
  return [{ dtype: x.dtype, dims, data: stridedCopy(x.data, dims, strides, offset) }];
});

/** Slice by ONNX op type. */
export const SLICE_OPS: Readonly<Record<string, HostOp>> = { Slice: slice };
