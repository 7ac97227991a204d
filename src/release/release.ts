/**
 * Release (METHOD.md): the exact zeros left inside the compacted weight tensors become
 * small seeded noise `N(0, (α·rms)²)`, with rms over that tensor's nonzero weights, and
 * every mask is removed so the positions train again. The relative output change on a
 * calibration batch is measured; above `maxChange` the noise is halved and redrawn.
 *
 * @module
 */
import { noGrad } from "../tensor/grad_mode.ts";
import type { GraphModule } from "../graph/graph_module.ts";
import { prunableLayers } from "../prune/chain.ts";
import { clearMasks } from "../prune/masks.ts";
import { Rng } from "../tensor/random.ts";
import { describeNonFinite, nonFiniteParameters } from "../nn/finite.ts";
import type { Tensor } from "../tensor/tensor.ts";

/** Options of {@linkcode release}. */
export interface ReleaseOptions {
  /** Noise scale relative to each tensor's rms of nonzero weights. @default 0.01 */
  alpha?: number;
  /** Seed of the noise. @default 0 */
  seed?: number;
  /** Inputs on which the output change is measured (none: not measured, never scaled). */
  calibration?: Tensor;
  /** Largest accepted relative output change ‖f′(x) − f(x)‖ / ‖f(x)‖. @default 0.05 */
  maxChange?: number;
  /** How many times the noise may be halved. @default 8 */
  maxHalvings?: number;
}

/** What {@linkcode release} did. */
export interface ReleaseReport {
  /** Zeros turned into noise. */
  released: number;
  /** The α finally used (smaller than asked when scaled down). */
  alpha: number;
  /** Relative output change on the calibration batch (NaN when none was given). */
  change: number;
  /** Times the noise was halved. */
  halvings: number;
}

function relativeChange(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += a[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

/**
 * Releases `model` in place and reports what happened. A model holding NaN or ±Infinity
 * is refused with a `RangeError` naming the parameter (noise scaled by such a tensor's
 * rms would be meaningless).
 *
 * @example
 * ```ts
 * import { release } from "./release.ts";
 * import { fromGraph, toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph, params } = toGraph(mlp([4, 3, 2]), [4]);
 * params.get("fc1.weight")!.assign([0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1]);
 * const r = release(fromGraph(graph, params), { seed: 1 });
 * console.assert(r.released === 4 && !params.get("fc1.weight")!.toArray().includes(0));
 * ```
 */
export function release(model: GraphModule, opts: ReleaseOptions = {}): ReleaseReport {
  const alpha0 = opts.alpha ?? 0.01;
  if (!(alpha0 >= 0) || !Number.isFinite(alpha0)) {
    throw new RangeError(`release: alpha must be ≥ 0, got ${alpha0}`);
  }
  const maxChange = opts.maxChange ?? 0.05;
  const maxHalvings = opts.maxHalvings ?? 8;
  const bad = nonFiniteParameters(model)[0];
  if (bad) throw new RangeError(`release: ${describeNonFinite(bad)}`);
  clearMasks(model);
  const layers = prunableLayers(model);
  const originals = layers.map((l) => l.weight.toArray());
  const wasTraining = model.training;
  model.eval();
  const before = opts.calibration ? noGrad(() => model.forward(opts.calibration!).toArray()) : null;
  let alpha = alpha0, halvings = 0, released = 0, change = NaN;
  for (;;) {
    const rng = new Rng(opts.seed ?? 0);
    released = 0;
    layers.forEach((l, i) => {
      const w = originals[i].slice();
      let ss = 0, nz = 0;
      for (const v of w) if (v !== 0) (ss += v * v), nz++;
      const std = alpha * (nz ? Math.sqrt(ss / nz) : 0);
      for (let k = 0; k < w.length; k++) {
        if (w[k] !== 0) continue;
        w[k] = std * rng.normal();
        if (w[k] !== 0) released++;
      }
      l.weight.assign(w);
    });
    if (!before) break;
    change = relativeChange(before, noGrad(() => model.forward(opts.calibration!).toArray()));
    if (change <= maxChange || halvings >= maxHalvings || alpha === 0) break;
    alpha /= 2;
    halvings++;
  }
  model.train(wasTraining);
  return { released, alpha, change, halvings };
}
