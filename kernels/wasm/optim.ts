// Optimizer updates in place (same formulas and rounding as the reference backend's float32
// path: plain multiply and add, 4 lanes at a time, then a scalar tail). The weights and
// the optimizer state are stored flushed (flush.ts): decaying moments (m ← β₁m of a dead
// unit, v ← β₂v + g² of tiny gradients) and weights driven to zero by a regularizer would
// otherwise sink into the subnormal range and stay there. (The gradient, a kernel's
// output, is already flushed.)

import { ftz, ftz4, ftzPositive4 } from "./flush";

export function f32_sgd(w: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, wd: f32, nesterov: bool): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    let d = load<f32>(g + o) + wd * wi;
    if (v != 0) {
      const vi = ftz(momentum * load<f32>(v + o) + d);
      store<f32>(v + o, vi);
      d = nesterov ? d + momentum * vi : vi;
    }
    store<f32>(w + o, ftz(wi - lr * d));
  }
}

export function f32_adamw(
  w: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, c1: f32, c2: f32,
): void {
  const decay: f32 = 1 - lr * wd;
  const ob1: f32 = 1 - beta1, ob2: f32 = 1 - beta2;
  const vb1 = f32x4.splat(beta1), vb2 = f32x4.splat(beta2), vo1 = f32x4.splat(ob1), vo2 = f32x4.splat(ob2);
  const vdec = f32x4.splat(decay), vlr = f32x4.splat(lr), vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2), veps = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = ftz4(f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vo1, gi)));
    const vi = ftzPositive4(f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(f32x4.mul(vo2, gi), gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const step = f32x4.div(f32x4.mul(vlr, f32x4.div(mi, vc1)), f32x4.add(f32x4.sqrt(f32x4.div(vi, vc2)), veps));
    v128.store(w + o, ftz4(f32x4.sub(f32x4.mul(v128.load(w + o), vdec), step)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = ftz(beta1 * load<f32>(m + o) + ob1 * gi);
    const vi = ftz(beta2 * load<f32>(v + o) + ob2 * gi * gi);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(w + o, ftz(load<f32>(w + o) * decay - (lr * (mi / c1)) / (Mathf.sqrt(vi / c2) + eps)));
  }
}
