/**
 * Numpy broadcasting: the common shape of several operands, and an operand's data
 * expanded to a shape it broadcasts to.
 *
 * @module
 */
import type { HostTensor } from "../host_tensor.ts";
import { fmtDims, type OpCall } from "./op_call.ts";
import { stridedCopy, stridesOf } from "./strided.ts";

/** The broadcast shape of `shapes` (multidirectional); fails naming the shapes. */
export function broadcastDims(c: OpCall, shapes: readonly (readonly number[])[]): number[] {
  const r = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(r).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const a = r - s.length + i, d = s[i];
      if (d === out[a] || d === 1) continue;
      if (out[a] !== 1) {
        c.fail(`shapes ${shapes.map(fmtDims).join(" and ")} do not broadcast`);
      }
      out[a] = d;
    }
  }
  return out;
}

/** True when `from` broadcasts to exactly `to` (unidirectional broadcasting). */
export function broadcastsTo(from: readonly number[], to: readonly number[]): boolean {
  if (from.length > to.length) return false;
  const k = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[k + i]);
}

/**
 * The data of `t` expanded to `dims` (which `t.dims` must broadcast to); `t.data`
 * itself when the shapes are equal.
 */
export function expandTo(t: HostTensor, dims: readonly number[]): Float64Array {
  const k = dims.length - t.dims.length;
  if (k === 0 && t.dims.every((d, i) => d === dims[i])) return t.data;
  const s = stridesOf(t.dims);
  const strides = dims.map((_, a) => (a < k || t.dims[a - k] === 1 ? 0 : s[a - k]));
  return stridedCopy(t.data, dims, strides);
}
