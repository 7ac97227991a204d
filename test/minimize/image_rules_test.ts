import assert from "node:assert/strict";
import { minimize } from "../../src/minimize/rewrite.ts";
import { verify } from "../../src/minimize/verify.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import type { GraphModule } from "../../src/graph/graph_module.ts";
import { GraphBuilder } from "../../src/graph/builder.ts";
import { GraphModule as GM } from "../../src/graph/graph_module.ts";
import { convnext, convnextTiny, smallCnn } from "../../src/nn/image_models.ts";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { conv2dLayer } from "../../src/nn/layers.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { randn } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import { maskParamWhere } from "../../src/prune/masks.ts";
import { pruneUnits } from "../../src/prune/units.ts";
import { describeStructure } from "../../src/cycle/structure.ts";

const x = randn([5, 1, 12, 12], new Rng(3), { std: 2 });

function zeroUnit(m: GraphModule, family: RegExp, index = 0): void {
  const units = pruneUnits(m).units.filter((u) => family.test(u.family));
  assert.ok(units.length > index, `no unit ${index} in ${family}`);
  const params = m.namedParameters();
  for (const e of [...units[index].writers, ...units[index].readers]) {
    const s = new Set(e.indices);
    maskParamWhere(params.get(e.param)!, (i) => s.has(i));
  }
}

function withRandomBiases(net: ReturnType<typeof convnext>, seed: number): GraphModule {
  const rng = new Rng(seed);
  for (const [name, p] of net.namedParameters()) {
    if (/bias$|norm\.weight$/.test(name)) {
      p.assign(Array.from({ length: p.size }, () => rng.normal()));
    }
  }
  const { graph, params } = toGraph(net, [1, 12, 12]);
  return fromGraph(graph, params);
}

Deno.test("zero padding: a constant channel folds through a padded conv only when it is 0", () => {
  for (const [padding, k, removed] of [[1, 0.75, false], [0, 0.75, true], [1, 0, true]] as const) {
    const g = new GraphBuilder("pad");
    const inp = g.input("x", [-1, 1, 12, 12]);
    const a = conv2dLayer(1, 3, 3, { padding: 1, rng: new Rng(1) });
    const b = conv2dLayer(3, 2, 3, { padding, rng: new Rng(2) });
    const [aw, ab] = a.parameters();
    ab.assign([0.3, k, -0.2]);
    maskParamWhere(aw, (i) => Math.floor(i / 9) === 1); // channel 1 = Const(k)
    const h = a.emit(g, inp, "a.");
    g.output(b.emit(g, h, "b."));
    const m = new GM(g.build(), g.parameters);
    const { model: min } = minimize(m);
    assert.equal(min.graph.params["a.weight"][0], removed ? 2 : 3, `padding ${padding}, k ${k}`);
    const r = verify(m, min, x);
    assert.ok(r.ok, `padding ${padding}, k ${k}: ${r.maxRel}`);
  }
});

Deno.test("CNN: a conv channel whose filter is zero folds through BatchNorm, ReLU, pooling and flatten into the classifier", () => {
  const net = smallCnn({ channels: [4, 5], hidden: 6, imageSize: 12, seed: 4 });
  const { graph, params } = toGraph(net, [1, 12, 12]);
  const m = fromGraph(graph, params);
  const rng = new Rng(9);
  for (const [name, p] of m.namedParameters()) {
    if (/bias$|running_mean$/.test(name)) {
      p.assign(Array.from({ length: p.size }, () => rng.normal()));
    }
  }
  // conv1 channel 0 becomes Const(k): through BN and ReLU it is 0 (β very negative), and a
  // zero constant may pass conv2's zero padding; conv1 channel 1 gets a positive constant,
  // which must stay (padding), so only channel 0 leaves conv1.
  const bn1b = m.namedParameters().get("bn1.bias")!;
  bn1b.assign([-50, 50, ...bn1b.toArray().slice(2)]);
  maskParamWhere(m.namedParameters().get("conv1.weight")!, (i) => Math.floor(i / 9) === 1);
  maskParamWhere(m.namedParameters().get("conv2.weight")!, (i) => Math.floor(i / 36) === 2);
  maskParamWhere(m.namedParameters().get("conv1.weight")!, (i) => Math.floor(i / 9) === 0);
  const { model: min } = minimize(m);
  assert.deepEqual(
    min.graph.params["conv2.weight"],
    [4, 3, 3, 3],
    "conv2 channel 2 and conv1 channel 0 left",
  );
  assert.deepEqual(min.graph.params["bn2.running_var"], [4]);
  assert.deepEqual(min.graph.params["fc1.weight"], [6, 4 * 9]);
  assert.ok(verify(m, min, x).ok);
});

Deno.test("ConvNeXt: a depthwise channel leaves its block alone (select in front), a stream channel leaves the stage (CLN)", () => {
  const m = withRandomBiases(
    convnext({
      depths: [2, 1],
      dims: [6, 8],
      kernel: 3,
      expansion: 2,
      stemPatch: 2,
      layerScaleInit: 0.5,
      seed: 1,
    }),
    2,
  );
  zeroUnit(m, /^stages\.0\.blocks\.1\.branch\.dwconv$/, 3);
  const one = minimize(m).model;
  const s1 = describeStructure(one.graph);
  assert.deepEqual(s1.stream, [6, 8]);
  assert.deepEqual(s1.depthwise, [[6, 5], [8]]);
  assert.ok(
    one.graph.nodes.some((n) => n.op === "select" && n.name.startsWith("stages.0.blocks.1")),
  );
  assert.ok(verify(m, one, x).ok);

  zeroUnit(m, /^stem\.conv \(stream\)$/, 2);
  const two = minimize(m).model;
  const s2 = describeStructure(two.graph);
  assert.deepEqual(s2.stream, [5, 8], "stream channel removed from stage 0");
  const clns = two.graph.nodes.filter((n) =>
    n.op === "layer_norm" && n.attrs.width !== two.graph.params[n.params.weight][0]
  );
  assert.ok(clns.length >= 3, "stem, block and downsample LayerNorms compensate");
  const r = verify(m, two, x);
  assert.ok(r.ok, `${r.maxRel}`);
  const p64 = (mm: GraphModule) =>
    fromGraph(
      structuredClone(mm.graph),
      new Map(
        [...mm.namedParameters()].map((
          [k, p],
        ) => [k, Parameter.of(p.toArray(), p.shape, p.backend, "float64")]),
      ),
    );
  assert.ok(
    verify(p64(m), p64(two), randn([5, 1, 12, 12], new Rng(3), { std: 2, dtype: "float64" }))
      .maxRel < 1e-12,
  );
});

Deno.test("ConvNeXt-Tiny (real configuration, 32×32 inputs): stream, depthwise and hidden units removed exactly", () => {
  const be = createWasmBackend();
  const { graph, params } = toGraph(
    convnextTiny({ classes: 10, backend: be, layerScaleInit: 0.3 }),
    [3, 32, 32],
  );
  const m = fromGraph(graph, params);
  const rng = new Rng(1);
  const zero = new Map<string, Set<number>>();
  for (const u of pruneUnits(m).units) {
    if (rng.uniform() > (u.family.endsWith("(stream)") ? 0.1 : 0.05)) continue;
    for (const e of [...u.writers, ...u.readers]) {
      const s = zero.get(e.param) ?? new Set();
      e.indices.forEach((i) => s.add(i));
      zero.set(e.param, s);
    }
  }
  const named = m.namedParameters();
  for (const [n, s] of zero) maskParamWhere(named.get(n)!, (i) => s.has(i));
  const { model: min, stats } = minimize(m);
  assert.equal(stats.paramsBefore, 27_827_818);
  const before = describeStructure(m.graph), after = describeStructure(min.graph);
  assert.deepEqual(before.stream, [96, 192, 384, 768]);
  after.stream.forEach((w, s) => assert.ok(w < before.stream[s], `stage ${s} stream ${w}`));
  assert.ok(stats.paramsAfter < stats.paramsBefore * 0.9);
  const r = verify(m, min, randn([2, 3, 32, 32], new Rng(2), { backend: be }));
  assert.ok(r.ok, `${r.maxRel}`);
});
