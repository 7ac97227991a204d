/**
 * Softmax, LogSoftmax and Hardmax. Before opset 13 the input is coerced to 2-D at
 * `axis` (default 1) and the op runs over each row of the flattened trailing axes; from
 * opset 13 it runs along the single axis `axis` (default -1).
 *
 * @module
 */
import { sizeOf } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { hostOp } from "./op_call.ts";
import { result } from "./store.ts";

type Kind = "softmax" | "log" | "hard";

function softmaxOp(op: string, kind: Kind): HostOp {
  return hostOp(op, (c) => {
    const x = c.input(0, "input"), r = x.dims.length;
    const legacy = c.opset < 13;
    const axis = c.axis(c.int("axis", legacy ? 1 : -1), Math.max(r, 1));
    const outer = sizeOf(x.dims.slice(0, axis));
    const len = legacy ? sizeOf(x.dims.slice(axis)) : (x.dims[axis] ?? 1);
    const inner = legacy ? 1 : sizeOf(x.dims.slice(axis + 1));
    const src = x.data, out = new Float64Array(src.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let top = -Infinity, arg = 0;
        for (let k = 0; k < len; k++) {
          const v = src[base + k * inner];
          if (v > top) {
            top = v;
            arg = k;
          }
        }
        if (kind === "hard") {
          if (len > 0) out[base + arg * inner] = 1;
          continue;
        }
        let sum = 0;
        for (let k = 0; k < len; k++) sum += Math.exp(src[base + k * inner] - top);
        if (kind === "log") {
          const shift = top + Math.log(sum);
          for (let k = 0; k < len; k++) out[base + k * inner] = src[base + k * inner] - shift;
        } else {
          for (let k = 0; k < len; k++) {
            out[base + k * inner] = Math.exp(src[base + k * inner] - top) / sum;
          }
        }
      }
    }
    return [result(x.dtype, [...x.dims], out)];
  });
}

/** The softmax family by ONNX op type. */
export const SOFTMAX_OPS: Readonly<Record<string, HostOp>> = {
  Softmax: softmaxOp("Softmax", "softmax"),
  LogSoftmax: softmaxOp("LogSoftmax", "log"),
  Hardmax: softmaxOp("Hardmax", "hard"),
};
