// out[r, c] = 1 if c == labels[r] else 0. prm: n (rows·cols), cols.
@group(0) @binding(0) var<storage, read> labels: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> prm: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= prm[0]) { return; }
  let cols = prm[1];
  out[i] = select(0.0, 1.0, labels[i / cols] == i % cols);
}
