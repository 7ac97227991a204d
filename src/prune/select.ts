/**
 * Linear-time selection over float64 values: a radix select on their IEEE-754 bit
 * patterns (four passes of 16-bit digits; eight of 8-bit digits for short arrays), so
 * choosing the pruning budget among millions of scores costs a few passes over them
 * instead of a sort.
 *
 * @module
 */

const F64 = Float64Array.of(1);
const U32 = new Uint32Array(F64.buffer);
/** Index of the 32-bit word holding the sign and exponent (1 on little-endian hosts). */
const HI = U32[1] === 0x3ff00000 ? 1 : 0;

/**
 * Writes the order-preserving unsigned 64-bit key of `v` into `hi[i]`, `lo[i]`: negative
 * numbers have every bit flipped, others only the sign bit, so keys compare as the
 * numbers do. -0 is taken as +0.
 */
function setKey(v: number, hi: Uint32Array, lo: Uint32Array, i: number): void {
  F64[0] = v === 0 ? 0 : v;
  const h = U32[HI], l = U32[1 - HI];
  if (h & 0x80000000) {
    hi[i] = ~h >>> 0;
    lo[i] = ~l >>> 0;
  } else {
    hi[i] = (h | 0x80000000) >>> 0;
    lo[i] = l;
  }
}

/** Digit `pass` (most significant first) of `bits` bits of the key `hi`, `lo`. */
function digitOf(hi: number, lo: number, pass: number, bits: number): number {
  const shift = 64 - bits * (pass + 1); // of the digit's lowest bit in the 64-bit key
  const word = shift >= 32 ? hi : lo;
  return (word >>> (shift % 32)) & ((1 << bits) - 1);
}

/**
 * The `k`-th smallest of `values` (0-based, duplicates counted), in time linear in
 * `values.length`. NaN is not allowed.
 *
 * @example
 * ```ts
 * import { kthSmallest } from "./select.ts";
 * console.assert(kthSmallest(Float64Array.of(3, -1, 2, 2, 0), 3) === 2);
 * ```
 */
export function kthSmallest(values: Float64Array, k: number): number {
  const n = values.length;
  if (!Number.isInteger(k) || k < 0 || k >= n) {
    throw new RangeError(`kthSmallest: k must be an integer in [0, ${n}), got ${k}`);
  }
  const hi = new Uint32Array(n), lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i])) throw new RangeError(`kthSmallest: value ${i} is NaN`);
    setKey(values[i], hi, lo, i);
  }
  let idx: Uint32Array | null = null; // candidates after the first pass (null: all)
  let count = n, rank = k;
  const bits = n < 1 << 16 ? 8 : 16;
  const hist = new Uint32Array(1 << bits);
  for (let pass = 0; pass < 64 / bits; pass++) {
    hist.fill(0);
    for (let j = 0; j < count; j++) {
      const i = idx ? idx[j] : j;
      hist[digitOf(hi[i], lo[i], pass, bits)]++;
    }
    let digit = 0;
    while (rank >= hist[digit]) rank -= hist[digit++];
    const next = new Uint32Array(hist[digit]);
    let m = 0;
    for (let j = 0; j < count; j++) {
      const i = idx ? idx[j] : j;
      if (digitOf(hi[i], lo[i], pass, bits) === digit) next[m++] = i;
    }
    idx = next;
    count = m;
  }
  return values[idx![0]] === 0 ? 0 : values[idx![0]];
}
