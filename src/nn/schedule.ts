/**
 * Learning-rate schedules: functions from the step index (0-based) to a learning rate.
 *
 * @module
 */

/** A learning-rate schedule. */
export type LrSchedule = (step: number) => number;

/** The same rate at every step. */
export function constantLr(lr: number): LrSchedule {
  return () => lr;
}

/** Multiplies the rate by `gamma` every `every` steps. */
export function stepLr(lr: number, every: number, gamma = 0.1): LrSchedule {
  if (!(every >= 1)) throw new RangeError(`stepLr: every must be ≥ 1, got ${every}`);
  return (t) => lr * Math.pow(gamma, Math.floor(t / every));
}

/**
 * Linear warm-up for `warmup` steps, then cosine decay from `lr` to `min` at `total`.
 *
 * @example
 * ```ts
 * import { cosineLr } from "./schedule.ts";
 * const s = cosineLr(1e-3, 100);
 * console.assert(s(0) === 1e-3 && s(100) === 0);
 * ```
 */
export function cosineLr(
  lr: number,
  total: number,
  opts: { warmup?: number; min?: number } = {},
): LrSchedule {
  if (!(total >= 1)) throw new RangeError(`cosineLr: total must be ≥ 1, got ${total}`);
  const warmup = opts.warmup ?? 0, min = opts.min ?? 0;
  return (t) => {
    if (t < warmup) return (lr * (t + 1)) / warmup;
    const p = Math.min(1, (t - warmup) / Math.max(1, total - warmup));
    return min + 0.5 * (lr - min) * (1 + Math.cos(Math.PI * p));
  };
}
