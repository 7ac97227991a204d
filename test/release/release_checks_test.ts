import assert from "node:assert/strict";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { mlp } from "../../src/nn/models.ts";
import { release } from "../../src/release/release.ts";

Deno.test("release(): a model holding NaN or Infinity is refused, naming the parameter", () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const { graph, params } = toGraph(mlp([4, 3, 2], { seed: 1 }), [4]);
    const w = params.get("fc2.weight")!;
    w.assign(w.toArray().map((v, i) => (i === 4 ? bad : i % 2 ? 0 : v)));
    assert.throws(
      () => release(fromGraph(graph, params), { seed: 1 }),
      (e: Error) =>
        e instanceof RangeError &&
        e.message ===
          `release: parameter "fc2.weight" holds ${bad} at index 4 (1 non-finite value)`,
    );
    assert.equal(w.toArray()[1], 0, "nothing was released");
  }
});
