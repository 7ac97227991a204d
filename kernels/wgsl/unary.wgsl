// out[i] = f(x[i]). prm: n, op (UnaryKind index in UNARY_KINDS order).
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> prm: array<u32>;

const GELU_C: f32 = 0.7978845608028654;
const GELU_A: f32 = 0.044715;

fn tanh_safe(z: f32) -> f32 {
  let e = exp(-2.0 * abs(z));
  return sign(z) * (1.0 - e) / (1.0 + e);
}

fn f(op: u32, v: f32) -> f32 {
  switch op {
    case 0u: { return -v; }
    case 1u: { return exp(v); }
    case 2u: { return log(v); }
    case 3u: { return sqrt(v); }
    case 4u: { return abs(v); }
    case 5u: { return v * v; }
    case 6u: { return 1.0 / v; }
    case 7u: { return select(0.0, v, v > 0.0); }
    case 8u: { return select(0.0, 1.0, v > 0.0); }
    case 9u: { return 0.5 * v * (1.0 + tanh_safe(GELU_C * (v + GELU_A * v * v * v))); }
    case 10u: {
      let t = tanh_safe(GELU_C * (v + GELU_A * v * v * v));
      return 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * GELU_A * v * v);
    }
    case 11u: { return tanh_safe(v); }
    default: {
      if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
      let e = exp(v);
      return e / (1.0 + e);
    }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= prm[0]) { return; }
  out[i] = ftz(f(prm[1], x[i]));
}
