// out[i] = f(x[i]). prm: n, op (a UNARY_* id of kernels/manifest.ts).
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> prm: array<u32>;

const GELU_C: f32 = 0.7978845608028654;
const GELU_A: f32 = 0.044715;

fn tanh_safe(z: f32) -> f32 {
  let e = exp(-2.0 * abs(z));
  return sign(z) * (1.0 - e) / (1.0 + e);
}

fn sigmoid(v: f32) -> f32 {
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}

fn f(op: u32, v: f32) -> f32 {
  switch op {
    case UNARY_NEG: { return -v; }
    case UNARY_EXP: { return exp(v); }
    case UNARY_LOG: { return log(v); }
    case UNARY_SQRT: { return sqrt(v); }
    case UNARY_ABS: { return abs(v); }
    case UNARY_SQUARE: { return v * v; }
    case UNARY_RECIPROCAL: { return 1.0 / v; }
    case UNARY_RELU: { return select(0.0, v, v > 0.0); }
    case UNARY_STEP: { return select(0.0, 1.0, v > 0.0); }
    case UNARY_GELU: { return 0.5 * v * (1.0 + tanh_safe(GELU_C * (v + GELU_A * v * v * v))); }
    case UNARY_GELU_GRAD: {
      let t = tanh_safe(GELU_C * (v + GELU_A * v * v * v));
      return 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * GELU_A * v * v);
    }
    case UNARY_TANH: { return tanh_safe(v); }
    case UNARY_SILU: { return v * sigmoid(v); }
    case UNARY_SILU_GRAD: {
      let s = sigmoid(v);
      return s * (1.0 + v * (1.0 - s));
    }
    case UNARY_HARDSWISH: {
      if (v < -3.0) { return 0.0; }
      if (v > 3.0) { return v; }
      return v * (v + 3.0) / 6.0;
    }
    case UNARY_HARDSWISH_GRAD: {
      if (v < -3.0) { return 0.0; }
      if (v > 3.0) { return 1.0; }
      return v / 3.0 + 0.5;
    }
    case UNARY_SIGMOID, default: { return sigmoid(v); }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= prm[0]) { return; }
  out[i] = ftz(f(prm[1], x[i]));
}
