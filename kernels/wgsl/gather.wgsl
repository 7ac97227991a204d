// Index select along an axis of x viewed as [outer, len, inner] (GATHER_MODE_GATHER), or
// its adjoint (GATHER_MODE_SCATTER_ADD): out[o, p, i] = Σ_{j : idx[j] = p} dy[o, j, i].
// prm: n (output elements), mode, len (x's axis), count (indices), inner.
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> idx: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= prm[0]) { return; }
  let len = prm[2];
  let count = prm[3];
  let inner = prm[4];
  let k = i % inner;
  if (prm[1] == GATHER_MODE_GATHER) {
    let j = (i / inner) % count;
    let o = i / (inner * count);
    out[i] = x[(o * len + idx[j]) * inner + k];
  } else {
    let p = (i / inner) % len;
    let o = i / (inner * len);
    var s = 0.0;
    for (var j = 0u; j < count; j++) {
      if (idx[j] == p) { s += x[(o * count + j) * inner + k]; }
    }
    out[i] = ftz(s);
  }
}
