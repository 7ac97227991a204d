// Flush to zero: a float32 below the smallest normal magnitude (2^-126 ≈ 1.18e-38, a
// subnormal: exponent bits all zero, mantissa nonzero) becomes a zero of the same sign,
// the semantics of GPUs and torch.set_flush_denormal. WebAssembly must compute subnormals
// exactly, and x86 takes a microcode assist (up to 100× slower) on many operations with
// them. So the arena never holds one: the backend flushes what it uploads or writes, and
// every kernel flushes what it stores; no kernel then reads a subnormal operand either.
// NaN and ±Inf pass.

const EXP_BITS: i32 = 0x7f800000;
const SIGN_BIT: i32 = 0x80000000;

// @ts-ignore: decorator
@inline export function ftz(x: f32): f32 {
  const b = reinterpret<i32>(x);
  return (b & EXP_BITS) == 0 ? reinterpret<f32>(b & SIGN_BIT) : x;
}

// Four lanes at once: lanes whose exponent bits are all zero keep only their sign bit.
// @ts-ignore: decorator
@inline export function ftz4(v: v128): v128 {
  const tiny = i32x4.eq(v128.and(v, i32x4.splat(EXP_BITS)), i32x4.splat(0));
  return v128.andnot(v, v128.and(tiny, i32x4.splat(~SIGN_BIT)));
}

// The same for lanes known to be ≥ 0 or NaN (second moments): one compare and one mask.
// @ts-ignore: decorator
@inline export function ftzPositive4(v: v128): v128 {
  return v128.andnot(v, i32x4.lt_u(v, i32x4.splat(0x00800000)));
}

// x[0, n) flushed in place (uploads, writes, and kernels that run as JS loops).
export function f32_ftz(x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = x + (<usize>i << 2);
    v128.store(p, ftz4(v128.load(p)));
  }
  for (; i < n; i++) {
    const p = x + (<usize>i << 2);
    store<f32>(p, ftz(load<f32>(p)));
  }
}
