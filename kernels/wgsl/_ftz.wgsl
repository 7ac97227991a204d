// Prelude of every shader that calls ftz (kernels/build_wgsl.ts prepends it): flush to
// zero. A float32 below the smallest normal magnitude (2^-126, exponent bits all zero)
// becomes a zero of the same sign, as the Wasm kernels do; NaN and ±Inf pass.
fn ftz(v: f32) -> f32 {
  let b = bitcast<u32>(v);
  return select(v, bitcast<f32>(b & 0x80000000u), (b & 0x7f800000u) == 0u);
}
