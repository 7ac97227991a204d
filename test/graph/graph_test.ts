import assert from "node:assert/strict";
import { randn } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { dumpGraph } from "../../src/graph/dump.ts";
import { validateGraph } from "../../src/graph/validate.ts";
import { GraphBuilder } from "../../src/graph/builder.ts";
import { GraphModule } from "../../src/graph/graph_module.ts";
import { LAYER_OPS } from "../../src/graph/layer_ops.ts";
import type { Graph } from "../../src/graph/ir.ts";
import { mlp } from "../../src/nn/models.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { Linear } from "../../src/nn/linear.ts";

Deno.test("toGraph()/fromGraph(): the graph module computes exactly what the model computes", () => {
  for (const act of ["relu", "gelu", "tanh", "sigmoid", "identity"] as const) {
    const net = mlp([12, 7, 5, 3], { seed: 4, activation: act });
    const { graph, params } = toGraph(net, [3, 4], "m");
    const gm = fromGraph(graph, params);
    const x = randn([6, 3, 4], new Rng(1));
    assert.deepEqual(gm.forward(x).toArray(), net.forward(x).toArray(), act);
    assert.equal(gm.parameterCount(), net.parameterCount());
  }
});

Deno.test("the graph is JSON: it survives a round trip and declares channel maps per node", () => {
  const { graph, params } = toGraph(mlp([4, 3, 2]), [4], "tiny");
  const again = JSON.parse(JSON.stringify(graph)) as Graph;
  assert.deepEqual(validateGraph(again).graph, graph);
  assert.deepEqual(graph.nodes.map((n) => LAYER_OPS.get(n.op)!.channels), [
    "flatten",
    "dense",
    "channelwise",
    "dense",
  ]);
  const { shapes } = validateGraph(graph);
  assert.deepEqual(shapes.get("fc1"), [-1, 3]);
  assert.ok(fromGraph(again, params));
});

Deno.test("the IR holds a DAG: a residual add runs and validates", () => {
  const g = new GraphBuilder("res");
  const x = g.input("x", [-1, 4]);
  const fc = new Linear(4, 4, { rng: new Rng(1) });
  const h = g.node("fc", "linear", [x], {
    weight: g.param("fc.weight", fc.weight),
    bias: g.param("fc.bias", fc.bias!),
  });
  const a = g.node("act", "relu", [h]);
  g.output(g.node("res", "add", [x, a]));
  const gm = new GraphModule(g.build(), g.parameters);
  const inp = randn([3, 4], new Rng(2));
  const want = inp.toArray().map((v, i) => v + Math.max(0, fc.forward(inp).toArray()[i]));
  const got = gm.forward(inp).toArray();
  want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 1e-6));
  assert.match(dumpGraph(gm.graph), /%res = add\(%x, %act\)\s+-> \[N,4\]\s+\[merge\]/);
});

Deno.test("validateGraph() names the field and problem of malformed graphs", () => {
  const { graph } = toGraph(mlp([4, 3, 2]), [4], "tiny");
  const bad = (mutate: (g: Graph & Record<string, unknown>) => void, re: RegExp) => {
    const g = structuredClone(graph) as Graph & Record<string, unknown>;
    mutate(g);
    assert.throws(
      () => validateGraph(g),
      (e: Error) => e instanceof SyntaxError && re.test(e.message),
      re.source,
    );
  };
  bad(
    (g) => (g.nodes[1].op = "conv9d"),
    /nodes\[1\]\.op: unknown layer type "conv9d" in node "fc1"/,
  );
  bad(
    (g) => (g.nodes[1].inputs = ["nope"]),
    /nodes\[1\]\.inputs\[0\]: value "nope" is not defined/,
  );
  bad(
    (g) => delete g.nodes[1].params.weight,
    /nodes\[1\]\.params\.weight: layer "fc1" \(linear\) needs it/,
  );
  bad(
    (g) => (g.params["fc1.weight"] = [3, 5]),
    /nodes\[1\]: fc1: linear expects input \[N,…,5\], got \[-1,4\]/,
  );
  bad((g) => (g.version = 4 as 3), /version: unsupported version 4/);
  bad((g) => (g.nodes[2].name = "fc1"), /duplicate value name "fc1"/);
  bad((g) => (g.params.extra = [1]), /params\.extra: declared but used by no node/);
  bad((g) => (g.outputs = ["zzz"]), /outputs\[0\]: value "zzz" is not defined/);
});

Deno.test("GraphModule rejects missing or mis-shaped parameters and bad inputs", () => {
  const { graph, params } = toGraph(mlp([4, 3, 2]), [4], "tiny");
  const p = new Map(params);
  p.delete("fc2.bias");
  assert.throws(() => new GraphModule(graph, p), /parameter "fc2.bias" is missing/);
  const q = new Map(params);
  q.set("fc2.bias", Parameter.from(randn([3], new Rng(0))));
  assert.throws(() => new GraphModule(graph, q), /"fc2.bias" has shape \[3\], graph says \[2\]/);
  const gm = new GraphModule(graph, params);
  assert.throws(
    () => gm.forward(randn([2, 5], new Rng(0))),
    /tiny: input shape \[2,5\] does not match \[N,4\]/,
  );
});

Deno.test("dumpGraph() lists every node with shapes, channel maps and the parameter count", () => {
  const { graph } = toGraph(mlp([784, 300, 100, 10]), [1, 28, 28], "lenet");
  const text = dumpGraph(graph);
  assert.match(text, /input %input \[N,1,28,28\]/);
  assert.match(
    text,
    /%fc1 = linear\(%flatten\)\s+-> \[N,300\]\s+\[dense\]\s+weight=fc1\.weight\[300,784\] bias=fc1\.bias\[300\]/,
  );
  assert.match(text, /parameters: 266,610/);
  assert.equal(text.split("\n").length, 2 + graph.nodes.length + 2);
});
