import assert from "node:assert/strict";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { CONTRACT_TOLERANCE, verify, verifyOn } from "../../src/minimize/verify.ts";
import { mlp } from "../../src/nn/models.ts";
import { tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";

/** 1,200 random samples of 6 features (three batches of `verifyOn`: 500, 500, 200). */
function data(seed: number): Dataset {
  const rng = new Rng(seed), n = 1200;
  const inputs = Float32Array.from({ length: n * 6 }, () => 3 * rng.normal());
  return { name: "probe", sampleShape: [6], inputs, labels: new Int32Array(n), classes: 3 };
}

Deno.test("verifyOn(): the worst batch of the contract's measure, on the masked model's backend", async (t) => {
  const ds = data(1);
  await t.step("a model against itself: 0, within the contract", () => {
    const net = mlp([6, 5, 3], { seed: 1 });
    assert.equal(verifyOn(net, net, ds), 0);
    assert.ok(verifyOn(net, net, ds) <= CONTRACT_TOLERANCE);
  });
  await t.step("a perturbed copy: the largest maxRel of the three batches", () => {
    const a = mlp([6, 5, 3], { seed: 2 }), b = mlp([6, 5, 3], { seed: 2 });
    const w = b.namedParameters().get("fc2.bias")!;
    w.assign([1e-3, -2e-3, 0]);
    const per = [[0, 500], [500, 1000], [1000, 1200]].map(([s, e]) =>
      verify(a, b, tensor(ds.inputs.slice(s * 6, e * 6), [e - s, 6])).maxRel
    );
    assert.ok(per[0] !== per[1] || per[1] !== per[2], "the batches differ");
    assert.equal(verifyOn(a, b, ds), Math.max(...per));
    assert.ok(verifyOn(a, b, ds) > CONTRACT_TOLERANCE);
  });
  await t.step("a NaN in any batch is NaN", () => {
    const a = mlp([6, 5, 3], { seed: 3 }), b = mlp([6, 5, 3], { seed: 3 });
    const nan = data(2);
    nan.inputs[1100 * 6] = NaN;
    assert.ok(Number.isNaN(verifyOn(a, b, nan)));
  });
  await t.step("models on the Wasm backend get their batches there", () => {
    const backend = createWasmBackend({ threads: 1 });
    const net = mlp([6, 5, 3], { seed: 4, backend });
    assert.equal(verifyOn(net, net, ds), 0);
  });
});
