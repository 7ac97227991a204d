// Elementwise kernels: binary ops (same shape, or a row operand repeated along the
// rows), unary math/activations, and the scalar affine map. Ops are the ids of
// kernels/manifest.ts (constants in _ids.ts, generated). Results are stored flushed (flush.ts).

import { ftz, ftz4 } from "./flush";
import { expx4 } from "./math";
import {
  BINARY_ADD, BINARY_MUL, BINARY_SUB,
  UNARY_ABS, UNARY_EXP, UNARY_GELU, UNARY_GELU_GRAD, UNARY_HARDSWISH, UNARY_HARDSWISH_GRAD,
  UNARY_LOG, UNARY_NEG, UNARY_RECIPROCAL, UNARY_RELU, UNARY_SIGMOID, UNARY_SILU, UNARY_SILU_GRAD,
  UNARY_SQRT, UNARY_SQUARE, UNARY_STEP, UNARY_TANH,
} from "./_ids";

// @ts-ignore: decorator
@inline function binop(op: i32, a: v128, b: v128): v128 {
  if (op == BINARY_ADD) return f32x4.add(a, b);
  if (op == BINARY_SUB) return f32x4.sub(a, b);
  if (op == BINARY_MUL) return f32x4.mul(a, b);
  return f32x4.div(a, b); // BINARY_DIV
}

// @ts-ignore: decorator
@inline function binopScalar(op: i32, a: f32, b: f32): f32 {
  if (op == BINARY_ADD) return a + b;
  if (op == BINARY_SUB) return a - b;
  if (op == BINARY_MUL) return a * b;
  return a / b; // BINARY_DIV
}

// out[r*m + j] = a[r*m + j] (op) b[(r*m + j) % bl] for n elements; bl = n (same shape)
// or bl = m (b repeats every row of m); aRow swaps roles (a is the repeated row).
export function f32_vbinary__wasmsimd(op: i32, a: usize, b: usize, out: usize, n: i32, m: i32, rowIsA: bool): void {
  if (m == n) {
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, ftz4(binop(op, v128.load(a + o), v128.load(b + o))));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, ftz(binopScalar(op, load<f32>(a + o), load<f32>(b + o))));
    }
    return;
  }
  for (let r = 0; r < n; r += m) {
    const full = a + (<usize>r << 2), dst = out + (<usize>r << 2);
    let j = 0;
    for (; j + 4 <= m; j += 4) {
      const o = <usize>j << 2;
      const x = v128.load(full + o), y = v128.load((rowIsA ? a : b) + o);
      v128.store(dst + o, ftz4(rowIsA ? binop(op, y, v128.load(b + (<usize>r << 2) + o)) : binop(op, x, y)));
    }
    for (; j < m; j++) {
      const o = <usize>j << 2;
      const v = rowIsA
        ? binopScalar(op, load<f32>(a + o), load<f32>(b + (<usize>r << 2) + o))
        : binopScalar(op, load<f32>(full + o), load<f32>(b + o));
      store<f32>(dst + o, ftz(v));
    }
  }
}

// out[o, c, i] = a[o, c, i] (op) b[c] over `[outer, mid, inner]` (a per-channel operand of
// NCHW maps); smallIsA swaps roles: out = a[c] (op) b[o, c, i].
export function f32_vbinary_mid__wasmsimd(op: i32, a: usize, b: usize, out: usize, outer: i32, mid: i32, inner: i32, smallIsA: bool): void {
  const full = smallIsA ? b : a, small = smallIsA ? a : b;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < mid; c++) {
      const base = <usize>((o * mid + c) * inner) << 2;
      const sv = load<f32>(small + (<usize>c << 2)), s4 = f32x4.splat(sv);
      const src = full + base, dst = out + base;
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const q = <usize>i << 2, x = v128.load(src + q);
        v128.store(dst + q, ftz4(smallIsA ? binop(op, s4, x) : binop(op, x, s4)));
      }
      for (; i < inner; i++) {
        const q = <usize>i << 2, x = load<f32>(src + q);
        store<f32>(dst + q, ftz(smallIsA ? binopScalar(op, sv, x) : binopScalar(op, x, sv)));
      }
    }
  }
}

// out = x*mul + add.
export function f32_vaffine__wasmsimd(x: usize, out: usize, n: i32, mul: f32, add: f32): void {
  const mv = f32x4.splat(mul), av = f32x4.splat(add);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, ftz4(f32x4.add(f32x4.mul(v128.load(x + o), mv), av)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, ftz(load<f32>(x + o) * mul + add));
  }
}

const GELU_C: f32 = 0.7978845608028654;
const GELU_A: f32 = 0.044715;

// Logistic 1/(1 + e^-x) without overflow.
// @ts-ignore: decorator
@inline function sigmoidScalar(x: f32): f32 {
  if (x >= 0) return 1 / (1 + Mathf.exp(-x));
  const e = Mathf.exp(x);
  return e / (1 + e);
}

// @ts-ignore: decorator
@inline function unaryScalar(op: i32, x: f32): f32 {
  switch (op) {
    case UNARY_NEG: return -x;
    case UNARY_EXP: return Mathf.exp(x);
    case UNARY_LOG: return Mathf.log(x);
    case UNARY_SQRT: return Mathf.sqrt(x);
    case UNARY_ABS: return Mathf.abs(x);
    case UNARY_SQUARE: return x * x;
    case UNARY_RECIPROCAL: return 1 / x;
    case UNARY_RELU: return x > 0 ? x : (x == x ? 0 : x);
    case UNARY_STEP: return x > 0 ? 1 : (x == x ? 0 : x);
    case UNARY_GELU: return 0.5 * x * (1 + Mathf.tanh(GELU_C * (x + GELU_A * x * x * x)));
    case UNARY_GELU_GRAD: {
      const t = Mathf.tanh(GELU_C * (x + GELU_A * x * x * x));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * x * x);
    }
    case UNARY_TANH: return Mathf.tanh(x);
    case UNARY_SILU: return x * sigmoidScalar(x);
    case UNARY_SILU_GRAD: {
      const s = sigmoidScalar(x);
      return s * (1 + x * (1 - s));
    }
    case UNARY_HARDSWISH: return x < -3 ? 0 : x > 3 ? x : x * (x + 3) / 6;
    case UNARY_HARDSWISH_GRAD: return x < -3 ? 0 : x > 3 ? 1 : x / 3 + 0.5;
    case UNARY_SIGMOID:
    default: return sigmoidScalar(x);
  }
}

// tanh(z) = 1 − 2/(e^{2z} + 1) on 4 lanes (saturates to ±1 for large |z|).
// @ts-ignore: decorator
@inline function tanhx4(z: v128): v128 {
  const e = expx4(f32x4.add(z, z));
  return f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
}

// GELU (tanh form) and its derivative on 4 lanes.
// @ts-ignore: decorator
@inline function geluLanes(op: i32, v: v128): v128 {
  const x2 = f32x4.mul(v, v);
  const z = f32x4.mul(f32x4.splat(GELU_C), f32x4.add(v, f32x4.mul(f32x4.splat(GELU_A), f32x4.mul(x2, v))));
  const t = tanhx4(z);
  const half = f32x4.splat(0.5);
  if (op == UNARY_GELU) return f32x4.mul(f32x4.mul(half, v), f32x4.add(f32x4.splat(1), t));
  const dz = f32x4.mul(f32x4.splat(GELU_C), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(3 * GELU_A), x2)));
  return f32x4.add(
    f32x4.mul(half, f32x4.add(f32x4.splat(1), t)),
    f32x4.mul(f32x4.mul(f32x4.mul(half, v), f32x4.sub(f32x4.splat(1), f32x4.mul(t, t))), dz),
  );
}

// exp, tanh, sigmoid, SiLU and SiLU' on 4 lanes (through expx4).
// @ts-ignore: decorator
@inline function expLanes(op: i32, v: v128): v128 {
  if (op == UNARY_EXP) return expx4(v);
  if (op == UNARY_TANH) return tanhx4(v);
  const one = f32x4.splat(1);
  const s = f32x4.div(one, f32x4.add(one, expx4(f32x4.neg(v))));
  if (op == UNARY_SIGMOID) return s;
  if (op == UNARY_SILU) return f32x4.mul(v, s);
  return f32x4.mul(s, f32x4.add(one, f32x4.mul(v, f32x4.sub(one, s)))); // UNARY_SILU_GRAD
}

// out[i] = f(x[i]); relu, step, neg, abs, square, sqrt, exp, tanh, sigmoid, SiLU, GELU and
// their derivatives run 4 lanes at a time.
export function f32_vunary__wasmsimd(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  if (op == UNARY_GELU || op == UNARY_GELU_GRAD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, ftz4(geluLanes(op, v128.load(x + o))));
    }
  }
  if (op == UNARY_EXP || op == UNARY_TANH || op == UNARY_SIGMOID || op == UNARY_SILU || op == UNARY_SILU_GRAD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, ftz4(expLanes(op, v128.load(x + o))));
    }
  }
  if (op == UNARY_RELU || op == UNARY_NEG || op == UNARY_ABS || op == UNARY_SQUARE || op == UNARY_SQRT) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      let r: v128;
      if (op == UNARY_RELU) r = v128.bitselect(v, zero, f32x4.gt(v, zero)); // NaN lanes: gt is false → 0; fixed below
      else if (op == UNARY_NEG) r = f32x4.neg(v);
      else if (op == UNARY_ABS) r = f32x4.abs(v);
      else if (op == UNARY_SQUARE) r = f32x4.mul(v, v);
      else r = f32x4.sqrt(v);
      if (op == UNARY_RELU) r = v128.bitselect(v, r, f32x4.ne(v, v)); // keep NaN
      v128.store(out + o, ftz4(r));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, ftz(unaryScalar(op, load<f32>(x + o))));
  }
}
