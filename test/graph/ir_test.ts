/**
 * The general IR: declared channel axes (NCHW, NHWC, tokens `[B,T,C]`), several named
 * inputs and outputs, linear on rank ≥ 2, layers of several inputs, channel groups, and
 * minimization and pruning respecting the declared axis.
 */
import assert from "node:assert/strict";
import { GraphBuilder } from "../../src/graph/builder.ts";
import { GraphModule } from "../../src/graph/graph_module.ts";
import type { Graph } from "../../src/graph/ir.ts";
import type { LayerOp } from "../../src/graph/layer_op.ts";
import { LAYER_OPS } from "../../src/graph/layer_ops.ts";
import { validateGraph } from "../../src/graph/validate.ts";
import { channelClasses } from "../../src/channels/classes.ts";
import { channelIndex } from "../../src/channels/index.ts";
import { minimize } from "../../src/minimize/rewrite.ts";
import { verify } from "../../src/minimize/verify.ts";
import { Layer } from "../../src/nn/layer.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { pruneUnits } from "../../src/prune/units.ts";
import { randn, referenceBackend, tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";
import { backward } from "../../src/autograd/backward.ts";
import { mul } from "../../src/ops/elementwise.ts";
import { sum } from "../../src/ops/reduce.ts";

const backend = referenceBackend();
const f64 = (values: ArrayLike<number>, shape: number[]): Tensor =>
  tensor(values, shape, { dtype: "float64" });

function param(shape: number[], rng: Rng): Parameter {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal();
  return Parameter.of(data, shape, backend, "float64");
}

/** tokens [B,3,4] (channel axis 2) → fc1 (6) → relu → fc2 (2). */
function tokenModel(seed: number): GraphModule {
  const rng = new Rng(seed);
  const b = new GraphBuilder("tokens");
  const x = b.input("x", [-1, 3, 4], 2);
  const h = b.node("fc1", "linear", [x], {
    weight: b.param("fc1.weight", param([6, 4], rng)),
    bias: b.param("fc1.bias", param([6], rng)),
  });
  const a = b.node("act", "relu", [h]);
  b.output(b.node("fc2", "linear", [a], { weight: b.param("fc2.weight", param([2, 6], rng)) }));
  return new GraphModule(b.build(), b.parameters);
}

Deno.test("validateGraph(): channel axes are declared on inputs and carried by each op", () => {
  const b = new GraphBuilder("axes");
  const x = b.input("x", [-1, 5, 5, 8], 3);
  const p = b.node("to_nchw", "permute", [x], {}, { perm: [0, 3, 1, 2] });
  const r = b.node("act", "relu", [p]);
  const t = b.input("t", [-1, 7, 4], 2);
  const rng = new Rng(1);
  const l = b.node("proj", "linear", [t], { weight: b.param("w", param([3, 4], rng)) });
  b.output(r);
  b.output(l);
  const { shapes, axes } = validateGraph(b.build());
  assert.equal(axes.get("x"), 3);
  assert.equal(axes.get("to_nchw"), 1, "permute moves the channel axis");
  assert.equal(axes.get("act"), 1, "channelwise layers keep it");
  assert.equal(axes.get("t"), 2);
  assert.deepEqual(shapes.get("proj"), [-1, 7, 3]);
  assert.equal(axes.get("proj"), 2, "linear writes the last axis");
  const bad = b.build();
  bad.inputs[0].channelAxis = 4;
  assert.throws(() => validateGraph(bad), /inputs\[0\]\.channelAxis: expected an axis in \[1, 4\)/);
});

Deno.test("linear on [B,T,C] equals the linear of every token; forwardNamed() runs several inputs and outputs", () => {
  const m = tokenModel(2);
  const x = randn([2, 3, 4], new Rng(3), { dtype: "float64" });
  const y = m.forward(x).toArray();
  const w1 = m.namedParameters().get("fc1.weight")!.toArray();
  const b1 = m.namedParameters().get("fc1.bias")!.toArray();
  const w2 = m.namedParameters().get("fc2.weight")!.toArray();
  const xs = x.toArray();
  for (let tok = 0; tok < 6; tok++) {
    const h = Array.from({ length: 6 }, (_, j) => {
      let s = b1[j];
      for (let i = 0; i < 4; i++) s += w1[j * 4 + i] * xs[tok * 4 + i];
      return Math.max(0, s);
    });
    for (let o = 0; o < 2; o++) {
      let s = 0;
      for (let j = 0; j < 6; j++) s += w2[o * 6 + j] * h[j];
      assert.ok(Math.abs(y[tok * 2 + o] - s) < 1e-12, `token ${tok} output ${o}`);
    }
  }
  const b = new GraphBuilder("two");
  const u = b.input("u", [-1, 2]), v = b.input("v", [-1, 2]);
  const s = b.node("sum", "add", [u, v]);
  b.output(s);
  b.output(b.node("act", "relu", [s]));
  const g = new GraphModule(b.build(), new Map());
  const out = g.forwardNamed({ u: tensor([1, -3], [1, 2]), v: tensor([1, 1], [1, 2]) });
  assert.deepEqual([...out.sum.toArray()], [2, -2]);
  assert.deepEqual([...out.act.toArray()], [2, 0]);
  assert.throws(() => g.forwardNamed({ u: tensor([1, 2], [1, 2]) }), /input "v" is missing/);
  assert.throws(
    () =>
      g.forwardNamed({
        u: tensor([1, 2], [1, 2]),
        v: tensor([1, 2], [1, 2]),
        w: tensor([1], [1, 1]),
      }),
    /unknown input "w"/,
  );
  assert.throws(
    () => g.forwardNamed({ u: tensor([1, 2, 3], [1, 3]), v: tensor([1, 2], [1, 2]) }),
    /input "u" shape \[1,3\] does not match \[N,2\]/,
  );
});

Deno.test("linear on [B,T,C] trains: its gradients equal those of the same linear on [B·T, C]", () => {
  const rng = new Rng(11);
  const w = param([3, 4], rng), bias = param([3], rng);
  const x = randn([2, 5, 4], new Rng(12), { dtype: "float64" });
  const r = randn([2, 5, 3], new Rng(13), { dtype: "float64" });
  const op = LAYER_OPS.get("linear")!;
  const ctx = { training: true, rng: new Rng(0) };
  backward(sum(mul(op.run([x], { weight: w, bias }, {}, ctx), r)));
  const g3 = [w.grad!.toArray(), bias.grad!.toArray()];
  w.grad = bias.grad = null;
  const x2 = f64(x.toArray(), [10, 4]), r2 = f64(r.toArray(), [10, 3]);
  backward(sum(mul(op.run([x2], { weight: w, bias }, {}, ctx), r2)));
  const g2 = [w.grad!.toArray(), bias.grad!.toArray()];
  for (let k = 0; k < 2; k++) {
    g2[k].forEach((v, i) => assert.ok(Math.abs(v - g3[k][i]) < 1e-12, `grad ${k}[${i}]`));
  }
  assert.ok(g2[0].some((v) => v !== 0));
});

Deno.test("Layer: an op of several inputs runs with apply() and emits with emitNode()", () => {
  const add = new Layer("add");
  const y = add.apply([tensor([1, 2], [1, 2]), tensor([3, 4], [1, 2])]);
  assert.deepEqual([...y.toArray()], [4, 6]);
  assert.throws(() => add.forward(tensor([1, 2], [1, 2])), /takes 2 input\(s\), got 1/);
  const b = new GraphBuilder("emit");
  const p = b.input("p", [-1, 2]), q = b.input("q", [-1, 2]);
  b.output(add.emitNode(b, [p, q], "res."));
  assert.deepEqual(b.build().nodes[0].inputs, ["p", "q"]);
});

Deno.test("minimize() and pruneUnits() on tokens [B,T,C]: the declared channel axis 2 is the one that shrinks", () => {
  const m = tokenModel(4);
  const um = pruneUnits(m);
  assert.equal(um.units.length, 6, "one unit per hidden channel");
  assert.equal(um.inputs.length, 4, "one per input feature (axis 2)");
  // Hidden units 1 and 3 are dead (their fc2 columns zero), input feature 2 is unread.
  m.namedParameters().get("fc2.weight")!.mask = f64([1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1], [2, 6]);
  const w1 = new Float64Array(24).fill(1);
  for (let j = 0; j < 6; j++) w1[j * 4 + 2] = 0;
  m.namedParameters().get("fc1.weight")!.mask = f64(w1, [6, 4]);
  const { model: min } = minimize(m);
  assert.deepEqual(min.graph.params["fc2.weight"], [2, 4]);
  assert.deepEqual(min.graph.params["fc1.weight"], [4, 3]);
  const sel = min.graph.nodes.find((n) => n.op === "select")!;
  assert.deepEqual(sel.attrs, { indices: [0, 1, 3], axis: 2 }, "a select on the token channels");
  const r = verify(m, min, randn([5, 3, 4], new Rng(6), { dtype: "float64" }));
  assert.ok(r.ok, `contract ${r.maxRel}`);
});

Deno.test("minimize(): an op reading another axis than the value declares keeps every channel", () => {
  // A linear over W of an NCHW value (channel axis 1): its columns are not channels.
  const rng = new Rng(7);
  const b = new GraphBuilder("w-linear");
  const x = b.input("x", [-1, 2, 3, 4]);
  const l = b.node("fc", "linear", [x], { weight: b.param("w", param([5, 4], rng)) });
  b.output(b.node("act", "relu", [l]));
  const m = new GraphModule(b.build(), b.parameters);
  m.namedParameters().get("w")!.mask = f64(
    Array.from({ length: 20 }, (_, i) => (i % 4 === 1 ? 0 : 1)),
    [5, 4],
  );
  const ix = channelIndex(m.graph);
  assert.equal(ix.kind(m.graph.nodes[0]).mixes, false, "treated as opaque");
  const { model: min } = minimize(m);
  assert.deepEqual(min.graph.params.w, [5, 4], "nothing removed");
  assert.ok(verify(m, min, randn([3, 2, 3, 4], new Rng(8), { dtype: "float64" })).ok);
});

Deno.test("channel groups: channels of one group are one class and one pruning unit", () => {
  const ops = LAYER_OPS as Map<string, LayerOp>;
  const relu = LAYER_OPS.get("relu")!;
  ops.set("pair_relu", {
    ...relu,
    name: "pair_relu",
    groups: (_a, w) => Int32Array.from({ length: w }, (_, c) => Math.floor(c / 2)),
  });
  try {
    const rng = new Rng(9);
    const b = new GraphBuilder("heads");
    const x = b.input("x", [-1, 3]);
    const h = b.node("fc1", "linear", [x], { weight: b.param("w1", param([4, 3], rng)) });
    const a = b.node("act", "pair_relu", [h]);
    b.output(b.node("fc2", "linear", [a], { weight: b.param("w2", param([2, 4], rng)) }));
    const graph: Graph = b.build();
    const cc = channelClasses(validateGraph(graph));
    const cls = cc.classOf.get("act")!;
    assert.ok(cls[0] === cls[1] && cls[2] === cls[3] && cls[0] !== cls[2]);
    assert.equal(cc.classOf.get("fc1")![1], cls[0], "the group reaches the writer");
    const m = new GraphModule(graph, b.parameters);
    assert.equal(pruneUnits(m).units.length, 2, "two groups, two units");
    // Zeroing one channel's column alone keeps its group's rows in fc1; zeroing both
    // removes the group.
    m.namedParameters().get("w2")!.mask = f64([0, 1, 1, 1, 0, 1, 1, 1], [2, 4]);
    assert.deepEqual(minimize(m).model.graph.params.w1, [4, 3]);
    m.namedParameters().get("w2")!.mask = f64([0, 0, 1, 1, 0, 0, 1, 1], [2, 4]);
    const min = minimize(m).model;
    assert.deepEqual(min.graph.params.w1, [2, 3]);
    assert.deepEqual(min.graph.params.w2, [2, 2]);
    assert.ok(verify(m, min, randn([4, 3], new Rng(10), { dtype: "float64" })).ok);
  } finally {
    ops.delete("pair_relu");
  }
});

Deno.test("permute carries channels: NCHW conv → NHWC linears → NCHW, minimized through the permutes", () => {
  // The ConvNeXt block as PyTorch writes it: pointwise layers as linears on the last axis.
  const rng = new Rng(14);
  const b = new GraphBuilder("channels-last");
  const x = b.input("x", [-1, 3, 4, 4]);
  const c = b.node("conv", "conv2d", [x], {
    weight: b.param("conv.weight", param([6, 3, 1, 1], rng)),
    bias: b.param("conv.bias", param([6], rng)),
  });
  const p = b.node("to_nhwc", "permute", [c], {}, { perm: [0, 2, 3, 1] });
  const h = b.node("pw1", "linear", [p], {
    weight: b.param("pw1.weight", param([5, 6], rng)),
    bias: b.param("pw1.bias", param([5], rng)),
  });
  const a = b.node("act", "relu", [h]);
  const o = b.node("pw2", "linear", [a], { weight: b.param("pw2.weight", param([6, 5], rng)) });
  const q = b.node("to_nchw", "permute", [o], {}, { perm: [0, 3, 1, 2] });
  b.output(b.node("pool", "global_avg_pool", [q]));
  const m = new GraphModule(b.build(), b.parameters);
  const ix = channelIndex(m.graph);
  assert.equal(ix.axes.get("to_nhwc"), 3);
  assert.equal(
    ix.classes.classOf.get("conv")![4],
    ix.classes.classOf.get("to_nhwc")![4],
    "conv channel 4 is channel 4 after the permute",
  );
  // pw1 reads none of conv channels 1 and 4; pw2 writes nothing from hidden unit 2.
  m.namedParameters().get("pw1.weight")!.mask = f64(
    Array.from({ length: 30 }, (_, k) => (k % 6 === 1 || k % 6 === 4 ? 0 : 1)),
    [5, 6],
  );
  m.namedParameters().get("pw2.weight")!.mask = f64(
    Array.from({ length: 30 }, (_, k) => (k % 5 === 2 ? 0 : 1)),
    [6, 5],
  );
  const { model: min } = minimize(m);
  assert.deepEqual(min.graph.params["conv.weight"], [4, 3, 1, 1], "two conv channels gone");
  assert.deepEqual(min.graph.params["pw1.weight"], [4, 4]);
  assert.deepEqual(min.graph.params["pw2.weight"], [6, 4]);
  const r = verify(m, min, randn([3, 3, 4, 4], new Rng(15), { dtype: "float64" }));
  assert.ok(r.ok, `contract ${r.maxRel}`);
});
