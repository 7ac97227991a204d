/**
 * Ops that permute elements: Transpose (perm, default reversed axes), DepthToSpace
 * (DCR and CRD modes) and SpaceToDepth.
 *
 * @module
 */
import type { HostTensor } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";
import { result } from "./store.ts";
import { stridedCopy, stridesOf } from "./strided.ts";

/** `x` with its axes permuted: output axis a is input axis perm[a]. */
export function permute(x: HostTensor, perm: readonly number[]): HostTensor {
  const s = stridesOf(x.dims);
  const dims = perm.map((p) => x.dims[p]);
  return { dtype: x.dtype, dims, data: stridedCopy(x.data, dims, perm.map((p) => s[p])) };
}

function checkPerm(c: OpCall, perm: readonly number[], rank: number): void {
  const ok = perm.length === rank && new Set(perm).size === rank &&
    perm.every((p) => Number.isInteger(p) && p >= 0 && p < rank);
  if (!ok) c.fail(`perm [${perm}] is not a permutation of ${rank} axes`);
}

const transpose = hostOp("Transpose", (c: OpCall) => {
  const x = c.input(0, "data"), r = x.dims.length;
  const perm = c.ints("perm") ?? Array.from({ length: r }, (_, i) => r - 1 - i);
  checkPerm(c, perm, r);
  return [permute(x, perm)];
});

function blockOf(c: OpCall, x: HostTensor): number {
  if (x.dims.length !== 4) c.fail(`input ${fmtDims(x.dims)} must be 4-D`);
  const b = c.int("blocksize", 0);
  if (b < 1) c.fail(`blocksize ${b} must be ≥ 1`);
  return b;
}

const depthToSpace = hostOp("DepthToSpace", (c: OpCall) => {
  const x = c.input(0, "input"), b = blockOf(c, x);
  const [n, ch, h, w] = x.dims, mode = c.str("mode", "DCR");
  if (ch % (b * b) !== 0) c.fail(`channels ${ch} are not divisible by blocksize² ${b * b}`);
  if (mode !== "DCR" && mode !== "CRD") c.fail(`mode "${mode}" is not DCR or CRD`);
  const co = ch / (b * b);
  const split: HostTensor = mode === "CRD"
    ? { ...x, dims: [n, co, b, b, h, w] }
    : { ...x, dims: [n, b, b, co, h, w] };
  const t = permute(split, mode === "CRD" ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2]);
  return [result(x.dtype, [n, co, h * b, w * b], t.data)];
});

const spaceToDepth = hostOp("SpaceToDepth", (c: OpCall) => {
  const x = c.input(0, "input"), b = blockOf(c, x);
  const [n, ch, h, w] = x.dims;
  if (h % b !== 0 || w % b !== 0) c.fail(`spatial dims ${h}×${w} are not divisible by ${b}`);
  const t = permute({ ...x, dims: [n, ch, h / b, b, w / b, b] }, [0, 3, 5, 1, 2, 4]);
  return [result(x.dtype, [n, ch * b * b, h / b, w / b], t.data)];
});

/** The permuting ops by ONNX op type. */
export const LAYOUT_OPS: Readonly<Record<string, HostOp>> = {
  Transpose: transpose,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
};
