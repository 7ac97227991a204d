// Row-wise over [rows, cols]: softmax (SOFTMAX_MODE_SOFTMAX), log-softmax
// (SOFTMAX_MODE_LOG_SOFTMAX), or cross-entropy out[r] = logsumexp(x[r, :]) − x[r, labels[r]]
// (SOFTMAX_MODE_CROSS_ENTROPY; labels unused otherwise).
// prm: rows, cols, mode.
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let r = gid.x + gid.y * nw.x * 64u;
  if (r >= prm[0]) { return; }
  let cols = prm[1];
  let mode = prm[2];
  let o = r * cols;
  var mx = x[o];
  for (var c = 1u; c < cols; c++) { mx = max(mx, x[o + c]); }
  var s = 0.0;
  for (var c = 0u; c < cols; c++) { s += exp(x[o + c] - mx); }
  let ls = log(s);
  if (mode == SOFTMAX_MODE_CROSS_ENTROPY) {
    out[r] = ftz(mx + ls - x[o + labels[r]]);
    return;
  }
  for (var c = 0u; c < cols; c++) {
    if (mode == SOFTMAX_MODE_LOG_SOFTMAX) { out[o + c] = ftz(x[o + c] - mx - ls); }
    else { out[o + c] = ftz(exp(x[o + c] - mx) / s); }
  }
}
