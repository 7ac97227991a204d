// out = a ∘ b with broadcasting. prm: n, op (a BINARY_* id), rank, outShape[6], aStrides[6], bStrides[6]
// (stride 0 on broadcast axes).
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= prm[0]) { return; }
  let rank = prm[2];
  var rest = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = 0u; d < rank; d++) {
    let axis = rank - 1u - d;
    let dim = prm[3u + axis];
    let idx = rest % dim;
    rest = rest / dim;
    ia += idx * prm[9u + axis];
    ib += idx * prm[15u + axis];
  }
  let u = a[ia];
  let v = b[ib];
  switch prm[1] {
    case BINARY_ADD: { out[i] = ftz(u + v); }
    case BINARY_SUB: { out[i] = ftz(u - v); }
    case BINARY_MUL: { out[i] = ftz(u * v); }
    case BINARY_DIV, default: { out[i] = ftz(u / v); }
  }
}
