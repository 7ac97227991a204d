/**
 * Element types of host-op results: which types are floats, and rounding a result to
 * what its element type stores (float32 through `roundAs`, float16 and bfloat16 to
 * nearest-even, small integer types wrapped as C and numpy wrap them).
 *
 * @module
 */
import { type ElemType, type HostTensor, roundAs } from "../host_tensor.ts";

const FLOATS = new Set(["float16", "bfloat16", "float32", "float64"]);

/** True for the floating-point element types. */
export function isFloat(dtype: ElemType): boolean {
  return FLOATS.has(dtype);
}

/** True for the integer element types (not bool, not floats). */
export function isInt(dtype: ElemType): boolean {
  return dtype !== "bool" && !FLOATS.has(dtype);
}

/** `v` rounded to the nearest integer, ties to even (numpy `round`). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `v` rounded to the nearest float16 (ties to even; overflow to ±Infinity). */
export function f16round(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  if (a >= 65520) return v < 0 ? -Infinity : Infinity;
  let e = Math.max(Math.floor(Math.log2(a)), -14);
  if (e > -14 && 2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  const q = 2 ** (e - 10);
  const r = roundHalfEven(a / q) * q;
  return v < 0 ? -r : r;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** `v` rounded to the nearest bfloat16 (ties to even; NaN stays NaN). */
export function bf16round(v: number): number {
  if (Number.isNaN(v)) return v;
  f32[0] = v;
  const b = u32[0];
  u32[0] = (b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000;
  return f32[0];
}

/** Rounds `data` in place (or returns a rounded copy) as element type `dtype` stores it. */
export function roundTo(dtype: ElemType, data: Float64Array): Float64Array {
  const n = data.length;
  switch (dtype) {
    case "float64":
      return data;
    case "float16":
      for (let i = 0; i < n; i++) data[i] = f16round(data[i]);
      return data;
    case "bfloat16":
      for (let i = 0; i < n; i++) data[i] = bf16round(data[i]);
      return data;
    case "int8":
      for (let i = 0; i < n; i++) data[i] = (Math.trunc(data[i]) << 24) >> 24;
      return data;
    case "uint8":
      for (let i = 0; i < n; i++) data[i] = Math.trunc(data[i]) & 0xff;
      return data;
    case "int16":
      for (let i = 0; i < n; i++) data[i] = (Math.trunc(data[i]) << 16) >> 16;
      return data;
    case "uint16":
      for (let i = 0; i < n; i++) data[i] = Math.trunc(data[i]) & 0xffff;
      return data;
    case "int32":
      for (let i = 0; i < n; i++) data[i] = Math.trunc(data[i]) | 0;
      return data;
    case "uint32":
      for (let i = 0; i < n; i++) data[i] = Math.trunc(data[i]) >>> 0;
      return data;
    default:
      return roundAs(dtype, data);
  }
}

/** A result tensor: `data` rounded as `dtype` stores it (see {@linkcode roundTo}). */
export function result(dtype: ElemType, dims: number[], data: Float64Array): HostTensor {
  return { dtype, dims, data: roundTo(dtype, data) };
}
