/**
 * CompensatedLayerNorm loops of the reference backend (the oracle of the Wasm kernels):
 * statistics in float64 over the channel axis of an `[n, c, p]` view, see
 * {@linkcode ClnParams}.
 *
 * @module
 */
import type { ClnParams } from "../backend.ts";
import type { TypedArray } from "../../tensor/dtype.ts";

/** Mean and 1/sqrt(σ² + eps) at offset `o` (channel stride `p.p`), compensated. */
function stats(x: TypedArray, o: number, p: ClnParams): [number, number] {
  const r = p.width - p.c;
  let s = 0;
  for (let ch = 0; ch < p.c; ch++) s += x[o + ch * p.p];
  const mu = (s + r * p.kbar) / p.width;
  let v = 0;
  for (let ch = 0; ch < p.c; ch++) v += (x[o + ch * p.p] - mu) ** 2;
  return [mu, 1 / Math.sqrt((v + p.m2 + r * (p.kbar - mu) ** 2) / p.width + p.eps)];
}

/** Calls `fn(o)` with the offset of each image and position. */
function positions(p: ClnParams, fn: (o: number) => void): void {
  for (let i = 0; i < p.n; i++) for (let q = 0; q < p.p; q++) fn(i * p.c * p.p + q);
}

/** `out = (x − μ)·rstd·gamma + beta`. */
export function clnLoop(
  x: TypedArray,
  gamma: TypedArray,
  beta: TypedArray,
  out: TypedArray,
  p: ClnParams,
): void {
  positions(p, (o) => {
    const [mu, rstd] = stats(x, o, p);
    for (let ch = 0; ch < p.c; ch++) {
      const at = o + ch * p.p;
      out[at] = (x[at] - mu) * rstd * gamma[ch] + beta[ch];
    }
  });
}

/** `dx = rstd·(g − Σg/d − x̂·Σ(g·x̂)/d)` with `g = dy·gamma`, and `dyXhat = dy·x̂`. */
export function clnGradLoop(
  x: TypedArray,
  gamma: TypedArray,
  dy: TypedArray,
  dx: TypedArray,
  dyXhat: TypedArray,
  p: ClnParams,
): void {
  positions(p, (o) => {
    const [mu, rstd] = stats(x, o, p);
    let sg = 0, sgx = 0;
    for (let ch = 0; ch < p.c; ch++) {
      const at = o + ch * p.p, xhat = (x[at] - mu) * rstd, g = dy[at] * gamma[ch];
      sg += g;
      sgx += g * xhat;
      dyXhat[at] = dy[at] * xhat;
    }
    for (let ch = 0; ch < p.c; ch++) {
      const at = o + ch * p.p, xhat = (x[at] - mu) * rstd, g = dy[at] * gamma[ch];
      dx[at] = rstd * (g - sg / p.width - xhat * sgx / p.width);
    }
  });
}
