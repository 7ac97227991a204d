/**
 * Regression tests for the ways an independent fuzz broke minimization (issue 11), each
 * built from its minimal reproduction: CompensatedLayerNorm in float32, tied parameters,
 * structure left behind (kept channels, unread layers, dead inputs of convs and of several
 * linears, LayerNorm outputs nobody needs), and the mode of the result.
 */
import assert from "node:assert/strict";
import { GraphModule } from "../../src/graph/graph_module.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import type { Graph, GraphNode } from "../../src/graph/ir.ts";
import { GRAPH_VERSION } from "../../src/graph/upgrade.ts";
import { MinGraph } from "../../src/minimize/min_graph.ts";
import { minimize, removableChannels } from "../../src/minimize/rewrite.ts";
import { verify } from "../../src/minimize/verify.ts";
import { convnext, smallCnn } from "../../src/nn/image_models.ts";
import { mlp } from "../../src/nn/models.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { maskParamWhere } from "../../src/prune/masks.ts";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import type { Backend } from "../../src/backends/backend.ts";
import { referenceBackend, tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import { leftovers } from "./leftover.ts";

type Spec = Omit<GraphNode, "params" | "attrs"> & Partial<Pick<GraphNode, "params" | "attrs">>;

/** A graph model from nodes and parameter values (float32, on `be`). */
function build(
  input: number[],
  nodes: Spec[],
  params: Record<string, [number[], number[]]>,
  be: Backend = referenceBackend(),
  outputs = [nodes.at(-1)!.name],
): GraphModule {
  const graph: Graph = {
    format: "squeeze.graph",
    version: GRAPH_VERSION,
    name: "repro",
    inputs: [{ name: "x", shape: [-1, ...input] }],
    nodes: nodes.map((n) => ({ params: {}, attrs: {}, ...n })),
    outputs,
    params: Object.fromEntries(Object.entries(params).map(([k, [s]]) => [k, s])),
  };
  const ps = new Map(Object.entries(params).map(([k, [s, d]]) => [k, Parameter.of(d, s, be)]));
  return new GraphModule(graph, ps);
}

/** Minimizes and checks the contract, the fixpoint and the leftover check; returns the result. */
function minimizeExactly(m: GraphModule, x: ReturnType<typeof tensor>, what: string): GraphModule {
  const { model } = minimize(m);
  const r = verify(m, model, x);
  assert.ok(r.ok, `${what}: contract measure ${r.maxRel}`);
  assert.equal(removableChannels(new MinGraph(model)), 0, `${what}: not a fixpoint`);
  assert.deepEqual(leftovers(model), [], what);
  return model;
}

Deno.test("CompensatedLayerNorm in float32: a constant of 30 or 10 next to inputs of 1e-3 keeps the contract (was NaN / 0.5007 vs 0.4478)", () => {
  for (const be of [referenceBackend(), createWasmBackend({ threads: 1 })]) {
    for (const k of [30, 10]) {
      const m = build([1], [
        { name: "fc", op: "linear", inputs: ["x"], params: { weight: "fc.w", bias: "fc.b" } },
        {
          name: "ln",
          op: "layer_norm",
          inputs: ["fc"],
          params: { weight: "ln.g", bias: "ln.b" },
          attrs: { eps: 1e-6, width: 2 },
        },
        {
          name: "head",
          op: "linear",
          inputs: ["ln"],
          params: { weight: "head.w", bias: "head.b" },
        },
      ], {
        "fc.w": [[2, 1], [1, 0]],
        "fc.b": [[2], [k, k]],
        "ln.g": [[2], [1, 1]],
        "ln.b": [[2], [0, 0]],
        "head.w": [[1, 2], [1, 0]],
        "head.b": [[1], [0]],
      }, be);
      const x = tensor([1e-3, -1e-3, 0.5], [3, 1], { backend: be });
      const min = minimizeExactly(m, x, `k=${k} on ${be.name}`);
      const ln = min.graph.nodes.find((n) => n.op === "layer_norm")!;
      assert.deepEqual([ln.attrs.width, ln.attrs.kbar, ln.attrs.m2], [2, k, 0]);
      assert.ok(min.forward(x).toArray().every(Number.isFinite));
    }
  }
});

Deno.test("tied parameters: two parallel linears sharing weight and bias, added, stay exact and the tensor is sliced once (was 0.96 off)", () => {
  const m = build([4], [
    { name: "a", op: "linear", inputs: ["x"], params: { weight: "W", bias: "B" } },
    { name: "b", op: "linear", inputs: ["x"], params: { weight: "W", bias: "B" } },
    { name: "s", op: "add", inputs: ["a", "b"] },
    { name: "r", op: "relu", inputs: ["s"] },
    { name: "head", op: "linear", inputs: ["r"], params: { weight: "H", bias: "Hb" } },
  ], {
    W: [[3, 4], [1, 0, 2, 0, 0, 0, 3, 0, 1, 0, 2, 0]],
    B: [[3], [0.5, -1, 2]],
    H: [[2, 3], [1, 0, 1, 0, 0, 2]],
    Hb: [[2], [0, 0]],
  });
  const x = tensor([1, 2, -1, 0.5, 0.3, -0.7, 2, 1], [2, 4]);
  const min = minimizeExactly(m, x, "tied, added");
  const [a, b] = ["a", "b"].map((n) => min.graph.nodes.find((q) => q.name === n)!);
  assert.equal(a.params.weight, b.params.weight, "still one tensor");
  assert.deepEqual(min.graph.params[a.params.weight], [2, 2], "unit 1 and inputs 1, 3 went once");
});

Deno.test("tied parameters: two parallel linears feeding separate heads stay exact; a row dead in one use stays (was 0.155 off)", () => {
  const m = build([4], [
    { name: "a", op: "linear", inputs: ["x"], params: { weight: "W", bias: "B" } },
    { name: "b", op: "linear", inputs: ["x"], params: { weight: "W", bias: "B" } },
    { name: "ra", op: "relu", inputs: ["a"] },
    { name: "rb", op: "relu", inputs: ["b"] },
    { name: "ha", op: "linear", inputs: ["ra"], params: { weight: "HA" } },
    { name: "hb", op: "linear", inputs: ["rb"], params: { weight: "HB" } },
    { name: "out", op: "add", inputs: ["ha", "hb"] },
  ], {
    W: [[3, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3]],
    B: [[3], [0.1, 0.2, 0.3]],
    HA: [[2, 3], [1, 0, 1, 2, 0, 1]],
    HB: [[2, 3], [1, 1, 0, 2, 1, 0]],
  });
  const min = minimizeExactly(m, tensor([1, 2, -1, 0.5, 0.3, -0.7, 2, 1], [2, 4]), "tied heads");
  assert.deepEqual(min.graph.params.W, [3, 4], "each row is needed by one of the uses");
  assert.deepEqual([min.graph.params.HA, min.graph.params.HB], [[2, 2], [2, 2]]);
});

Deno.test("tied parameters: a layer applied twice loses only what both uses drop (was SyntaxError: f1: linear expects input [N,2], got [-1,3])", () => {
  const m = build([3], [
    { name: "f1", op: "linear", inputs: ["x"], params: { weight: "S", bias: "SB" } },
    { name: "t", op: "tanh", inputs: ["f1"] },
    { name: "f2", op: "linear", inputs: ["t"], params: { weight: "S", bias: "SB" } },
    { name: "head", op: "linear", inputs: ["f2"], params: { weight: "H" } },
  ], {
    S: [[3, 3], [1, 0, 2, 0, 0, 0, 3, 0, 1]],
    SB: [[3], [0.5, 1, -1]],
    H: [[1, 3], [1, 0, 1]],
  });
  minimizeExactly(m, tensor([1, 2, 3, -1, 0.5, 2], [2, 3]), "reused layer");
});

Deno.test("width 0: an MLP with every weight masked becomes a constant network (was one unit kept per layer)", () => {
  const { graph, params } = toGraph(mlp([6, 5, 4, 3], { seed: 0 }), [6]);
  const m = fromGraph(graph, params);
  for (const [n, p] of m.namedParameters()) {
    if (n.endsWith("bias")) p.assign(Array.from({ length: p.size }, (_, i) => i - 1));
    else maskParamWhere(p, () => true);
  }
  const x = tensor(Array.from({ length: 12 }, (_, i) => i * 0.3 - 1), [2, 6]);
  const min = minimizeExactly(m, x, "all masked");
  assert.equal(min.parameterCount(), 3, "only the output bias stays");
  const y = min.forward(tensor(Array.from({ length: 12 }, (_, i) => 7 - i), [2, 6])).toArray();
  assert.deepEqual([...y], [...min.forward(x).toArray()], "the output ignores the input");
});

Deno.test("width 0: a ConvNeXt block whose branch output is exactly zero becomes the identity (was 56 parameters kept)", () => {
  const { graph, params } = toGraph(
    convnext({ dims: [4], depths: [1], stemPatch: 2, kernel: 3, expansion: 2, seed: 0 }),
    [1, 8, 8],
  );
  const m = fromGraph(graph, params);
  for (const [n, p] of m.namedParameters()) {
    if (n.endsWith("scale.weight")) {
      maskParamWhere(p, () => true);
    }
  }
  const x = tensor(Array.from({ length: 128 }, (_, i) => Math.sin(i)), [2, 1, 8, 8]);
  const min = minimizeExactly(m, x, "zero branch");
  assert.deepEqual(min.graph.nodes.filter((n) => n.name.includes("blocks")).map((n) => n.name), []);
  assert.equal(m.parameterCount() - min.parameterCount(), 142);
});

Deno.test("unread layers go with their parameters (were kept)", () => {
  const m = build(
    [3],
    [
      { name: "used", op: "linear", inputs: ["x"], params: { weight: "U" } },
      { name: "unused", op: "linear", inputs: ["x"], params: { weight: "V", bias: "Vb" } },
      { name: "unused_act", op: "relu", inputs: ["unused"] },
    ],
    {
      U: [[2, 3], [1, 2, 3, 4, 5, 6]],
      V: [[4, 3], new Array(12).fill(1)],
      Vb: [[4], [1, 2, 3, 4]],
    },
    referenceBackend(),
    ["used"],
  );
  const min = minimizeExactly(m, tensor([1, 2, 3], [1, 3]), "unread");
  assert.deepEqual(min.graph.nodes.map((n) => n.name), ["used"]);
  assert.equal(min.parameterCount(), 6);
});

Deno.test("dead input channels leave a conv and several linears through one select (were kept)", () => {
  const conv = build([3, 4, 4], [
    {
      name: "conv",
      op: "conv2d",
      inputs: ["x"],
      params: { weight: "K", bias: "Kb" },
      attrs: { padding: 1 },
    },
  ], {
    K: [
      [2, 3, 3, 3],
      Array.from({ length: 54 }, (_, i) => (Math.floor(i / 9) % 3 === 1 ? 0 : Math.cos(i))),
    ],
    Kb: [[2], [0.1, 0.2]],
  });
  const c = minimizeExactly(
    conv,
    tensor(Array.from({ length: 96 }, (_, i) => Math.sin(i)), [2, 3, 4, 4]),
    "conv",
  );
  assert.deepEqual(c.graph.params.K, [2, 2, 3, 3]);
  assert.deepEqual(c.graph.inputs[0].shape, [-1, 3, 4, 4], "the input shape stays");
  const two = build([4], [
    { name: "a", op: "linear", inputs: ["x"], params: { weight: "A" } },
    { name: "b", op: "linear", inputs: ["x"], params: { weight: "Bw" } },
    { name: "s", op: "add", inputs: ["a", "b"] },
  ], { A: [[2, 4], [1, 0, 2, 3, 1, 0, 1, 1]], Bw: [[2, 4], [2, 0, 1, 1, 3, 0, 2, 2]] });
  const t = minimizeExactly(two, tensor([1, 2, 3, 4], [1, 4]), "two linears");
  assert.deepEqual([t.graph.params.A, t.graph.params.Bw], [[2, 3], [2, 3]]);
  assert.equal(t.graph.nodes.filter((n) => n.op === "select").length, 1);
});

Deno.test("a LayerNorm output that is constant (γ = 0) or unread leaves while its input stays in the statistics (were kept)", () => {
  for (
    const [what, g, h] of [
      ["γ = 0", [1, 0, 1], [1, 2, 3, 4, 5, 6]],
      ["unread", [1, 1, 1], [1, 0, 3, 4, 0, 6]],
    ] as const
  ) {
    const m = build([2], [
      { name: "fc", op: "linear", inputs: ["x"], params: { weight: "W", bias: "b" } },
      {
        name: "ln",
        op: "layer_norm",
        inputs: ["fc"],
        params: { weight: "g", bias: "beta" },
        attrs: { eps: 1e-6, width: 3 },
      },
      { name: "head", op: "linear", inputs: ["ln"], params: { weight: "H", bias: "Hb" } },
    ], {
      W: [[3, 2], [1, 2, 3, 4, -1, 2]],
      b: [[3], [0, 0, 0]],
      g: [[3], [...g]],
      beta: [[3], [0.1, 0.5, 0.2]],
      H: [[2, 3], [...h]],
      Hb: [[2], [0, 0]],
    });
    const min = minimizeExactly(m, tensor([1, 2, -1, 3, 0.5, 0.25], [3, 2]), what);
    const ln = min.graph.nodes.find((n) => n.op === "layer_norm")!;
    assert.deepEqual(ln.attrs.outputs, [0, 2], what);
    assert.deepEqual([min.graph.params.W, min.graph.params.g, min.graph.params.H], [[3, 2], [2], [
      2,
      2,
    ]]);
  }
});

Deno.test("mode: minimize() returns a model in inference mode, so BatchNorm uses its running statistics (was training mode, 2.7 off)", () => {
  const { graph, params } = toGraph(
    smallCnn({ channels: [2, 3], hidden: 0, imageSize: 8, seed: 0 }),
    [
      1,
      8,
      8,
    ],
  );
  const m = fromGraph(graph, params);
  for (const [n, p] of m.namedParameters()) {
    if (n.endsWith("running_mean")) p.assign(Array.from({ length: p.size }, (_, i) => 0.3 * i));
  }
  const rng = new Rng(4);
  const x = tensor(Array.from({ length: 256 }, () => rng.normal()), [4, 1, 8, 8]);
  for (const training of [false, true]) {
    m.train(training);
    const { model: min } = minimize(m);
    assert.equal(min.training, false);
    assert.equal(m.training, training, "the input keeps its mode");
    m.eval();
    const a = m.forward(x).toArray(), b = min.forward(x).toArray();
    assert.ok(a.every((v, i) => Math.abs(v - b[i]) < 1e-5));
  }
});
