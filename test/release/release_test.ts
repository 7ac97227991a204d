import assert from "node:assert/strict";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { mlp } from "../../src/nn/models.ts";
import { release } from "../../src/release/release.ts";
import { randn, tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";

const sparse = () => {
  const { graph, params } = toGraph(mlp([50, 40, 5], { seed: 3 }), [50], "s");
  const w = params.get("fc1.weight")!;
  const rng = new Rng(1);
  w.mask = tensor(Array.from({ length: 2000 }, () => (rng.uniform() < 0.7 ? 0 : 1)), [40, 50]);
  return fromGraph(graph, params);
};

Deno.test("release(): zeros become N(0,(α·rms)²) noise, nonzeros stay, masks go; seeded", () => {
  const m = sparse();
  const w = m.namedParameters().get("fc1.weight")!;
  const before = w.toArray();
  const nz = Array.from(before).filter((v) => v !== 0);
  const rms = Math.sqrt(nz.reduce((s, v) => s + v * v, 0) / nz.length);
  const r = release(m, { alpha: 0.1, seed: 4 });
  const after = w.toArray();
  assert.equal(w.mask, null);
  let ss = 0, n = 0;
  before.forEach((v, k) => {
    if (v !== 0) assert.equal(after[k], v);
    else {
      ss += after[k] ** 2;
      n++;
    }
  });
  assert.equal(r.released, n);
  assert.ok(
    Math.abs(Math.sqrt(ss / n) / (0.1 * rms) - 1) < 0.1,
    `noise std ${Math.sqrt(ss / n)} vs ${0.1 * rms}`,
  );
  const m2 = sparse();
  release(m2, { alpha: 0.1, seed: 4 });
  assert.deepEqual(m2.namedParameters().get("fc1.weight")!.toArray(), after);
});

Deno.test("release(): measures the output change and halves the noise above the bound", () => {
  const x = randn([64, 50], new Rng(2));
  const small = release(sparse(), { alpha: 0.01, calibration: x });
  assert.ok(small.change > 0 && small.change < 0.05 && small.halvings === 0, JSON.stringify(small));
  const big = release(sparse(), { alpha: 5, calibration: x, maxChange: 0.02, maxHalvings: 20 });
  assert.ok(big.halvings > 0 && big.alpha < 5, JSON.stringify(big));
  assert.ok(big.change <= 0.02, JSON.stringify(big));
  assert.throws(() => release(sparse(), { alpha: -1 }), RangeError);
});
