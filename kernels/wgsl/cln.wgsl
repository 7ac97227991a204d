// CompensatedLayerNorm over the channels of [n, c, p] (channel stride p), one invocation
// per image and position: the LayerNorm of the original `width` channels from the c kept
// ones and the removed constants (cln_stats, _cln_stats.wgsl).
// prm: n·p, c, p, bits(width), bits(kbar), bits(m2), bits(eps).
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let r = gid.x + gid.y * nw.x * 64u;
  if (r >= prm[0]) { return; }
  let c = prm[1];
  let p = prm[2];
  let o = (r / p) * c * p + r % p;
  let st = cln_stats(o);
  for (var ch = 0u; ch < c; ch++) {
    let at = o + ch * p;
    out[at] = ftz((x[at] - st.x) * st.y * gamma[ch] + beta[ch]);
  }
}
