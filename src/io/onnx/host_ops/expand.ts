/**
 * Ops that repeat a tensor: Expand (numpy broadcast with a target shape) and Tile
 * (repeats per axis).
 *
 * @module
 */
import { allocHost, sizeOf } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { broadcastDims, expandTo } from "./broadcast.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";

const expand = hostOp("Expand", (c: OpCall) => {
  const x = c.input(0, "input"), shape = c.intsInput(1, "shape");
  if (!shape) c.fail("input shape is missing");
  if (shape.some((d) => d < 0)) c.fail(`shape [${shape}] has a negative dim`);
  const dims = broadcastDims(c, [x.dims, shape]);
  return [{ dtype: x.dtype, dims, data: expandTo(x, dims) }];
});

const tile = hostOp("Tile", (c: OpCall) => {
  const x = c.input(0, "input"), reps = c.intsInput(1, "repeats");
  if (!reps || reps.length !== x.dims.length || reps.some((v) => v < 0)) {
    c.fail(`repeats [${reps}] must be ${x.dims.length} values ≥ 0 for input ${fmtDims(x.dims)}`);
  }
  let data = x.data;
  const dims = [...x.dims];
  for (let a = dims.length - 1; a >= 0; a--) {
    const rep = reps[a];
    if (rep === 1) continue;
    const outer = sizeOf(dims.slice(0, a)), block = sizeOf(dims.slice(a));
    const out = allocHost(outer * rep * block, c.where);
    for (let o = 0; o < outer; o++) {
      const src = data.subarray(o * block, (o + 1) * block);
      for (let k = 0; k < rep; k++) out.set(src, (o * rep + k) * block);
    }
    data = out;
    dims[a] *= rep;
  }
  return [{ dtype: x.dtype, dims, data: data === x.data ? Float64Array.from(data) : data }];
});

/** The repeating ops by ONNX op type. */
export const EXPAND_OPS: Readonly<Record<string, HostOp>> = { Expand: expand, Tile: tile };
