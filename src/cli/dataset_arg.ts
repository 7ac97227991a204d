import type { Dataset } from "../data/dataset.ts";
import type { DatasetName } from "../data/load.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { loadMnist } from "../data/mnist.ts";
import { choice } from "./args.ts";

/** Values of `--dataset`. */
export const DATASET_NAMES: readonly DatasetName[] = ["mnist", "fashion"];

/** Reads `--dataset` (`mnist` default, or `fashion`). */
export function datasetArg(command: string, raw: string | boolean | undefined): DatasetName {
  return choice(command, "dataset", raw, DATASET_NAMES, "mnist");
}

/** Loads the test split of a dataset. */
export async function loadTestSet(name: DatasetName): Promise<Dataset> {
  return name === "mnist" ? await loadMnist("test") : (await loadFashionMnist()).test;
}
