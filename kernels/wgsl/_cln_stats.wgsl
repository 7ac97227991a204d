// Prelude of the CompensatedLayerNorm shaders (kernels/build_wgsl.ts prepends it): the mean
// and 1/sqrt(σ² + eps) of the channels at offset o (stride p) of `x`, with the removed
// constants' count width − c, mean kbar and centred sum of squares m2 (METHOD.md).
// prm: n·p, c, p, bits(width), bits(kbar), bits(m2), bits(eps).
fn cln_stats(o: u32) -> vec2<f32> {
  let c = prm[1];
  let p = prm[2];
  let d = bitcast<f32>(prm[3]);
  let kbar = bitcast<f32>(prm[4]);
  let rem = d - f32(c);
  var s = 0.0;
  for (var ch = 0u; ch < c; ch++) { s += x[o + ch * p]; }
  let mu = (s + rem * kbar) / d;
  var q = 0.0;
  for (var ch = 0u; ch < c; ch++) { let t = x[o + ch * p] - mu; q += t * t; }
  let k = kbar - mu;
  return vec2<f32>(mu, 1.0 / sqrt((q + bitcast<f32>(prm[5]) + rem * k * k) / d + bitcast<f32>(prm[6])));
}
