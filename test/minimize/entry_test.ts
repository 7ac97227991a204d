import assert from "node:assert/strict";
import { minimize } from "../../src/minimize/rewrite.ts";
import type { GraphModule } from "../../src/graph/graph_module.ts";
import { mlp } from "../../src/nn/models.ts";

Deno.test("minimize(): a module that is not a GraphModule is a TypeError saying to convert it with toGraph", () => {
  for (const [m, got] of [[mlp([4, 3, 2]), "Sequential"], [{ graph: "x" }, "Object"]] as const) {
    assert.throws(
      () => minimize(m as unknown as GraphModule),
      (e: Error) =>
        e instanceof TypeError &&
        e.message.startsWith(`minimize: expected a GraphModule, got ${got}; convert it first: `) &&
        e.message.includes("toGraph(model, inputShape)"),
    );
  }
});
