import type { ImportanceKind } from "../prune/importance.ts";
import type { RegularizerKind } from "../prune/regularizers.ts";

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
});

/** Fills defaults and validates ranges; throws a `RangeError` naming the option. */
export function resolveCycleOptions(partial: Partial<CycleOptions> = {}): CycleOptions {
  const o: CycleOptions = {
    ...DEFAULT_CYCLE_OPTIONS,
    ...partial,
    excludeLayers: [...(partial.excludeLayers ?? [])],
  };
  const check = (k: keyof CycleOptions, ok: boolean) => {
    if (!ok) throw new RangeError(`cycle: option ${k} is out of range: ${JSON.stringify(o[k])}`);
  };
  const int = (v: number, min: number) => Number.isInteger(v) && v >= min;
  check("seed", int(o.seed, 0));
  check("denseEpochs", int(o.denseEpochs, 0));
  check("fineTuneEpochs", int(o.fineTuneEpochs, 0));
  check("trainEpochs", int(o.trainEpochs, 0));
  check("batchSize", int(o.batchSize, 1));
  check("maxCycles", int(o.maxCycles, 1));
  check("patience", int(o.patience, 1));
  check("denseLr", o.denseLr > 0);
  check("lr", o.lr > 0);
  check("unitFraction", o.unitFraction >= 0 && o.unitFraction < 1);
  check("inputFraction", o.inputFraction >= 0 && o.inputFraction < 1);
  check("budgetFraction", o.budgetFraction > 0 && o.budgetFraction < 1);
  check("lambda", o.lambda >= 0);
  check("alpha", o.alpha >= 0);
  check("releaseMaxChange", o.releaseMaxChange > 0);
  check("accuracyBudget", o.accuracyBudget >= 0);
  check("importance", ["magnitude", "unit"].includes(o.importance));
  check("regularizer", ["group_lasso", "l1", "l2", "none"].includes(o.regularizer));
  return o;
}
