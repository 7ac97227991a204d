// Vector math shared by the kernels: a fused multiply-add where the build allows it, and
// e^x on 4 lanes.

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// e^x on 4 lanes: x = k·ln2 + r, |r| ≤ ln2/2, e^r by a degree-6 polynomial (relative
// error below 2e-7 over the clamped range), 2^k built in the exponent bits. k is rounded by
// adding 1.5·2^23 (the sum's low mantissa bits are then k itself), and the clamp uses
// pmin/pmax (one instruction each; NaN passes, as the first operand). Below ln(2^-126) the
// result is +0: e^x is then subnormal or smaller, which the kernels flush to zero anyway.
// @ts-ignore: decorator
@inline export function expx4(x: v128): v128 {
  const v = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const magic = f32x4.splat(12582912.0);
  const t = madd(v, f32x4.splat(1.4426950408889634), magic);
  const k = f32x4.sub(t, magic);
  const r = madd(k, f32x4.splat(-1.428606765330187e-6), madd(k, f32x4.splat(-0.693145751953125), v));
  let p = f32x4.splat(1.0 / 720.0);
  p = madd(p, r, f32x4.splat(1.0 / 120.0));
  p = madd(p, r, f32x4.splat(1.0 / 24.0));
  p = madd(p, r, f32x4.splat(1.0 / 6.0));
  p = madd(p, r, f32x4.splat(0.5));
  p = madd(p, r, f32x4.splat(1.0));
  p = madd(p, r, f32x4.splat(1.0));
  const bits = i32x4.shl(i32x4.add(i32x4.sub(t, magic), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, bits), f32x4.lt(x, f32x4.splat(-87.33654)));
}

