import assert from "node:assert/strict";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { minimizedName } from "../../src/graph/graph_name.ts";
import { minimize } from "../../src/minimize/rewrite.ts";
import { mlp } from "../../src/nn/models.ts";
import { smallCnn } from "../../src/nn/image_models.ts";
import { tensor } from "../../src/tensor/create.ts";

Deno.test("minimizedName(): MLPs are named after their new widths, other graphs get -min once", () => {
  const g = (name: string) => toGraph(mlp([4, 3, 2]), [4], name).graph;
  assert.equal(minimizedName(g("784-300-100-10"), [357, 53, 19, 10]), "357-53-19-10");
  assert.equal(minimizedName(g("lenet"), [357, 53, 19, 10]), "lenet-357-53-19-10");
  assert.equal(minimizedName(g("lenet-357-53-19-10"), [300, 40, 10]), "lenet-300-40-10");
  const cnn = toGraph(smallCnn({ channels: [2, 3] }), [1, 28, 28], "cnn-2-3").graph;
  assert.equal(minimizedName(cnn, [1, 2, 3, 10]), "cnn-2-3-min");
  assert.equal(minimizedName({ ...cnn, name: "cnn-2-3-min" }, [1, 2, 3, 10]), "cnn-2-3-min");
});

Deno.test("minimize(): the result carries its new widths in its name, and errors use it", () => {
  const { graph, params } = toGraph(mlp([6, 5, 3], { seed: 1 }), [6], "6-5-3");
  params.get("fc1.weight")!.mask = tensor(
    Array.from({ length: 30 }, (_, i) => (i < 12 ? 0 : 1)),
    [5, 6],
  );
  const { model, stats } = minimize(fromGraph(graph, params));
  assert.equal(model.graph.name, stats.widths.join("-"));
  assert.notEqual(model.graph.name, "6-5-3");
  assert.throws(
    () => model.forward(tensor(new Float32Array(7), [1, 7])),
    (e: Error) => e.message.startsWith(`${model.graph.name}: input shape [1,7] does not match`),
  );
});
