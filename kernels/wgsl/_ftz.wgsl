// Prelude of every shader that calls ftz (kernels/build_wgsl.ts prepends it): flush to
// zero. A float32 below the smallest normal magnitude (2^-126) becomes +0, as the Wasm
// kernels do; NaN and ±Inf pass.
fn ftz(v: f32) -> f32 {
  return select(v, 0.0, abs(v) < 1.1754943508222875e-38);
}
