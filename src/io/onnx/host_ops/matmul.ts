/**
 * Matrix products: MatMul (numpy semantics: batched, batch axes broadcast, 1-D operands
 * promoted and their axis removed again) and Gemm (`alpha·A'·B' + beta·C` with transA,
 * transB and an optional C broadcast to [M, N]). Products accumulate in float64.
 *
 * @module
 */
import { allocHost, sizeOf } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { broadcastDims, broadcastsTo, expandTo } from "./broadcast.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";
import { result } from "./store.ts";
import { stridedCopy, stridedOffsets, stridesOf } from "./strided.ts";

/**
 * `out[oOff + i·N + j] += Σ_k a[aOff + i·K + k] · b[bOff + k·N + j]` for an M×K by K×N
 * product of row-major blocks.
 */
export function matmulInto(
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  out: Float64Array,
  oOff: number,
  m: number,
  k: number,
  n: number,
): void {
  if (n === 1) {
    for (let i = 0; i < m; i++) {
      let s = 0;
      const ai = aOff + i * k;
      for (let p = 0; p < k; p++) s += a[ai + p] * b[bOff + p];
      out[oOff + i] += s;
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const o = oOff + i * n, ai = aOff + i * k;
    for (let p = 0; p < k; p++) {
      const av = a[ai + p], bp = bOff + p * n;
      for (let j = 0; j < n; j++) out[o + j] += av * b[bp + j];
    }
  }
}

/** The rows × cols row-major matrix `data` transposed. */
function transposed(data: Float64Array, rows: number, cols: number): Float64Array {
  return stridedCopy(data, [cols, rows], [1, cols]);
}

const matmul = hostOp("MatMul", (c: OpCall) => {
  const a = c.input(0, "A"), b = c.input(1, "B");
  c.sameType([a, b], a.dtype);
  if (a.dims.length === 0 || b.dims.length === 0) {
    c.fail(`operands must have rank ≥ 1, got ${fmtDims(a.dims)} and ${fmtDims(b.dims)}`);
  }
  const ad = a.dims.length === 1 ? [1, a.dims[0]] : a.dims;
  const bd = b.dims.length === 1 ? [b.dims[0], 1] : b.dims;
  const m = ad[ad.length - 2], k = ad[ad.length - 1], n = bd[bd.length - 1];
  if (bd[bd.length - 2] !== k) {
    c.fail(`A ${fmtDims(a.dims)} and B ${fmtDims(b.dims)} differ in the inner dimension`);
  }
  const aBatch = ad.slice(0, -2), bBatch = bd.slice(0, -2);
  const batch = broadcastDims(c, [aBatch, bBatch]);
  const offsets = (own: number[], block: number) => {
    const s = stridesOf(own), shift = batch.length - own.length;
    return stridedOffsets(
      batch,
      batch.map((_, i) => (i < shift || own[i - shift] === 1 ? 0 : s[i - shift] * block)),
    );
  };
  const aOffs = offsets(aBatch, m * k), bOffs = offsets(bBatch, k * n);
  const out = allocHost(sizeOf(batch) * m * n, "MatMul");
  for (let i = 0; i < aOffs.length; i++) {
    matmulInto(a.data, aOffs[i], b.data, bOffs[i], out, i * m * n, m, k, n);
  }
  const dims = [...batch];
  if (a.dims.length > 1) dims.push(m);
  if (b.dims.length > 1) dims.push(n);
  return [result(a.dtype, dims, out)];
});

const gemm = hostOp("Gemm", (c: OpCall) => {
  const a = c.input(0, "A"), b = c.input(1, "B"), cc = c.optional(2);
  c.sameType([a, b, cc], a.dtype);
  if (a.dims.length !== 2 || b.dims.length !== 2) {
    c.fail(`A and B must be 2-D, got ${fmtDims(a.dims)} and ${fmtDims(b.dims)}`);
  }
  const ta = c.int("transA", 0) !== 0, tb = c.int("transB", 0) !== 0;
  const alpha = c.float("alpha", 1), beta = c.float("beta", 1);
  const [m, k] = ta ? [a.dims[1], a.dims[0]] : a.dims;
  const [k2, n] = tb ? [b.dims[1], b.dims[0]] : b.dims;
  if (k !== k2) {
    c.fail(
      `A ${fmtDims(a.dims)} and B ${fmtDims(b.dims)} (transA ${+ta}, transB ${+tb}) differ in K`,
    );
  }
  const ad = ta ? transposed(a.data, k, m) : a.data;
  const bd = tb ? transposed(b.data, n, k) : b.data;
  const out = allocHost(m * n, "Gemm");
  matmulInto(ad, 0, bd, 0, out, 0, m, k, n);
  if (alpha !== 1) { for (let i = 0; i < out.length; i++) out[i] *= alpha; }
  if (cc && beta !== 0) {
    if (!broadcastsTo(cc.dims, [m, n])) {
      c.fail(`C ${fmtDims(cc.dims)} does not broadcast to [${m},${n}]`);
    }
    const cd = expandTo(cc, [m, n]);
    for (let i = 0; i < out.length; i++) out[i] += beta * cd[i];
  }
  return [result(a.dtype, [m, n], out)];
});

/** The matrix-product ops by ONNX op type. */
export const MATMUL_OPS: Readonly<Record<string, HostOp>> = { MatMul: matmul, Gemm: gemm };
