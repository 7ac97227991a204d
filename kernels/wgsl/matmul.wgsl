// out[b] = op(A[b])·op(B[b]) in 16×16 tiles through workgroup memory; batch on z.
// prm: m, n, k, transA, transB.
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;

var<workgroup> As: array<array<f32, 16>, 16>;
var<workgroup> Bs: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = prm[0];
  let N = prm[1];
  let K = prm[2];
  let ta = prm[3] == 1u;
  let tb = prm[4] == 1u;
  let row = wid.y * 16u + lid.y;
  let col = wid.x * 16u + lid.x;
  let ao = wid.z * M * K;
  let bo = wid.z * K * N;
  var acc = 0.0;
  for (var t = 0u; t < K; t += 16u) {
    let ak = t + lid.x;
    var av = 0.0;
    if (row < M && ak < K) {
      if (ta) { av = A[ao + ak * M + row]; } else { av = A[ao + row * K + ak]; }
    }
    As[lid.y][lid.x] = av;
    let bk = t + lid.y;
    var bv = 0.0;
    if (bk < K && col < N) {
      if (tb) { bv = B[bo + col * K + bk]; } else { bv = B[bo + bk * N + col]; }
    }
    Bs[lid.y][lid.x] = bv;
    workgroupBarrier();
    for (var q = 0u; q < 16u; q++) {
      acc += As[lid.y][q] * Bs[q][lid.x];
    }
    workgroupBarrier();
  }
  if (row < M && col < N) {
    out[wid.z * M * N + row * N + col] = ftz(acc);
  }
}
