// Strided copy with an offset and an optional window (permute, slice, slice gradient).
// For each output element i (multi-index over outShape): if it lies inside the window
// [lo, lo + size) on every axis, out[i] = x[base + Σ (idx − lo)·xStrides], else 0.
// prm: n, rank, base, outShape[6], xStrides[6], lo[6], size[6].
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= prm[0]) { return; }
  let rank = prm[1];
  var rest = i;
  var off = prm[2];
  var inside = true;
  for (var d = 0u; d < rank; d++) {
    let axis = rank - 1u - d;
    let idx = rest % prm[3u + axis];
    rest = rest / prm[3u + axis];
    let lo = prm[15u + axis];
    if (idx < lo || idx >= lo + prm[21u + axis]) { inside = false; }
    else { off += (idx - lo) * prm[9u + axis]; }
  }
  out[i] = select(0.0, x[off], inside);
}
