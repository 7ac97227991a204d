// Gradient of cln.wgsl, one invocation per image and position: dx = rstd·(g − Σg/d −
// x̂·Σ(g·x̂)/d) with g = dy·gamma (sums over the kept channels), and dyxhat = dy·x̂ (summed
// over images and positions afterwards: the gradient of gamma).
// prm: n·p, c, p, bits(width), bits(kbar), bits(m2), bits(eps).
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<storage, read_write> dyxhat: array<f32>;
@group(0) @binding(5) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let r = gid.x + gid.y * nw.x * 64u;
  if (r >= prm[0]) { return; }
  let c = prm[1];
  let p = prm[2];
  let d = bitcast<f32>(prm[3]);
  let o = (r / p) * c * p + r % p;
  let st = cln_stats(o);
  let mu = st.x;
  let rstd = st.y;
  var sg = 0.0;
  var sgx = 0.0;
  for (var ch = 0u; ch < c; ch++) {
    let at = o + ch * p;
    let xhat = (x[at] - mu) * rstd;
    let g = dy[at] * gamma[ch];
    sg += g;
    sgx += g * xhat;
    dyxhat[at] = ftz(dy[at] * xhat);
  }
  for (var ch = 0u; ch < c; ch++) {
    let at = o + ch * p;
    let xhat = (x[at] - mu) * rstd;
    let g = dy[at] * gamma[ch];
    dx[at] = ftz(rstd * (g - sg / d - xhat * sgx / d));
  }
}
