/**
 * Elementwise kernels of the Wasm backend: unary ops, broadcasting binary ops (SIMD over
 * the longest runs where both operands advance together, an exact affine map where one is
 * a scalar, the reference loop otherwise) and the scalar affine map.
 *
 * @module
 */
import type { Backend, BinaryKind } from "../backend.ts";
import { BINARY_IDS, UNARY_IDS } from "../_gen/kernel_ids.ts";
import { type Shape, sizeOf } from "../../tensor/shape.ts";
import { binaryLoop, isTrailing } from "../js/elementwise.ts";
import { expandInto } from "../js/expand.ts";
import type { KernelExports } from "./loader.ts";
import type { WasmContext } from "./context.ts";
import { callJob } from "./jobs.ts";

/**
 * Broadcasting binary op as runs over the innermost axes where both operands advance
 * together (or one holds still): one SIMD call per run. False when the runs would be too
 * short to pay (the caller then uses the loop).
 */
function broadcastRunsWith(
  k: Pick<KernelExports, "f32_vbinary__wasmsimd" | "f32_vaffine__wasmsimd">,
  heap: Float32Array,
  kind: BinaryKind,
  a: number,
  aShape: Shape,
  b: number,
  bShape: Shape,
  out: number,
  outShape: Shape,
): boolean {
  const r = outShape.length;
  const pad = (s: Shape) => [...new Array(r - s.length).fill(1), ...s];
  const as = pad(aShape), bs = pad(bShape);
  let axis = r, run = 1, mode: "both" | "a" | "b" | null = null;
  while (axis > 0) {
    const d = outShape[axis - 1], fa = as[axis - 1] === d, fb = bs[axis - 1] === d;
    const m = fa && fb
      ? "both"
      : fa && bs[axis - 1] === 1
      ? "a"
      : fb && as[axis - 1] === 1
      ? "b"
      : null;
    if (m === null || (mode !== null && m !== mode && d !== 1)) break;
    if (d !== 1) mode = m;
    run *= d;
    axis--;
  }
  if (run < 8 || mode === null) return false;
  const lead = outShape.slice(0, axis);
  const strides = (s: number[]) => {
    const st = new Array(r).fill(0);
    for (let i = r - 1, acc = 1; i >= 0; i--) {
      st[i] = s[i] === 1 ? 0 : acc;
      acc *= s[i];
    }
    return st;
  };
  const sa = strides(as), sb = strides(bs);
  const count = lead.reduce((p, q) => p * q, 1);
  const idx = new Array(axis).fill(0);
  const op = BINARY_IDS[kind];
  for (let it = 0; it < count; it++) {
    let oa = 0, ob = 0;
    for (let i = 0; i < axis; i++) (oa += idx[i] * sa[i]), (ob += idx[i] * sb[i]);
    const o = out + 4 * it * run;
    if (mode === "both") k.f32_vbinary__wasmsimd(op, a + 4 * oa, b + 4 * ob, o, run, run, 0);
    else if (kind === "div") {
      k.f32_vbinary__wasmsimd(op, a + 4 * oa, b + 4 * ob, o, run, 1, mode === "a" ? 0 : 1);
    } else {
      // One side is a scalar over the run: an exact affine map of the other.
      const sv = heap[(mode === "a" ? b + 4 * ob : a + 4 * oa) >> 2];
      const x = mode === "a" ? a + 4 * oa : b + 4 * ob;
      const [mul, add] = kind === "add"
        ? [1, sv]
        : kind === "mul"
        ? [sv, 0]
        : mode === "a"
        ? [1, -sv]
        : [-1, sv];
      k.f32_vaffine__wasmsimd(x, o, run, mul, add);
    }
    for (let i = axis - 1; i >= 0 && ++idx[i] === lead[i]; i--) idx[i] = 0;
  }
  return true;
}

/**
 * `[outer, mid, inner]` when `small` (padded to the output's rank) equals the output on one
 * contiguous block of axes and is 1 elsewhere, with elements before and after that block
 * (a per-channel operand of NCHW maps: outer = N, mid = C, inner = H·W); else null.
 */
export function midBlock(small: Shape, out: Shape): [number, number, number] | null {
  const r = out.length, s = [...new Array(r - small.length).fill(1), ...small];
  let lo = 0, hi = r;
  while (lo < r && s[lo] === 1) lo++;
  while (hi > lo && s[hi - 1] === 1) hi--;
  if (lo === hi) return null;
  for (let i = lo; i < hi; i++) if (s[i] !== out[i]) return null;
  const prod = (a: number, b: number) => out.slice(a, b).reduce((p, q) => p * q, 1);
  const [outer, mid, inner] = [prod(0, lo), prod(lo, hi), prod(hi, r)];
  return inner > 1 ? [outer, mid, inner] : null;
}

/** The elementwise part of the backend. */
export function elementwiseKernels(ctx: WasmContext): Pick<Backend, "unary" | "binary" | "scalar"> {
  const { k, ws, view, flushed, memory } = ctx;
  /** The mid block of the smaller operand when the other one is full-size. */
  const midOf = (aShape: Shape, bShape: Shape, outShape: Shape) =>
    sizeOf(aShape) === sizeOf(outShape) ? midBlock(bShape, outShape) : midBlock(aShape, outShape);
  /**
   * `f32_vbinary` of `n` elements whose repeated operand has `m` (m = n: same shape), split
   * across threads by whole rows of m.
   */
  const vbinary = (
    op: number,
    a: number,
    b: number,
    out: number,
    n: number,
    m: number,
    rowIsA: boolean,
  ) => {
    const rows = n / m;
    if (rows === 1) {
      return ctx.split(
        n,
        n,
        (lo, hi) =>
          callJob("f32_vbinary__wasmsimd", [
            op,
            a + 4 * lo,
            b + 4 * lo,
            out + 4 * lo,
            hi - lo,
            hi - lo,
            0,
          ]),
        4,
      );
    }
    ctx.split(rows, n, (lo, hi) => {
      const off = 4 * lo * m;
      const [pa, pb] = rowIsA ? [a, b + off] : [a + off, b];
      return callJob("f32_vbinary__wasmsimd", [op, pa, pb, out + off, (hi - lo) * m, m, +rowIsA]);
    });
  };
  return {
    unary: (kind, x, out) => {
      const X = ws(x).ptr, O = ws(out).ptr, op = UNARY_IDS[kind];
      ctx.split(
        x.size,
        x.size,
        (lo, hi) => callJob("f32_vunary__wasmsimd", [op, X + 4 * lo, O + 4 * lo, hi - lo]),
        4,
      );
    },
    binary: (kind, a, aShape, b, bShape, out, outShape) => {
      const n = sizeOf(outShape);
      const A = ws(a), B = ws(b), O = ws(out);
      let block: [number, number, number] | null = null;
      if (n > 0 && A.size === n && B.size === n) {
        vbinary(BINARY_IDS[kind], A.ptr, B.ptr, O.ptr, n, n, false);
      } else if (n > 0 && A.size === n && B.size > 0 && isTrailing(bShape, outShape)) {
        vbinary(BINARY_IDS[kind], A.ptr, B.ptr, O.ptr, n, B.size, false);
      } else if (n > 0 && B.size === n && A.size > 0 && isTrailing(aShape, outShape)) {
        vbinary(BINARY_IDS[kind], A.ptr, B.ptr, O.ptr, n, A.size, true);
      } else if (
        n > 0 && kind !== "div" && (A.size === 1 || B.size === 1) && A.size + B.size - 1 <= n
      ) {
        // One operand is a scalar: an affine map of the other, replicated over rows if it is a row.
        const scalarIsB = B.size === 1;
        const s = view(scalarIsB ? b : a)[0];
        const x = scalarIsB ? A : B;
        const xShape = scalarIsB ? aShape : bShape;
        if (x.size !== n && !isTrailing(xShape, outShape)) {
          // Broadcast over inner or middle axes (broadcastTo is `x + 0`): the op on x's
          // elements, then native fills and block copies out to the output's shape.
          const xs = view(scalarIsB ? a : b);
          const y = new Float32Array(xs.length);
          binaryLoop(
            kind,
            scalarIsB ? xs : Float32Array.of(s),
            scalarIsB ? xShape : [1],
            scalarIsB ? Float32Array.of(s) : xs,
            scalarIsB ? [1] : xShape,
            y,
            xShape,
          );
          expandInto(y, xShape, view(out), outShape);
          return flushed(out);
        }
        const [mul, add] = kind === "add"
          ? [1, s]
          : kind === "mul"
          ? [s, 0]
          : scalarIsB
          ? [1, -s]
          : [-1, s];
        k.f32_vaffine__wasmsimd(x.ptr, O.ptr, x.size, mul, add);
        const bytes = new Uint8Array(memory.buffer);
        for (let r = x.size; r < n; r += x.size) {
          bytes.copyWithin(O.ptr + 4 * r, O.ptr, O.ptr + 4 * x.size);
        }
      } else if (
        n > 0 && (A.size === n || B.size === n) && (block = midOf(aShape, bShape, outShape))
      ) {
        const [outer, mid, inner] = block;
        const op = BINARY_IDS[kind], smallIsA = B.size === n;
        ctx.split(outer, n, (lo, hi) => {
          const off = 4 * lo * mid * inner;
          const [pa, pb] = smallIsA ? [A.ptr, B.ptr + off] : [A.ptr + off, B.ptr];
          return callJob("f32_vbinary_mid__wasmsimd", [
            op,
            pa,
            pb,
            O.ptr + off,
            hi - lo,
            mid,
            inner,
            +smallIsA,
          ]);
        });
      } else if (
        !broadcastRunsWith(
          k,
          new Float32Array(memory.buffer),
          kind,
          A.ptr,
          aShape,
          B.ptr,
          bShape,
          O.ptr,
          outShape,
        )
      ) {
        binaryLoop(kind, view(a), aShape, view(b), bShape, view(out), outShape);
        flushed(out);
      }
    },
    scalar: (x, mul, add, out) => k.f32_vaffine__wasmsimd(ws(x).ptr, ws(out).ptr, x.size, mul, add),
  };
}
