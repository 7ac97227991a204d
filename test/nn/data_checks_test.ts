import assert from "node:assert/strict";
import { batches, checkDataset, type Dataset } from "../../src/data/dataset.ts";
import { mlp } from "../../src/nn/models.ts";
import { AdamW } from "../../src/nn/optim/adamw.ts";
import { evaluate, fit } from "../../src/nn/train.ts";

const ds = (n: number, values: number, classes = 3): Dataset => ({
  name: "toy",
  sampleShape: [4],
  inputs: Float32Array.from({ length: values }, (_, i) => (i % 7) - 3),
  labels: Int32Array.from({ length: n }, (_, i) => i % classes),
  classes,
});

Deno.test("datasets: inputs that do not match labels × sample shape are a RangeError, not zero padding", async () => {
  const short = ds(5, 18);
  const msg = /dataset "toy" has 18 input values for 5 labels × \[4\] \(20 expected\)/;
  assert.throws(() => checkDataset(short, "x"), msg);
  assert.throws(() => [...batches(short)], msg);
  await assert.rejects(() => evaluate(mlp([4, 3]), short), /^RangeError: evaluate: /);
  const net = mlp([4, 3], { seed: 1 });
  const before = net.parameters()[0].toArray();
  const opt = new AdamW(net.parameters(), { lr: 0.1 });
  await assert.rejects(
    () => fit(net, short, { optimizer: opt, progress: false }),
    /^RangeError: fit: /,
  );
  await assert.rejects(
    () => fit(net, ds(5, 20), { optimizer: opt, progress: false, validation: ds(2, 7) }),
    /fit \(validation\): dataset "toy" has 7 input values/,
  );
  assert.deepEqual(net.parameters()[0].toArray(), before, "nothing was trained");
  assert.throws(
    () => checkDataset({ ...ds(3, 12), labels: Int32Array.of(0, 3, 1) }, "x"),
    /x: dataset "toy" has label 3 at sample 1, outside its 3 classes/,
  );
});

Deno.test("datasets: an empty dataset is a RangeError in fit and evaluate (not NaN)", async () => {
  const empty = ds(0, 0);
  await assert.rejects(() => evaluate(mlp([4, 3]), empty), /evaluate: dataset "toy" is empty/);
  const net = mlp([4, 3]);
  await assert.rejects(
    () => fit(net, empty, { optimizer: new AdamW(net.parameters()), progress: false }),
    /fit: dataset "toy" is empty/,
  );
});

Deno.test("fit/evaluate: a model without one output per class is a RangeError before any step", async () => {
  const data = ds(6, 24, 3);
  const net = mlp([4, 5], { seed: 2 });
  const before = net.parameters()[0].toArray();
  const re = /the model gives 5 outputs per sample but dataset "toy" has 3 classes/;
  await assert.rejects(() => evaluate(net, data), re);
  await assert.rejects(
    () => fit(net, data, { optimizer: new AdamW(net.parameters(), { lr: 0.1 }), progress: false }),
    re,
  );
  assert.deepEqual(net.parameters()[0].toArray(), before, "the step did not run");
});
