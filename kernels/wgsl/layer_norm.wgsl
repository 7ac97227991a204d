// Row-wise layer normalization of [rows, cols] (biased variance). prm: rows, cols, bits(eps).
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let r = gid.x + gid.y * nw.x * 64u;
  if (r >= prm[0]) { return; }
  let cols = prm[1];
  let o = r * cols;
  var s = 0.0;
  for (var c = 0u; c < cols; c++) { s += x[o + c]; }
  let mu = s / f32(cols);
  var q = 0.0;
  for (var c = 0u; c < cols; c++) { let d = x[o + c] - mu; q += d * d; }
  let rstd = 1.0 / sqrt(q / f32(cols) + bitcast<f32>(prm[2]));
  for (var c = 0u; c < cols; c++) { out[o + c] = ftz((x[o + c] - mu) * rstd * gamma[c] + beta[c]); }
}
