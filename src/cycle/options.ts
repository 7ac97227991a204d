import type { ImportanceKind } from "../prune/importance.ts";
import type { RegularizerKind } from "../prune/regularizers.ts";
import {
  CYCLE_OPTION_RANGES,
  describeRange,
  inRange,
  type NumberRange,
  type NumericCycleOption,
} from "./option_ranges.ts";

/** Importance criteria the cycle accepts. */
export const CYCLE_IMPORTANCES: readonly ImportanceKind[] = ["unit", "magnitude"];
/** Regularizers the cycle accepts. */
export const CYCLE_REGULARIZERS: readonly RegularizerKind[] = ["group_lasso", "l1", "l2", "none"];

/**
 * Options of the Squeeze-Release cycle. Defaults are METHOD.md's recipe for
 * LeNet-300-100 ("the recipe that makes units die").
 */
export interface CycleOptions {
  /** Seed of init, split, shuffling and release noise. @default 0 */
  seed: number;
  /** Epochs of the dense phase (with the regularizer); 0 when starting from a trained model. @default 10 */
  denseEpochs: number;
  /** Peak learning rate of the dense phase (AdamW, cosine). @default 1e-3 */
  denseLr: number;
  /** Fine-tune epochs after each prune, masks held, no regularizer. @default 2 */
  fineTuneEpochs: number;
  /** Train epochs after each release, masks off, regularizer on. @default 2 */
  trainEpochs: number;
  /** Peak learning rate of fine-tune and train phases (AdamW, cosine per phase). @default 5e-4 */
  lr: number;
  /** Batch size. @default 128 */
  batchSize: number;
  /** Structured step: fraction of alive hidden units zeroed per layer each cycle. @default 0.15 */
  unitFraction: number;
  /** Structured step: fraction of alive input features zeroed each cycle. @default 0.07 */
  inputFraction: number;
  /** Geometric budget: each cycle keeps at most (1 − p) of the previous cycle's nonzeros. @default 0.2 */
  budgetFraction: number;
  /** Weight-level importance (`unit` or `magnitude`; Taylor needs gradients, see `importanceScores`). @default "unit" */
  importance: ImportanceKind;
  /** Linear layers excluded from weight-level pruning (indices; −1 = last). @default [] */
  excludeLayers: number[];
  /** Regularizer of the dense and train phases. @default "group_lasso" */
  regularizer: RegularizerKind;
  /** Regularizer strength λ (calibrated here: the regularized dense phase costs ≤ 0.3 pp validation; METHOD.md quotes 3e-5 for its own normalization). @default 3e-4 */
  lambda: number;
  /** Release noise scale α (0 disables release). @default 0.01 */
  alpha: number;
  /** Largest relative output change release may cause before its noise is halved. @default 0.05 */
  releaseMaxChange: number;
  /** Accuracy budget: largest validation-accuracy drop vs the dense model, in percentage points. @default 0.5 */
  accuracyBudget: number;
  /** Stop after this many cycles in a row remove no unit (counted from the first that does). @default 2 */
  patience: number;
  /** Hard limit on cycles. @default 40 */
  maxCycles: number;
  /**
   * Backtracking: after a cycle breaks the accuracy budget, retry from the last accepted
   * model with the step (unit, input and budget fractions) scaled by `backtrackFactor`,
   * up to this many rejected cycles in a row before stopping (0: stop at the first, the
   * rule before backtracking). Default 2: on LeNet-300-100 it gave a larger ratio on each
   * of 3 seeds at the same budget (README, "Studies").
   * @default 2
   */
  backtrack: number;
  /** Step scale applied at each backtrack (kept for the rest of the run). @default 0.5 */
  backtrackFactor: number;
}

/** The defaults of every option. */
export const DEFAULT_CYCLE_OPTIONS: Readonly<CycleOptions> = Object.freeze({
  seed: 0,
  denseEpochs: 10,
  denseLr: 1e-3,
  fineTuneEpochs: 2,
  trainEpochs: 2,
  lr: 5e-4,
  batchSize: 128,
  unitFraction: 0.15,
  inputFraction: 0.07,
  budgetFraction: 0.2,
  importance: "unit",
  excludeLayers: [],
  regularizer: "group_lasso",
  lambda: 3e-4,
  alpha: 0.01,
  releaseMaxChange: 0.05,
  accuracyBudget: 0.5,
  patience: 2,
  maxCycles: 40,
  backtrack: 2,
  backtrackFactor: 0.5,
});

/**
 * Fills defaults and validates ranges ({@linkcode CYCLE_OPTION_RANGES}); throws a
 * `RangeError` naming the option, its valid range and the value.
 *
 * @example
 * ```ts
 * import { resolveCycleOptions } from "./options.ts";
 * console.assert(resolveCycleOptions({ maxCycles: 3 }).budgetFraction === 0.2);
 * ```
 */
export function resolveCycleOptions(partial: Partial<CycleOptions> = {}): CycleOptions {
  const o: CycleOptions = {
    ...DEFAULT_CYCLE_OPTIONS,
    ...partial,
    excludeLayers: [...(partial.excludeLayers ?? [])],
  };
  for (const [k, r] of Object.entries(CYCLE_OPTION_RANGES) as [NumericCycleOption, NumberRange][]) {
    if (!inRange(o[k], r)) {
      throw new RangeError(
        `cycle: option ${k} must be ${describeRange(r)}, got ${JSON.stringify(o[k])}`,
      );
    }
  }
  const oneOf = (k: "importance" | "regularizer", allowed: readonly string[]) => {
    if (!allowed.includes(o[k])) {
      throw new RangeError(
        `cycle: option ${k} must be one of ${allowed.join(", ")}, got ${JSON.stringify(o[k])}`,
      );
    }
  };
  oneOf("importance", CYCLE_IMPORTANCES);
  oneOf("regularizer", CYCLE_REGULARIZERS);
  if (!Array.isArray(o.excludeLayers) || !o.excludeLayers.every(Number.isInteger)) {
    throw new RangeError(
      `cycle: option excludeLayers must be layer indices, got ${JSON.stringify(o.excludeLayers)}`,
    );
  }
  return o;
}
