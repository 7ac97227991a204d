// out[b] = op(A[b])·op(B[b]), batch on z. Register-blocked: a 16×16 workgroup computes a
// 64×64 tile of out, each thread a 4×4 block held in registers; K advances 16 at a time
// through workgroup memory (A's 64×16 and B's 16×64 slices, stored k-major). Each thread
// loads 4 floats of each slice, numbered so that neighbouring threads read neighbouring
// addresses in every layout. prm: m, n, k, transA, transB.
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;

var<workgroup> As: array<f32, 1024>; // As[kk * 64 + r]
var<workgroup> Bs: array<f32, 1024>; // Bs[kk * 64 + c]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = prm[0];
  let N = prm[1];
  let K = prm[2];
  let ta = prm[3] == 1u;
  let tb = prm[4] == 1u;
  let tid = lid.y * 16u + lid.x;
  let row0 = wid.y * 64u;
  let col0 = wid.x * 64u;
  let ao = wid.z * M * K;
  let bo = wid.z * K * N;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }
  for (var t = 0u; t < K; t += 16u) {
    for (var q = 0u; q < 4u; q++) {
      let e = tid + 256u * q;
      // A: k fastest when A is row-major (its rows are contiguous in k), else rows fastest.
      var r = e / 16u;
      var kk = e % 16u;
      if (ta) { r = e % 64u; kk = e / 64u; }
      let gr = row0 + r;
      let gk = t + kk;
      var av = 0.0;
      if (gr < M && gk < K) {
        if (ta) { av = A[ao + gk * M + gr]; } else { av = A[ao + gr * K + gk]; }
      }
      As[kk * 64u + r] = av;
      // B: columns fastest when B is row-major, else k fastest.
      var c = e % 64u;
      var bk = e / 64u;
      if (tb) { c = e / 16u; bk = e % 16u; }
      let gc = col0 + c;
      let gbk = t + bk;
      var bv = 0.0;
      if (gbk < K && gc < N) {
        if (tb) { bv = B[bo + gc * K + gbk]; } else { bv = B[bo + gbk * N + gc]; }
      }
      Bs[bk * 64u + c] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = As[kk * 64u + lid.y * 4u + i];
        b[i] = Bs[kk * 64u + lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] += a[i] * b[j]; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + lid.x * 4u + j;
      if (r < M && c < N) { out[wid.z * M * N + r * N + c] = ftz(acc[i * 4u + j]); }
    }
  }
}
