/**
 * The statistics a CompensatedLayerNorm keeps of the constant channels minimization
 * removed from it (METHOD.md): how many (`r`), their mean `k̄` and their centred sum of
 * squares `M2 = Σ (k_j − k̄)²`. Every term the normalization adds from them is ≥ 0, so
 * float32 never cancels them into a negative variance; further folds merge by the
 * parallel-variance update (Chan et al.), never through raw sums.
 *
 * @module
 */

/** Removed constants of a CompensatedLayerNorm: count, mean and centred sum of squares. */
export interface RemovedStats {
  /** How many constant channels were removed. */
  r: number;
  /** Their mean `k̄` (0 when `r` is 0). */
  kbar: number;
  /** `Σ (k_j − k̄)²` over them (0 when `r` ≤ 1). */
  m2: number;
}

/**
 * The statistics of `a` with the constants `values` folded in: the new values' own mean
 * and centred sum of squares (two passes, float64), merged by Chan's update.
 *
 * @example
 * ```ts
 * import { mergeRemoved } from "./compensation.ts";
 * const s = mergeRemoved(mergeRemoved({ r: 0, kbar: 0, m2: 0 }, [1, 3]), [5]);
 * console.assert(s.r === 3 && s.kbar === 3 && s.m2 === 8);
 * ```
 */
export function mergeRemoved(a: RemovedStats, values: readonly number[]): RemovedStats {
  const rb = values.length;
  if (rb === 0) return { ...a };
  let kb = 0;
  for (const v of values) kb += v;
  kb /= rb;
  let m2b = 0;
  for (const v of values) m2b += (v - kb) * (v - kb);
  if (a.r === 0) return { r: rb, kbar: kb, m2: m2b };
  const r = a.r + rb, delta = kb - a.kbar;
  return { r, kbar: a.kbar + delta * rb / r, m2: a.m2 + m2b + delta * delta * a.r * rb / r };
}

/**
 * Converts the raw sums of graph version 1 (`S1 = Σk`, `S2 = Σk²` over `r` removed
 * constants) to the centred form, in float64 (`M2` clamped at 0 against rounding).
 *
 * @example
 * ```ts
 * import { removedFromRawSums } from "./compensation.ts";
 * const s = removedFromRawSums(2, 4, 10); // constants 1 and 3
 * console.assert(s.kbar === 2 && s.m2 === 2);
 * ```
 */
export function removedFromRawSums(r: number, s1: number, s2: number): RemovedStats {
  if (r === 0) return { r: 0, kbar: 0, m2: 0 };
  const kbar = s1 / r;
  return { r, kbar, m2: Math.max(0, s2 - s1 * kbar) };
}

/**
 * Mean and biased variance, over the original `width` channels, of the kept values `kept`
 * and the removed constants `s` (float64, the centred form): what a CompensatedLayerNorm
 * normalizes with.
 *
 * @example
 * ```ts
 * import { compensatedMoments } from "./compensation.ts";
 * const { mean, variance } = compensatedMoments([1, 3], { r: 1, kbar: 2, m2: 0 }, 3);
 * console.assert(mean === 2 && Math.abs(variance - 2 / 3) < 1e-15);
 * ```
 */
export function compensatedMoments(
  kept: readonly number[],
  s: RemovedStats,
  width: number,
): { mean: number; variance: number } {
  let sum = s.r * s.kbar;
  for (const v of kept) sum += v;
  const mean = sum / width;
  let q = s.m2 + s.r * (s.kbar - mean) * (s.kbar - mean);
  for (const v of kept) q += (v - mean) * (v - mean);
  return { mean, variance: q / width };
}
