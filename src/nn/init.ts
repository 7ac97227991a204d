/**
 * Seeded weight initializers. Fan-in/fan-out follow PyTorch: for a `[out, in, ...k]`
 * weight, fanIn = in·prod(k), fanOut = out·prod(k).
 *
 * @module
 */
import type { Rng } from "../tensor/random.ts";
import type { Shape } from "../tensor/shape.ts";

/** Names of the available initializers. */
export type InitKind = "kaiming_normal" | "kaiming_uniform" | "xavier_normal" | "xavier_uniform";

/** `[fanIn, fanOut]` of a weight shape. */
export function fans(shape: Shape): [number, number] {
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  const rf = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1] * rf, shape[0] * rf];
}

/**
 * Fills a new Float32Array for `shape` with the named initializer. Kaiming uses the ReLU
 * gain √2 on fan-in; Xavier uses fan-in + fan-out.
 *
 * @example
 * ```ts
 * import { Rng } from "../tensor/random.ts";
 * import { initWeights } from "./init.ts";
 * const w = initWeights([300, 784], "kaiming_normal", new Rng(0));
 * console.assert(w.length === 300 * 784);
 * ```
 */
export function initWeights(shape: Shape, kind: InitKind, rng: Rng): Float32Array {
  const [fanIn, fanOut] = fans(shape);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const std = kind.startsWith("kaiming") ? Math.sqrt(2 / fanIn) : Math.sqrt(2 / (fanIn + fanOut));
  if (kind.endsWith("normal")) {
    for (let i = 0; i < n; i++) out[i] = std * rng.normal();
  } else {
    const bound = std * Math.sqrt(3);
    for (let i = 0; i < n; i++) out[i] = (2 * rng.uniform() - 1) * bound;
  }
  return out;
}
