/**
 * The one prune-and-shrink pass baseline's recipe, shared by `deno task ablate` and
 * `deno task study`.
 *
 * @module
 */
import type { CycleOptions } from "../../src/cycle/options.ts";

/**
 * One cycle straight to sparsity `s`: the weight budget `s`, the structured fractions
 * compounded over the geometric steps the cycle would take to get there, and the cycle's
 * fine-tune and train epochs as one fine-tune.
 *
 * @example
 * ```ts
 * import { onePassOptions } from "./one_pass.ts";
 * const o = onePassOptions({ budgetFraction: 0.2, unitFraction: 0.15, inputFraction: 0.07, fineTuneEpochs: 2, trainEpochs: 2 }, 0.36);
 * console.assert(Math.abs(o.unitFraction - (1 - 0.85 ** 2)) < 1e-12 && o.fineTuneEpochs === 4);
 * ```
 */
export function onePassOptions(
  base: Pick<
    CycleOptions,
    "budgetFraction" | "unitFraction" | "inputFraction" | "fineTuneEpochs" | "trainEpochs"
  >,
  s: number,
): Pick<
  CycleOptions,
  "maxCycles" | "budgetFraction" | "unitFraction" | "inputFraction" | "fineTuneEpochs"
> {
  const steps = Math.log(1 - s) / Math.log(1 - base.budgetFraction);
  return {
    maxCycles: 1,
    budgetFraction: s,
    unitFraction: 1 - Math.pow(1 - base.unitFraction, steps),
    inputFraction: 1 - Math.pow(1 - base.inputFraction, steps),
    fineTuneEpochs: base.fineTuneEpochs + base.trainEpochs,
  };
}
