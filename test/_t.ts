import { loadMnist } from "../src/data/mnist.ts";
import { lenet300100 } from "../src/nn/models.ts";
import { AdamW } from "../src/nn/optim/adamw.ts";
import { evaluate, fit } from "../src/nn/train.ts";
import { batchCount, splitValidation } from "../src/data/dataset.ts";
import { cosineLr } from "../src/nn/schedule.ts";
import { Rng } from "../src/tensor/random.ts";
const E = Number(Deno.args[0] ?? 15), seed = Number(Deno.args[1] ?? 0);
const all = await loadMnist("train");
const test = await loadMnist("test");
const { train, validation } = splitValidation(all, 5000, new Rng(seed));
const m = lenet300100({ seed });
const opt = new AdamW(m.parameters(), { lr: 1e-3, weightDecay: 0 });
const steps = E * batchCount(train, { batchSize: 128 });
fit(m, train, {
  optimizer: opt,
  epochs: E,
  validation,
  schedule: cosineLr(1e-3, steps),
  seed,
  progress: false,
  onEpoch: (s) =>
    console.log(
      s.epoch,
      s.trainLoss.toFixed(4),
      s.validation!.accuracy,
      evaluate(m, test).accuracy,
      s.seconds.toFixed(1),
    ),
});
