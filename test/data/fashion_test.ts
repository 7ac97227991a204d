import assert from "node:assert/strict";
import { loadFashionMnist } from "../../src/data/fashion_mnist.ts";

const fake = (perClass: number) =>
  Array.from({ length: 10 }, (_, c) => ({
    data: Array.from({ length: perClass }, (_, i) => new Array(784).fill((c * 20 + i) % 256)),
  }));

Deno.test("loadFashionMnist(): seeded stratified split, the same for the same seed", async () => {
  const classes = fake(12);
  const a = await loadFashionMnist({ classes, testPerClass: 3, seed: 4 });
  const b = await loadFashionMnist({ classes, testPerClass: 3, seed: 4 });
  const c = await loadFashionMnist({ classes, testPerClass: 3, seed: 5 });
  assert.equal(a.train.labels.length, 90);
  assert.equal(a.test.labels.length, 30);
  for (let k = 0; k < 10; k++) assert.equal(a.test.labels.filter((l) => l === k).length, 3);
  assert.deepEqual(a.test.inputs, b.test.inputs);
  assert.notDeepEqual(a.test.inputs, c.test.inputs);
  assert.deepEqual(a.train.sampleShape, [1, 28, 28]);
  // Pixel of image i of class c is (c·20 + i) % 256: every train image belongs to its label.
  a.train.labels.forEach((l, n) => {
    const raw = Math.round((a.train.inputs[n * 784] * 0.353 + 0.286) * 255);
    assert.ok(raw >= l * 20 && raw < l * 20 + 12, `image ${n}`);
  });
});

Deno.test("loadFashionMnist(): malformed images are named; empty entries are skipped", async () => {
  const classes = fake(5);
  classes[3].data[2] = [1, 2, 3];
  await assert.rejects(
    () => loadFashionMnist({ classes, testPerClass: 1 }),
    (e: Error) =>
      e instanceof SyntaxError && /class file 3\.json: image 2 is not 784 pixels/.test(e.message),
  );
  const ok = fake(5);
  ok[0].data.push([]);
  const r = await loadFashionMnist({ classes: ok, testPerClass: 1 });
  assert.equal(r.train.labels.length + r.test.labels.length, 50);
  await assert.rejects(
    () => loadFashionMnist({ classes: fake(1), testPerClass: 1 }),
    /more than 1 images/,
  );
});

Deno.test("loadFashionMnist(): the npm package gives 60,000 / 10,000 with 6,000 / 1,000 per class", async () => {
  const { train, test } = await loadFashionMnist();
  assert.equal(train.labels.length, 60000);
  assert.equal(test.labels.length, 10000);
  for (let k = 0; k < 10; k++) {
    assert.equal(train.labels.filter((l) => l === k).length, 6000);
    assert.equal(test.labels.filter((l) => l === k).length, 1000);
  }
  let mean = 0;
  for (const v of train.inputs) mean += v;
  assert.ok(Math.abs(mean / train.inputs.length) < 0.05, "normalized to mean ≈ 0");
});
