// Direct 2-D convolution (NCHW, zero padding, groups), one output element per thread.
// prm: n (outputs), N, C, H, W, O, KH, KW, OH, OW, SH, SW, PH, PW, groups.
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= prm[0]) { return; }
  let C = prm[2]; let H = i32(prm[3]); let W = i32(prm[4]); let O = prm[5];
  let KH = prm[6]; let KW = prm[7]; let OH = prm[8]; let OW = prm[9];
  let SH = i32(prm[10]); let SW = i32(prm[11]); let PH = i32(prm[12]); let PW = i32(prm[13]);
  let cg = C / prm[14];
  let og = O / prm[14];
  let ox = i % OW;
  let oy = (i / OW) % OH;
  let o = (i / (OW * OH)) % O;
  let b = i / (OW * OH * O);
  let g = o / og;
  var acc = 0.0;
  for (var ci = 0u; ci < cg; ci++) {
    let c = g * cg + ci;
    for (var ky = 0u; ky < KH; ky++) {
      let y = i32(oy) * SH - PH + i32(ky);
      if (y < 0 || y >= H) { continue; }
      for (var kx = 0u; kx < KW; kx++) {
        let xx = i32(ox) * SW - PW + i32(kx);
        if (xx < 0 || xx >= W) { continue; }
        acc += x[((b * C + c) * u32(H) + u32(y)) * u32(W) + u32(xx)] * w[((o * cg + ci) * KH + ky) * KW + kx];
      }
    }
  }
  out[i] = ftz(acc);
}
