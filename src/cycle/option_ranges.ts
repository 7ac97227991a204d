/**
 * Valid ranges of numeric options, stated once: {@linkcode resolveCycleOptions} and the
 * command line check against them and print them in their errors.
 *
 * @module
 */
import type { CycleOptions } from "./options.ts";

/** A closed, open or half-open interval, optionally of integers. */
export interface NumberRange {
  /** Lower bound (default −∞). */
  min?: number;
  /** Upper bound (default +∞). */
  max?: number;
  /** Whether `min` itself is excluded. */
  minOpen?: boolean;
  /** Whether `max` itself is excluded. */
  maxOpen?: boolean;
  /** Integers only. */
  int?: boolean;
}

/**
 * Whether `v` is a finite number inside `r`.
 *
 * @example
 * ```ts
 * import { inRange } from "./option_ranges.ts";
 * console.assert(inRange(0.5, { min: 0, max: 1, minOpen: true }) && !inRange(0, { min: 0, minOpen: true }));
 * ```
 */
export function inRange(v: number, r: NumberRange): boolean {
  const { min = -Infinity, max = Infinity } = r;
  return typeof v === "number" && Number.isFinite(v) && (!r.int || Number.isInteger(v)) &&
    (r.minOpen ? v > min : v >= min) && (r.maxOpen ? v < max : v <= max);
}

/**
 * The range in words: `an integer in [1, 1000]`, `a number in (0, 1)`, `a number ≥ 0`.
 *
 * @example
 * ```ts
 * import { describeRange } from "./option_ranges.ts";
 * console.assert(describeRange({ min: 0, max: 1, maxOpen: true }) === "a number in [0, 1)");
 * ```
 */
export function describeRange(r: NumberRange): string {
  const kind = r.int ? "an integer" : "a number";
  const lo = r.min ?? -Infinity, hi = r.max ?? Infinity;
  if (lo === -Infinity && hi === Infinity) return kind;
  if (hi === Infinity) return `${kind} ${r.minOpen ? ">" : "≥"} ${lo}`;
  if (lo === -Infinity) return `${kind} ${r.maxOpen ? "<" : "≤"} ${hi}`;
  return `${kind} in ${r.minOpen ? "(" : "["}${lo}, ${hi}${r.maxOpen ? ")" : "]"}`;
}

/** The numeric options of the cycle. */
export type NumericCycleOption = {
  [K in keyof CycleOptions]: CycleOptions[K] extends number ? K : never;
}[keyof CycleOptions];

/** The valid range of every numeric cycle option. */
export const CYCLE_OPTION_RANGES: Readonly<Record<NumericCycleOption, NumberRange>> = {
  seed: { min: 0, max: 2 ** 32 - 1, int: true },
  denseEpochs: { min: 0, max: 1000, int: true },
  denseLr: { min: 0, max: 10, minOpen: true },
  fineTuneEpochs: { min: 0, max: 1000, int: true },
  trainEpochs: { min: 0, max: 1000, int: true },
  lr: { min: 0, max: 10, minOpen: true },
  batchSize: { min: 1, max: 60000, int: true },
  unitFraction: { min: 0, max: 1, maxOpen: true },
  inputFraction: { min: 0, max: 1, maxOpen: true },
  budgetFraction: { min: 0, max: 1, minOpen: true, maxOpen: true },
  lambda: { min: 0, max: 10 },
  alpha: { min: 0, max: 10 },
  releaseMaxChange: { min: 0, max: 10, minOpen: true },
  accuracyBudget: { min: 0, max: 100 },
  patience: { min: 1, max: 1000, int: true },
  maxCycles: { min: 1, max: 1000, int: true },
  backtrack: { min: 0, max: 100, int: true },
  backtrackFactor: { min: 0, max: 1, minOpen: true, maxOpen: true },
};
