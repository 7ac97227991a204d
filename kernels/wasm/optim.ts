// Optimizer updates in place (same formulas as the reference backend).

export function f32_sgd(w: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, wd: f32, nesterov: bool): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    let d = load<f32>(g + o) + wd * wi;
    if (v != 0) {
      const vi = momentum * load<f32>(v + o) + d;
      store<f32>(v + o, vi);
      d = nesterov ? d + momentum * vi : vi;
    }
    store<f32>(w + o, wi - lr * d);
  }
}

export function f32_adamw(
  w: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, c1: f32, c2: f32,
): void {
  const decay: f32 = 1 - lr * wd;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = beta1 * load<f32>(m + o) + (1 - beta1) * gi;
    const vi = beta2 * load<f32>(v + o) + (1 - beta2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(w + o, load<f32>(w + o) * decay - (lr * (mi / c1)) / (Mathf.sqrt(vi / c2) + eps));
  }
}
