// CompensatedLayerNorm over the channel axis of an [n, c, p] view (p positions per image,
// channel stride p; rows of c when p == 1), METHOD.md: the LayerNorm of the original d
// channels from the c kept ones and the r = d − c removed constants (mean kbar, centred sum
// of squares m2): μ = (Σx + r·kbar)/d, σ² = (Σ(x − μ)² + m2 + r·(kbar − μ)²)/d. Statistics
// in f64, the affine map in f32 lanes, four positions at a time (scalar for the rest).
// `params` points at f64 [d, kbar, m2, eps] (call records carry integers only).
// Results are stored flushed (flush.ts).

import { ftz, ftz4 } from "./flush";

// @ts-ignore: decorator
@inline function param(params: usize, i: i32): f64 {
  return load<f64>(params + (<usize>i << 3));
}

// Mean and 1/sqrt(σ² + eps) of the channels of position q of image base (scalar).
// @ts-ignore: decorator
@inline function statsAt(x: usize, c: i32, p: i32, params: usize): v128 {
  const d = param(params, 0), kbar = param(params, 1), m2 = param(params, 2), eps = param(params, 3);
  const r = d - <f64>c;
  let s: f64 = 0;
  for (let ch = 0; ch < c; ch++) s += <f64>load<f32>(x + (<usize>(ch * p) << 2));
  const mu = (s + r * kbar) / d;
  let v: f64 = 0;
  for (let ch = 0; ch < c; ch++) {
    const t = <f64>load<f32>(x + (<usize>(ch * p) << 2)) - mu;
    v += t * t;
  }
  const k = kbar - mu;
  const rstd = 1 / Math.sqrt((v + m2 + r * k * k) / d + eps);
  return f64x2.replace_lane(f64x2.splat(mu), 1, rstd);
}

// 1/sqrt(σ² + eps) of the four positions of the last stats4 (a global is per thread: each
// worker instantiates the module on the shared memory).
let rstd4: v128 = f32x4.splat(0);

// Mean (returned) and 1/sqrt(σ² + eps) (in rstd4) of four positions starting at x (channel
// stride p), as f32 lanes.
// @ts-ignore: decorator
@inline function stats4(x: usize, c: i32, p: i32, params: usize): v128 {
  const d = f64x2.splat(param(params, 0)), kbar = f64x2.splat(param(params, 1));
  const m2 = f64x2.splat(param(params, 2)), eps = f64x2.splat(param(params, 3));
  const r = f64x2.sub(d, f64x2.splat(<f64>c));
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  for (let ch = 0; ch < c; ch++) {
    const v = v128.load(x + (<usize>(ch * p) << 2));
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  }
  const rk = f64x2.mul(r, kbar);
  const mu0 = f64x2.div(f64x2.add(s0, rk), d), mu1 = f64x2.div(f64x2.add(s1, rk), d);
  let v0 = f64x2.splat(0), v1 = f64x2.splat(0);
  for (let ch = 0; ch < c; ch++) {
    const v = v128.load(x + (<usize>(ch * p) << 2));
    const t0 = f64x2.sub(f64x2.promote_low_f32x4(v), mu0);
    const t1 = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), mu1);
    v0 = f64x2.add(v0, f64x2.mul(t0, t0));
    v1 = f64x2.add(v1, f64x2.mul(t1, t1));
  }
  const k0 = f64x2.sub(kbar, mu0), k1 = f64x2.sub(kbar, mu1);
  const one = f64x2.splat(1);
  const r0 = f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(f64x2.add(f64x2.add(v0, m2), f64x2.mul(r, f64x2.mul(k0, k0))), d), eps)));
  const r1 = f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(f64x2.add(f64x2.add(v1, m2), f64x2.mul(r, f64x2.mul(k1, k1))), d), eps)));
  rstd4 = v128.shuffle<f32>(f32x4.demote_f64x2_zero(r0), f32x4.demote_f64x2_zero(r1), 0, 1, 4, 5);
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(mu0), f32x4.demote_f64x2_zero(mu1), 0, 1, 4, 5);
}

// out[i, j, q] = (x[i, j, q] − μ)·rstd·gamma[j] + beta[j] for n images of c channels and p
// positions (every channel has an output).
export function f32_cln_forward(x: usize, gamma: usize, beta: usize, out: usize, n: i32, c: i32, p: i32, params: usize): void {
  for (let i = 0; i < n; i++) {
    const xi = x + (<usize>(i * c * p) << 2), oi = out + (<usize>(i * c * p) << 2);
    let q = 0;
    for (; q + 4 <= p; q += 4) {
      const xq = xi + (<usize>q << 2), oq = oi + (<usize>q << 2);
      const mu = stats4(xq, c, p, params);
      const rstd = rstd4;
      for (let ch = 0; ch < c; ch++) {
        const o = <usize>(ch * p) << 2;
        const xhat = f32x4.mul(f32x4.sub(v128.load(xq + o), mu), rstd);
        const g = f32x4.splat(load<f32>(gamma + (<usize>ch << 2))), b = f32x4.splat(load<f32>(beta + (<usize>ch << 2)));
        v128.store(oq + o, ftz4(f32x4.add(f32x4.mul(xhat, g), b)));
      }
    }
    for (; q < p; q++) {
      const xq = xi + (<usize>q << 2), oq = oi + (<usize>q << 2);
      const st = statsAt(xq, c, p, params);
      const mu = f64x2.extract_lane(st, 0), rstd = f64x2.extract_lane(st, 1);
      for (let ch = 0; ch < c; ch++) {
        const o = <usize>(ch * p) << 2;
        const xhat = <f32>((<f64>load<f32>(xq + o) - mu) * rstd);
        store<f32>(oq + o, ftz(xhat * load<f32>(gamma + (<usize>ch << 2)) + load<f32>(beta + (<usize>ch << 2))));
      }
    }
  }
}

// Input gradient of f32_cln_forward, and dy·x̂ for the gradient of gamma (summed by the
// caller): with g = dy·gamma, dx = rstd·(g − Σg/d − x̂·Σ(g·x̂)/d), sums over the kept
// channels (the removed constants have no output, so no gradient reaches them).
export function f32_cln_backward(x: usize, gamma: usize, dy: usize, dx: usize, dyxhat: usize, n: i32, c: i32, p: i32, params: usize): void {
  const invd = <f32>(1 / param(params, 0));
  for (let i = 0; i < n; i++) {
    const off = <usize>(i * c * p) << 2;
    const xi = x + off, dyi = dy + off, dxi = dx + off, hi = dyxhat + off;
    let q = 0;
    for (; q + 4 <= p; q += 4) {
      const qo = <usize>q << 2;
      const mu = stats4(xi + qo, c, p, params);
      const rstd = rstd4;
      let sg = f32x4.splat(0), sgx = f32x4.splat(0);
      for (let ch = 0; ch < c; ch++) {
        const o = qo + (<usize>(ch * p) << 2);
        const xhat = f32x4.mul(f32x4.sub(v128.load(xi + o), mu), rstd);
        const d = v128.load(dyi + o);
        const g = f32x4.mul(d, f32x4.splat(load<f32>(gamma + (<usize>ch << 2))));
        sg = f32x4.add(sg, g);
        sgx = f32x4.add(sgx, f32x4.mul(g, xhat));
        v128.store(hi + o, ftz4(f32x4.mul(d, xhat)));
      }
      const a = f32x4.mul(sg, f32x4.splat(invd)), b = f32x4.mul(sgx, f32x4.splat(invd));
      for (let ch = 0; ch < c; ch++) {
        const o = qo + (<usize>(ch * p) << 2);
        const xhat = f32x4.mul(f32x4.sub(v128.load(xi + o), mu), rstd);
        const g = f32x4.mul(v128.load(dyi + o), f32x4.splat(load<f32>(gamma + (<usize>ch << 2))));
        v128.store(dxi + o, ftz4(f32x4.mul(rstd, f32x4.sub(f32x4.sub(g, a), f32x4.mul(xhat, b)))));
      }
    }
    for (; q < p; q++) {
      const qo = <usize>q << 2;
      const st = statsAt(xi + qo, c, p, params);
      const mu = <f32>f64x2.extract_lane(st, 0), rstd = <f32>f64x2.extract_lane(st, 1);
      let sg: f32 = 0, sgx: f32 = 0;
      for (let ch = 0; ch < c; ch++) {
        const o = qo + (<usize>(ch * p) << 2);
        const xhat = (load<f32>(xi + o) - mu) * rstd;
        const d = load<f32>(dyi + o);
        const g = d * load<f32>(gamma + (<usize>ch << 2));
        sg += g;
        sgx += g * xhat;
        store<f32>(hi + o, ftz(d * xhat));
      }
      const a = sg * invd, b = sgx * invd;
      for (let ch = 0; ch < c; ch++) {
        const o = qo + (<usize>(ch * p) << 2);
        const xhat = (load<f32>(xi + o) - mu) * rstd;
        const g = load<f32>(dyi + o) * load<f32>(gamma + (<usize>ch << 2));
        store<f32>(dxi + o, ftz(rstd * (g - a - xhat * b)));
      }
    }
  }
}
