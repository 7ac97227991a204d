import { splitValidation } from "./dataset.ts";
import type { Dataset } from "./dataset.ts";
import { loadFashionMnist } from "./fashion_mnist.ts";
import { loadMnist } from "./mnist.ts";
import { Rng } from "../tensor/random.ts";

/** Image sets the package ships. */
export type DatasetName = "mnist" | "fashion";

/** Train, validation (held out of train) and test splits. */
export interface Splits {
  /** Training images (validation removed). */
  train: Dataset;
  /** Held-out validation images (decisions). */
  validation: Dataset;
  /** Test images (reported). */
  test: Dataset;
}

/**
 * Loads MNIST or Fashion-MNIST (split 60k/10k with seed 0) and holds `validation` training
 * images out with `Rng(seed)`: the splits every command and benchmark use.
 *
 * @example
 * ```ts ignore
 * import { loadSplits } from "./load.ts";
 * const { train, validation } = await loadSplits("fashion", 5000, 0);
 * console.assert(train.labels.length === 55000 && validation.labels.length === 5000);
 * ```
 */
export async function loadSplits(
  name: DatasetName,
  validation: number,
  seed: number,
): Promise<Splits> {
  const { train: all, test } = name === "mnist"
    ? { train: await loadMnist("train"), test: await loadMnist("test") }
    : await loadFashionMnist({ seed: 0 });
  return { ...splitValidation(all, validation, new Rng(seed)), test };
}
