import type { Dataset } from "../data/dataset.ts";
import { type DatasetName, loadTrainTest } from "../data/load.ts";
import { loadMnist } from "../data/mnist.ts";
import { choice, UsageError } from "./args.ts";

/** Values of `--dataset`. */
export const DATASET_NAMES: readonly DatasetName[] = ["mnist", "fashion", "imdb"];

/** Data sets of 28×28 images, the input of the `--arch`/`--widths` models. */
export const IMAGE_DATASETS: readonly DatasetName[] = ["mnist", "fashion"];

/** Names for messages. */
export const DATASET_TITLES: Readonly<Record<DatasetName, string>> = {
  mnist: "MNIST",
  fashion: "Fashion-MNIST",
  imdb: "IMDB",
};

/** Reads `--dataset` (`mnist` default, `fashion` or `imdb`). */
export function datasetArg(command: string, raw: string | boolean | undefined): DatasetName {
  return choice(command, "dataset", raw, DATASET_NAMES, "mnist");
}

/**
 * Refuses a data set that is not images where `what` (e.g. `--arch cnn`) needs 28×28 images,
 * with a {@linkcode UsageError} naming both.
 *
 * @example
 * ```ts
 * import { requireImages } from "./dataset_arg.ts";
 * let msg = "";
 * try { requireImages("cycle", "imdb", "--arch mlp"); } catch (e) { msg = (e as Error).message; }
 * console.assert(msg.startsWith("cycle: --dataset imdb holds token ids"));
 * ```
 */
export function requireImages(command: string, name: DatasetName, what: string): void {
  if (IMAGE_DATASETS.includes(name)) return;
  throw new UsageError(
    `${command}: --dataset ${name} holds token ids of text, not 28×28 images, so ${what} ` +
      `does not apply (give a text model with --model)`,
  );
}

/** Loads the test split of a dataset. */
export async function loadTestSet(name: DatasetName): Promise<Dataset> {
  return name === "mnist" ? await loadMnist("test") : (await loadTrainTest(name)).test;
}
