// AdamW (decoupled decay, bias-corrected moments). prm: n, bits of lr, beta1, beta2, eps,
// weightDecay, c1 = 1 − beta1^step, c2 = 1 − beta2^step. Gradient, state and weights flushed.
@group(0) @binding(0) var<storage, read_write> w: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= prm[0]) { return; }
  let lr = bitcast<f32>(prm[1]);
  let b1 = bitcast<f32>(prm[2]);
  let b2 = bitcast<f32>(prm[3]);
  let eps = bitcast<f32>(prm[4]);
  let wd = bitcast<f32>(prm[5]);
  let c1 = bitcast<f32>(prm[6]);
  let c2 = bitcast<f32>(prm[7]);
  let gi = ftz(g[i]);
  let mi = ftz(b1 * m[i] + (1.0 - b1) * gi);
  let vi = ftz(b2 * v[i] + (1.0 - b2) * gi * gi);
  m[i] = mi;
  v[i] = vi;
  w[i] = ftz(w[i] * (1.0 - lr * wd) - (lr * (mi / c1)) / (sqrt(vi / c2) + eps));
}
