// Input gradient of conv2d, one dx element per thread. prm as conv2d.wgsl, n = dx size.
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= prm[0]) { return; }
  let C = prm[2]; let H = prm[3]; let W = prm[4]; let O = prm[5];
  let KH = prm[6]; let KW = prm[7]; let OH = i32(prm[8]); let OW = i32(prm[9]);
  let SH = i32(prm[10]); let SW = i32(prm[11]); let PH = i32(prm[12]); let PW = i32(prm[13]);
  let cg = C / prm[14];
  let og = O / prm[14];
  let ix = i32(i % W);
  let iy = i32((i / W) % H);
  let c = (i / (W * H)) % C;
  let b = i / (W * H * C);
  let g = c / cg;
  let ci = c - g * cg;
  var acc = 0.0;
  for (var oo = 0u; oo < og; oo++) {
    let o = g * og + oo;
    for (var ky = 0u; ky < KH; ky++) {
      let ty = iy + PH - i32(ky);
      if (ty < 0 || ty % SH != 0 || ty / SH >= OH) { continue; }
      for (var kx = 0u; kx < KW; kx++) {
        let tx = ix + PW - i32(kx);
        if (tx < 0 || tx % SW != 0 || tx / SW >= OW) { continue; }
        acc += dy[((b * O + o) * u32(OH) + u32(ty / SH)) * u32(OW) + u32(tx / SW)] * w[((o * cg + ci) * KH + ky) * KW + kx];
      }
    }
  }
  dx[i] = ftz(acc);
}
