/**
 * Index-valued selections along one axis: ArgMax and ArgMin (keepdims,
 * select_last_index; int64 results) and TopK (k as an attribute before opset 10, an
 * input from 10; largest, sorted; values and int64 indices, ties to the lower index).
 *
 * @module
 */
import { sizeOf } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { hostOp, type OpCall } from "./op_call.ts";
import { result } from "./store.ts";

function argOp(op: string, max: boolean): HostOp {
  return hostOp(op, (c) => {
    const x = c.input(0, "data"), r = x.dims.length;
    const axis = c.axis(c.int("axis", 0), r);
    const keep = c.int("keepdims", 1) !== 0, last = c.int("select_last_index", 0) !== 0;
    const len = x.dims[axis];
    if (len === 0) c.fail(`axis ${axis} of [${x.dims}] is empty`);
    const outer = sizeOf(x.dims.slice(0, axis)), inner = sizeOf(x.dims.slice(axis + 1));
    const src = x.data, out = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let best = src[base], arg = 0;
        for (let k = 1; k < len; k++) {
          const v = src[base + k * inner];
          const better = max ? v > best || (last && v === best) : v < best || (last && v === best);
          if (better) {
            best = v;
            arg = k;
          }
        }
        out[o * inner + i] = arg;
      }
    }
    const dims = keep
      ? x.dims.map((d, a) => (a === axis ? 1 : d))
      : x.dims.filter((_, a) => a !== axis);
    return [{ dtype: "int64", dims, data: out }];
  });
}

const topK = hostOp("TopK", (c: OpCall) => {
  const x = c.input(0, "X"), r = x.dims.length;
  const axis = c.axis(c.int("axis", -1), r);
  const k = c.opset < 10 ? c.int("k", -1) : c.scalarInput(1, "K") ?? c.fail("input K is missing");
  const len = x.dims[axis];
  if (!Number.isInteger(k) || k < 0 || k > len) c.fail(`k ${k} is not in [0, ${len}]`);
  const largest = c.int("largest", 1) !== 0;
  const outer = sizeOf(x.dims.slice(0, axis)), inner = sizeOf(x.dims.slice(axis + 1));
  const src = x.data;
  const values = new Float64Array(outer * k * inner), indices = new Float64Array(values.length);
  const order = new Array<number>(len), row = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      for (let j = 0; j < len; j++) {
        order[j] = j;
        row[j] = src[(o * len + j) * inner + i];
      }
      order.sort((p, q) => (largest ? row[q] - row[p] : row[p] - row[q]) || p - q);
      for (let j = 0; j < k; j++) {
        const at = (o * k + j) * inner + i;
        values[at] = row[order[j]];
        indices[at] = order[j];
      }
    }
  }
  const dims = x.dims.map((d, a) => (a === axis ? k : d));
  return [result(x.dtype, dims, values), { dtype: "int64", dims: [...dims], data: indices }];
});

/** The index-selection ops by ONNX op type. */
export const ARG_OPS: Readonly<Record<string, HostOp>> = {
  ArgMax: argOp("ArgMax", true),
  ArgMin: argOp("ArgMin", false),
  TopK: topK,
};
