// Reductions over the middle axis of an [outer, mid, inner] view, and row-wise softmax,
// log-softmax and cross-entropy (softmax sums in f32 lanes, the others accumulate in f64).
// Results are stored flushed (flush.ts).

import { expx4 } from "./math";
import { ftz, ftz4 } from "./flush";
import { REDUCE_SUM } from "./_ids";

// out[o*inner + i] = sum (REDUCE_SUM) or max (REDUCE_MAX) over q of x[(o*mid + q)*inner + i].
export function f32_reduce_mid(op: i32, x: usize, out: usize, outer: i32, mid: i32, inner: i32, acc: usize): void {
  if (inner == 1) {
    // Row reductions (the last axis): the same sums in the same order, kept in a register.
    for (let o = 0; o < outer; o++) {
      const row = x + (<usize>(o * mid) << 2);
      let a: f64 = op == REDUCE_SUM ? 0 : -Infinity;
      if (op == REDUCE_SUM) {
        for (let q = 0; q < mid; q++) a += <f64>load<f32>(row + (<usize>q << 2));
      } else {
        for (let q = 0; q < mid; q++) {
          const v = <f64>load<f32>(row + (<usize>q << 2));
          if (v > a || v != v) a = v;
        }
      }
      store<f32>(out + (<usize>o << 2), ftz(<f32>a));
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) store<f64>(acc + (<usize>i << 3), op == REDUCE_SUM ? 0 : -Infinity);
    for (let q = 0; q < mid; q++) {
      const row = x + (<usize>((o * mid + q) * inner) << 2);
      // Two columns at a time in f64x2 lanes: each element's sum keeps its order (exact).
      let i = 0;
      if (op == REDUCE_SUM) {
        for (; i + 2 <= inner; i += 2) {
          const p = acc + (<usize>i << 3);
          const v = f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>i << 2)));
          v128.store(p, f64x2.add(v128.load(p), v));
        }
      } else {
        for (; i + 2 <= inner; i += 2) {
          const p = acc + (<usize>i << 3);
          const v = f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>i << 2)));
          const cur = v128.load(p);
          v128.store(p, v128.bitselect(v, cur, v128.or(f64x2.gt(v, cur), f64x2.ne(v, v))));
        }
      }
      for (; i < inner; i++) {
        const p = acc + (<usize>i << 3);
        const v = <f64>load<f32>(row + (<usize>i << 2));
        const cur = load<f64>(p);
        store<f64>(p, op == REDUCE_SUM ? cur + v : (v > cur || v != v ? v : cur));
      }
    }
    const dst = out + (<usize>(o * inner) << 2);
    for (let i = 0; i < inner; i++) store<f32>(dst + (<usize>i << 2), ftz(<f32>load<f64>(acc + (<usize>i << 3))));
  }
}

// @ts-ignore: decorator
@inline function rowMax(x: usize, cols: i32): f64 {
  let m: f64 = -Infinity;
  for (let c = 0; c < cols; c++) {
    const v = <f64>load<f32>(x + (<usize>c << 2));
    if (v > m || v != v) m = v;
  }
  return m == -Infinity ? 0 : m;
}

// Row-wise softmax (or log-softmax): e = exp(x - max) 4 lanes at a time (expx4), written
// out and summed in f32 lanes, then scaled by 1/Σe (softmax) or replaced by x - max - log Σe.
export function f32_softmax_rows(x: usize, out: usize, rows: i32, cols: i32, log: bool): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * cols) << 2), orow = out + (<usize>(r * cols) << 2);
    const m = <f32>rowMax(xr, cols), m4 = f32x4.splat(m);
    let acc = f32x4.splat(0);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2, e = expx4(f32x4.sub(v128.load(xr + o), m4));
      v128.store(orow + o, e);
      acc = f32x4.add(acc, e);
    }
    let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; c < cols; c++) {
      const o = <usize>c << 2, e = Mathf.exp(load<f32>(xr + o) - m);
      store<f32>(orow + o, e);
      s += e;
    }
    if (log) {
      const lse = m + <f32>Math.log(<f64>s);
      for (c = 0; c < cols; c++) {
        const o = <usize>c << 2;
        store<f32>(orow + o, ftz(load<f32>(xr + o) - lse));
      }
      continue;
    }
    const inv = f32x4.splat(1 / s);
    for (c = 0; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(orow + o, ftz4(f32x4.mul(v128.load(orow + o), inv)));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(orow + o, ftz(load<f32>(orow + o) * (1 / s)));
    }
  }
}

export function f32_cross_entropy_rows(x: usize, labels: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * cols) << 2);
    const m = rowMax(xr, cols);
    let s: f64 = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(<f64>load<f32>(xr + (<usize>c << 2)) - m);
    const label = load<i32>(labels + (<usize>r << 2));
    store<f32>(out + (<usize>r << 2), ftz(<f32>(m + Math.log(s) - <f64>load<f32>(xr + (<usize>label << 2)))));
  }
}

// Row-wise layer normalization: out = (x - mean) * rsqrt(var + eps) * gamma + beta, with
// the biased variance and f64 statistics.
export function f32_layer_norm_rows(x: usize, gamma: usize, beta: usize, out: usize, rows: i32, cols: i32, eps: f32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * cols) << 2), orow = out + (<usize>(r * cols) << 2);
    let s: f64 = 0;
    for (let c = 0; c < cols; c++) s += <f64>load<f32>(xr + (<usize>c << 2));
    const m = s / <f64>cols;
    let v: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const d = <f64>load<f32>(xr + (<usize>c << 2)) - m;
      v += d * d;
    }
    const rstd = 1 / Math.sqrt(v / <f64>cols + <f64>eps);
    for (let c = 0; c < cols; c++) {
      const q = <usize>c << 2;
      store<f32>(orow + q, ftz(<f32>((<f64>load<f32>(xr + q) - m) * rstd) * load<f32>(gamma + q) + load<f32>(beta + q)));
    }
  }
}
