// SGD (PyTorch semantics). prm: n, bits(lr), bits(momentum), bits(weightDecay), nesterov,
// hasVelocity.
@group(0) @binding(0) var<storage, read_write> w: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= prm[0]) { return; }
  let lr = bitcast<f32>(prm[1]);
  let mom = bitcast<f32>(prm[2]);
  var d = ftz(g[i]) + bitcast<f32>(prm[3]) * w[i];
  if (prm[5] == 1u) {
    v[i] = ftz(mom * v[i] + d);
    if (prm[4] == 1u) { d = d + mom * v[i]; } else { d = v[i]; }
  }
  w[i] = ftz(w[i] - lr * d);
}
