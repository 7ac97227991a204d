import assert from "node:assert/strict";
import { analyze } from "../../src/channels/analysis.ts";
import { MinGraph } from "../../src/minimize/min_graph.ts";
import { removeChannelClasses } from "../../src/minimize/rules/remove_channel_classes.ts";
import { selectLiveChannels } from "../../src/minimize/rules/select_live_channels.ts";
import { dropZeroBiases } from "../../src/minimize/rules/drop_zero_biases.ts";
import { verify } from "../../src/minimize/verify.ts";
import { minimize } from "../../src/minimize/rewrite.ts";
import { GraphBuilder } from "../../src/graph/builder.ts";
import { GraphModule } from "../../src/graph/graph_module.ts";
import { Linear } from "../../src/nn/linear.ts";
import { Rng } from "../../src/tensor/random.ts";
import { tensor } from "../../src/tensor/create.ts";
import { maskParam, probes, randomMlp } from "./helpers.ts";

const x = probes(64, 6, 9);

Deno.test("analyze(): a zero incoming row makes a unit Const(φ(b)); a zero outgoing column makes it dead", () => {
  const m = randomMlp([6, 5, 4, 3], "tanh", 1);
  maskParam(m, "fc1.weight", (r) => r === 2);
  maskParam(m, "fc2.weight", (_r, c) => c === 4);
  const mg = new MinGraph(m);
  const a = analyze(mg);
  const b = m.namedParameters().get("fc1.bias")!.toArray();
  assert.ok(Math.abs(a.consts.get("act1")![2]! - Math.tanh(b[2])) < 1e-7);
  assert.equal(a.consts.get("fc1")![0], null);
  assert.equal(a.live.get("fc1")![4], false);
  assert.equal(a.live.get("fc1")![2], true);
  assert.ok(a.live.get("fc3")!.every((l) => l));
});

Deno.test("removeChannelClasses(): removes dead units exactly", () => {
  for (const act of ["relu", "gelu", "tanh", "sigmoid", "identity"] as const) {
    const m = randomMlp([6, 5, 4, 3], act, 2);
    maskParam(m, "fc2.weight", (_r, c) => c === 1 || c === 3);
    const mg = new MinGraph(m);
    assert.equal(removeChannelClasses(mg, analyze(mg)), 2);
    const out = mg.toModule();
    assert.deepEqual(out.graph.params["fc1.weight"], [3, 6]);
    assert.deepEqual(out.graph.params["fc2.weight"], [4, 3]);
    assert.ok(verify(m, out, x).ok, act);
  }
});

Deno.test("removeChannelClasses(): folds constant units into downstream biases through the activation", () => {
  for (const act of ["relu", "gelu", "tanh", "sigmoid", "identity"] as const) {
    const m = randomMlp([6, 5, 4, 3], act, 3);
    maskParam(m, "fc1.weight", (r) => r === 0 || r === 4);
    const before = m.namedParameters().get("fc2.bias")!.toArray();
    const mg = new MinGraph(m);
    assert.equal(removeChannelClasses(mg, analyze(mg)), 2);
    const out = mg.toModule();
    assert.deepEqual(out.graph.params["fc1.weight"], [3, 6]);
    assert.deepEqual(out.graph.params["fc2.weight"], [4, 3]);
    assert.notDeepEqual(
      out.namedParameters().get("fc2.bias")!.toArray(),
      before,
      "bias absorbed the constants",
    );
    const r = verify(m, out, x);
    assert.ok(r.ok, `${act}: ${r.maxRel}`);
  }
});

Deno.test("removeChannelClasses(): a consumer without bias gets one", () => {
  const g = new GraphBuilder("nb");
  const inp = g.input("x", [-1, 3]);
  const a = new Linear(3, 2, { rng: new Rng(1) }),
    b = new Linear(2, 2, { rng: new Rng(2), bias: false });
  a.bias!.assign([0.5, -1]);
  a.weight.mask = tensor([1, 1, 1, 0, 0, 0], [2, 3]);
  const h = g.node("a", "linear", [inp], {
    weight: g.param("a.weight", a.weight),
    bias: g.param("a.bias", a.bias!),
  });
  const s = g.node("s", "sigmoid", [h]);
  g.output(g.node("b", "linear", [s], { weight: g.param("b.weight", b.weight) }));
  const m = new GraphModule(g.build(), g.parameters);
  const mg = new MinGraph(m);
  assert.equal(removeChannelClasses(mg, analyze(mg)), 1);
  const out = mg.toModule();
  assert.deepEqual(out.graph.params["b.bias"], [2]);
  assert.ok(verify(m, out, probes(16, 3, 1)).ok);
});

Deno.test("selectLiveChannels(): inserts a select layer, keeps the input shape; the class rule narrows it", () => {
  const m = randomMlp([6, 5, 3], "relu", 4);
  maskParam(m, "fc1.weight", (_r, c) => c === 0 || c === 5);
  const mg = new MinGraph(m);
  assert.equal(selectLiveChannels(mg, analyze(mg)), 2);
  const out = mg.toModule();
  const sel = out.graph.nodes.find((n) => n.op === "select")!;
  assert.deepEqual(sel.attrs.indices, [1, 2, 3, 4]);
  assert.deepEqual(out.graph.inputs[0].shape, [-1, 6]);
  assert.ok(verify(m, out, x).ok);
  maskParam(out, "fc1.weight", (_r, c) => c === 1);
  const mg2 = new MinGraph(out);
  assert.equal(selectLiveChannels(mg2, analyze(mg2)), 0, "a select already feeds fc1");
  const { model: out2 } = minimize(out);
  assert.deepEqual(out2.graph.params["fc1.weight"], [5, 3]);
  assert.deepEqual(out2.graph.inputs[0].shape, [-1, 6]);
  assert.ok(verify(out, out2, x).ok);
});

Deno.test("dropZeroBiases(): an all-zero bias is deleted exactly", () => {
  const m = randomMlp([6, 5, 3], "relu", 5);
  m.namedParameters().get("fc1.bias")!.assign(new Float32Array(5));
  const mg = new MinGraph(m);
  assert.equal(dropZeroBiases(mg, analyze(mg)), 5);
  const out = mg.toModule();
  assert.ok(!("fc1.bias" in out.graph.params));
  assert.ok(verify(m, out, x).ok);
});

Deno.test("minimize(): a residual add next to the graph input stays exact; NaN weights and empty models are refused", () => {
  const g = new GraphBuilder("res");
  const inp = g.input("x", [-1, 4]);
  const fc = new Linear(4, 4, { rng: new Rng(1) });
  const h = g.node("fc", "linear", [inp], { weight: g.param("fc.weight", fc.weight) });
  g.output(g.node("skip", "add", [inp, h]));
  const res = new GraphModule(g.build(), g.parameters);
  const { model: rm } = minimize(res);
  assert.equal(rm.parameterCount(), 16);
  assert.ok(verify(res, rm, probes(8, 4, 2)).ok);
  const m = randomMlp([6, 5, 3], "relu", 6);
  const w = m.namedParameters().get("fc2.weight")!;
  w.assign(Array.from({ length: 15 }, (_, i) => (i === 7 ? NaN : 1)));
  assert.throws(() => minimize(m), /parameter "fc2.weight" holds NaN at index 7/);
  const e = new GraphBuilder("empty");
  e.output(g.node.call(e, "r", "relu", [e.input("x", [-1, 2])]));
  assert.throws(() => minimize(new GraphModule(e.build(), new Map())), /has no parameters/);
});
