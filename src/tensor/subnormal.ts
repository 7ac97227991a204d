/**
 * Subnormal float32 values: magnitudes below the smallest normal float32, 2⁻¹²⁶ ≈ 1.18e-38.
 * The Wasm and WebGPU backends flush them to zero (the semantics of GPUs and
 * `torch.set_flush_denormal(True)`), because x86 computes with them up to 100× slower;
 * the reference backend keeps exact IEEE arithmetic.
 *
 * @module
 */

/** The smallest positive normal float32, 2⁻¹²⁶. */
export const FLOAT32_MIN_NORMAL = 2 ** -126;

/**
 * Whether `x` (as a float32) is subnormal: nonzero and below {@linkcode FLOAT32_MIN_NORMAL}
 * in magnitude.
 *
 * @example
 * ```ts
 * import { isSubnormal } from "./subnormal.ts";
 * console.assert(isSubnormal(1e-40) && !isSubnormal(0) && !isSubnormal(1e-30));
 * ```
 */
export function isSubnormal(x: number): boolean {
  const a = Math.abs(Math.fround(x));
  return a !== 0 && a < FLOAT32_MIN_NORMAL;
}

/**
 * How many elements of `data` are subnormal float32 values.
 *
 * @example
 * ```ts
 * import { countSubnormals } from "./subnormal.ts";
 * console.assert(countSubnormals(new Float32Array([1e-40, -1e-39, 1, 0])) === 2);
 * ```
 */
export function countSubnormals(data: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (isSubnormal(data[i])) n++;
  return n;
}

/**
 * A float32 copy of `data` with every subnormal (and −0) replaced by +0, what the flushing
 * backends store.
 *
 * @example
 * ```ts
 * import { flushedCopy } from "./subnormal.ts";
 * const y = flushedCopy(new Float32Array([1e-40, -1e-40, 2]));
 * console.assert(Object.is(y[0], 0) && Object.is(y[1], 0) && y[2] === 2);
 * ```
 */
export function flushedCopy(data: ArrayLike<number>): Float32Array<ArrayBuffer> {
  const out = Float32Array.from(data);
  for (let i = 0; i < out.length; i++) if (Math.abs(out[i]) < FLOAT32_MIN_NORMAL) out[i] = 0;
  return out;
}
