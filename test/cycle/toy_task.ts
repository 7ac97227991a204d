/** The cycle tests' task: 3 classes told apart by 3 of 16 features, an MLP and a recipe. */
import type { Dataset } from "../../src/data/dataset.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import type { GraphModule } from "../../src/graph/graph_module.ts";
import { mlp } from "../../src/nn/models.ts";
import { Rng } from "../../src/tensor/random.ts";

/** 3 classes told apart by 3 of 16 features; the other 13 are noise the cycle should drop. */
export function toy(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const inputs = new Float32Array(n * 16), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(3);
    labels[i] = c;
    for (let f = 0; f < 16; f++) inputs[i * 16 + f] = rng.normal() * 0.6 + (f === c ? 2.5 : 0);
  }
  return { name: "toy", sampleShape: [16], inputs, labels, classes: 3 };
}

/** Train, validation and test splits of {@linkcode toy}. */
export const toyData = { train: toy(1200, 1), validation: toy(300, 2), test: toy(300, 3) };

/** A fresh 16-24-12-3 MLP (same seed, same weights). */
export function toyModel(): GraphModule {
  const { graph, params } = toGraph(mlp([16, 24, 12, 3], { seed: 5 }), [16], "toy");
  return fromGraph(graph, params);
}

/** A quick recipe for the toy task. */
export const toyRecipe = {
  denseEpochs: 4,
  fineTuneEpochs: 1,
  trainEpochs: 1,
  lr: 3e-3,
  denseLr: 1e-2,
  batchSize: 64,
  lambda: 1e-3,
  maxCycles: 6,
  unitFraction: 0.2,
  inputFraction: 0.1,
  budgetFraction: 0.3,
};
