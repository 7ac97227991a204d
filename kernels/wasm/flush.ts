// Flush to zero: a float32 below the smallest normal magnitude (2^-126 ≈ 1.18e-38, a
// subnormal) becomes +0, the semantics of GPUs and torch.set_flush_denormal (which keep the
// sign of the zero; here it is dropped: one instruction less per vector, measured ~25 %
// of an elementwise kernel, and nothing downstream reads the sign of a zero). WebAssembly
// must compute subnormals exactly, and x86 takes a microcode assist (up to 100× slower) on
// many operations with them. So the arena never holds one: the backend flushes what it
// uploads or writes, and every kernel flushes what it stores; no kernel then reads a
// subnormal operand either. NaN and ±Inf pass.

const MIN_NORMAL: f32 = 1.1754943508222875e-38;

// @ts-ignore: decorator
@inline export function ftz(x: f32): f32 {
  return Mathf.abs(x) < MIN_NORMAL ? 0 : x;
}

// Four lanes at once: |v| < 2^-126 (false for NaN) clears the lane.
// @ts-ignore: decorator
@inline export function ftz4(v: v128): v128 {
  return v128.andnot(v, f32x4.lt(f32x4.abs(v), f32x4.splat(MIN_NORMAL)));
}

// The same for lanes known to be ≥ 0 or NaN (second moments): one integer compare.
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
