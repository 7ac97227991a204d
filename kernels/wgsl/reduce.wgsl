// Sum or max over a set of axes. prm: outN, kind (REDUCE_SUM or REDUCE_MAX), rank, count (elements
// reduced per output), outShape[6] (reduced axes are 1), strides[6] of x, redDims[6]
// and redStrides[6] (the reduced axes, innermost last; unused entries are 1 and 0).
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let o = gid.x + gid.y * nw.x * 64u;
  if (o >= prm[0]) { return; }
  let rank = prm[2];
  var rest = o;
  var base = 0u;
  for (var d = 0u; d < rank; d++) {
    let axis = rank - 1u - d;
    let dim = prm[4u + axis];
    base += (rest % dim) * prm[10u + axis];
    rest = rest / dim;
  }
  let isMax = prm[1] == REDUCE_MAX;
  var acc = 0.0;
  for (var r = 0u; r < prm[3]; r++) {
    var q = r;
    var off = base;
    for (var d = 0u; d < 6u; d++) {
      let axis = 5u - d;
      let dim = prm[16u + axis];
      off += (q % dim) * prm[22u + axis];
      q = q / dim;
    }
    let v = x[off];
    if (r == 0u) { acc = v; }
    else if (isMax) {
      if (v > acc || v != v) { acc = v; }
    } else { acc += v; }
  }
  out[o] = ftz(acc);
}
