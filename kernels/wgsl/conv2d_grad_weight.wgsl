// Weight gradient of conv2d, one dw element per thread (sums over images and outputs).
// prm as conv2d.wgsl, n = dw size.
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= prm[0]) { return; }
  let N = prm[1]; let C = prm[2]; let H = i32(prm[3]); let W = i32(prm[4]); let O = prm[5];
  let KH = prm[6]; let KW = prm[7]; let OH = prm[8]; let OW = prm[9];
  let SH = i32(prm[10]); let SW = i32(prm[11]); let PH = i32(prm[12]); let PW = i32(prm[13]);
  let cg = C / prm[14];
  let og = O / prm[14];
  let kx = i % KW;
  let ky = (i / KW) % KH;
  let ci = (i / (KW * KH)) % cg;
  let o = i / (KW * KH * cg);
  let c = (o / og) * cg + ci;
  var acc = 0.0;
  for (var b = 0u; b < N; b++) {
    for (var oy = 0u; oy < OH; oy++) {
      let y = i32(oy) * SH - PH + i32(ky);
      if (y < 0 || y >= H) { continue; }
      for (var ox = 0u; ox < OW; ox++) {
        let xx = i32(ox) * SW - PW + i32(kx);
        if (xx < 0 || xx >= W) { continue; }
        acc += dy[((b * O + o) * OH + oy) * OW + ox] * x[((b * C + c) * u32(H) + u32(y)) * u32(W) + u32(xx)];
      }
    }
  }
  dw[i] = ftz(acc);
}
