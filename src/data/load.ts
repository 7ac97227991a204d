import { splitValidation } from "./dataset.ts";
import type { Dataset } from "./dataset.ts";
import { loadFashionMnist } from "./fashion_mnist.ts";
import { loadImdb } from "./imdb.ts";
import { loadMnist } from "./mnist.ts";
import { Rng } from "../tensor/random.ts";

/**
 * Data sets the package ships: the images `mnist` and `fashion` (`[1, 28, 28]`), and
 * `imdb`, reviews as `[128]` token ids (see `loadImdb`).
 */
export type DatasetName = "mnist" | "fashion" | "imdb";

/** Train, validation (held out of train) and test splits. */
export interface Splits {
  /** Training samples (validation removed). */
  train: Dataset;
  /** Held-out validation samples (decisions). */
  validation: Dataset;
  /** Test samples (reported). */
  test: Dataset;
}

/**
 * Loads MNIST (60k/10k), Fashion-MNIST (split 60k/10k with seed 0) or IMDB (`loadImdb`'s
 * defaults: split 24,582/25,000 with seed 0, vocabulary of the training reviews) and
 * holds `validation` training samples out with `Rng(seed)`: the splits every command and
 * benchmark use.
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
  const { train: all, test } = await loadTrainTest(name);
  return { ...splitValidation(all, validation, new Rng(seed)), test };
}

/** The train and test sets of `name`, with the fixed split and encoding of each. */
export async function loadTrainTest(name: DatasetName): Promise<{ train: Dataset; test: Dataset }> {
  switch (name) {
    case "mnist":
      return { train: await loadMnist("train"), test: await loadMnist("test") };
    case "fashion":
      return await loadFashionMnist({ seed: 0 });
    case "imdb":
      return await loadImdb({ seed: 0 });
    default:
      throw new RangeError(`loadSplits: unknown dataset ${JSON.stringify(name)}`);
  }
}
