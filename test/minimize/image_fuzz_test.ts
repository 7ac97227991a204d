import assert from "node:assert/strict";
import { minimize, removableChannels } from "../../src/minimize/rewrite.ts";
import { MinGraph } from "../../src/minimize/min_graph.ts";
import { verify } from "../../src/minimize/verify.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import type { GraphModule } from "../../src/graph/graph_module.ts";
import { convnext, smallCnn } from "../../src/nn/image_models.ts";
import { randn } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import { maskParamWhere } from "../../src/prune/masks.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { pruneUnits } from "../../src/prune/units.ts";
import { describeStructure } from "../../src/cycle/structure.ts";

const SEEDS = 150;

/** A random small CNN or ConvNeXt on 12×12 inputs with random biases, norms and BN statistics. */
function randomImageNet(seed: number): { m: GraphModule; kind: string } {
  const rng = new Rng(seed);
  const conv = rng.uniform() < 0.65;
  const stages = 1 + rng.int(3);
  const dims = Array.from({ length: stages }, () => 2 + rng.int(6));
  const net = conv
    ? convnext({
      dims,
      depths: dims.map(() => rng.int(3)),
      stemPatch: 2,
      kernel: 3,
      expansion: 2,
      layerScaleInit: 0.5,
      seed,
    })
    : smallCnn({
      channels: dims.slice(0, 2),
      hidden: rng.int(2) * (2 + rng.int(6)),
      imageSize: 12,
      seed,
    });
  for (const [name, p] of net.namedParameters()) {
    if (/bias$|norm\.weight$|running_mean$|bn\d\.weight$|scale\.weight$/.test(name)) {
      p.assign(Array.from({ length: p.size }, () => rng.normal()));
    } else if (name.endsWith("running_var")) {
      p.assign(Array.from({ length: p.size }, () => 0.5 + rng.uniform()));
    }
  }
  const { graph, params } = toGraph(net, [1, 12, 12], `${conv ? "convnext" : "cnn"}-${seed}`);
  // float64, so the check sees the algebra: a LayerNorm over 2 channels with eps 1e-6 can
  // amplify float32 rounding of a reordered sum past the contract on its own.
  const p64 = new Map(
    [...params].map(([k, p]) => [k, Parameter.of(p.toArray(), p.shape, p.backend, "float64")]),
  );
  return { m: fromGraph(graph, p64), kind: conv ? "convnext" : "cnn" };
}

/** Random masks: random density, whole units zeroed (streams across a stage included), zeroed gains. */
function randomMasks(m: GraphModule, rng: Rng): void {
  const params = m.namedParameters();
  const units = pruneUnits(m).units;
  const zero = new Map<string, Set<number>>();
  for (const u of units) {
    const p = u.family.endsWith("(stream)") ? 0.4 : 0.25;
    if (rng.uniform() >= p) continue;
    for (const e of [...u.writers, ...u.readers]) {
      const s = zero.get(e.param) ?? new Set();
      e.indices.forEach((i) => s.add(i));
      zero.set(e.param, s);
    }
  }
  for (const [name, s] of zero) maskParamWhere(params.get(name)!, (i) => s.has(i));
  for (const [name, p] of params) {
    if (!name.endsWith("weight") || /norm|bn|scale/.test(name)) continue;
    const density = 0.3 + 0.7 * rng.uniform();
    maskParamWhere(p, () => rng.uniform() > density);
  }
  for (const [name, p] of params) {
    if (/norm\.weight$|scale\.weight$/.test(name) && rng.uniform() < 0.2) {
      const j = rng.int(p.size);
      maskParamWhere(p, (i) => i === j);
    }
  }
}

Deno.test(`minimize() fuzz: ${SEEDS} random CNNs and ConvNeXts with random masks keep the contract and reach a fixpoint`, () => {
  let streamsCut = 0, compensated = 0, selects = 0, shrunk = 0;
  const kinds = new Set<string>();
  for (let seed = 0; seed < SEEDS; seed++) {
    const rng = new Rng(1000 + seed);
    const { m, kind } = randomImageNet(seed);
    kinds.add(kind);
    randomMasks(m, rng);
    const { model: min, stats } = minimize(m);
    const x = randn([6, 1, 12, 12], new Rng(seed + 5), { std: 2, dtype: "float64" });
    const r = verify(m, min, x);
    assert.ok(r.ok, `seed ${seed} (${kind}): max rel ${r.maxRel}`);
    assert.equal(removableChannels(new MinGraph(min)), 0, `seed ${seed}: not a fixpoint`);
    const again = minimize(min);
    assert.equal(again.stats.paramsAfter, stats.paramsAfter, `seed ${seed}: idempotent`);
    if (stats.paramsAfter < stats.paramsBefore) shrunk++;
    const before = describeStructure(m.graph).stream, after = describeStructure(min.graph).stream;
    streamsCut += before.reduce((s, w, i) => s + w - after[i], 0);
    compensated += min.graph.nodes.filter((n) => n.op === "layer_norm" && n.attrs.s2 !== 0).length;
    selects += min.graph.nodes.filter((n) => n.op === "select").length;
  }
  assert.deepEqual([...kinds].sort(), ["cnn", "convnext"]);
  assert.ok(
    shrunk > SEEDS * 0.8 && streamsCut > 10 && compensated > 10 && selects > 5,
    `rules exercised: shrunk ${shrunk}, stream channels ${streamsCut}, CLNs ${compensated}, selects ${selects}`,
  );
});
