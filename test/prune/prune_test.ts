import assert from "node:assert/strict";
import { gradCheck } from "../../src/autograd/grad_check.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { GraphBuilder } from "../../src/graph/builder.ts";
import { GraphModule } from "../../src/graph/graph_module.ts";
import { mlp } from "../../src/nn/models.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { Linear } from "../../src/nn/linear.ts";
import { denseChain, UnsupportedLayerError } from "../../src/prune/chain.ts";
import { importanceScores, norms, unitStrengths } from "../../src/prune/importance.ts";
import { countNonzeroWeights, ensureMasks } from "../../src/prune/masks.ts";
import { nextBudget, pruneToBudget, pruneWeakestUnits } from "../../src/prune/prune.ts";
import { structureRegularizer } from "../../src/prune/regularizers.ts";
import { randn } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";

const net = (seed = 1, widths = [8, 6, 5, 3]) => {
  const { graph, params } = toGraph(mlp(widths, { seed }), [widths[0]], "n");
  return fromGraph(graph, params);
};

Deno.test("pruneToBudget(): keeps exactly the budget, removing the lowest scores (global and per layer)", () => {
  const m = net();
  const total = countNonzeroWeights(m);
  assert.equal(total, 8 * 6 + 6 * 5 + 5 * 3);
  const scores = importanceScores(m, "magnitude");
  const kept = pruneToBudget(m, 50, scores);
  assert.equal(kept, 50);
  assert.equal(countNonzeroWeights(m), 50);
  const all = scores.flatMap((s) => [...s]).sort((a, b) => a - b);
  const threshold = all[total - 50 - 1];
  for (const [li, l] of denseChain(m).entries()) {
    const w = l.weight.toArray();
    w.forEach((v, k) => {
      if (v === 0) assert.ok(scores[li][k] <= threshold);
    });
  }
  const m2 = net();
  pruneToBudget(m2, 60, importanceScores(m2, "magnitude"), { scope: "layer", exclude: [2] });
  const nz = denseChain(m2).map((l) => l.weight.toArray().filter((v) => v !== 0).length);
  assert.equal(nz[2], 15, "excluded layer untouched");
  assert.ok(Math.abs(nz[0] / 48 - nz[1] / 30) < 0.05, `same fraction per layer: ${nz}`);
  assert.equal(nextBudget(1000, 0.2), 800);
  assert.throws(() => nextBudget(10, 1), RangeError);
});

Deno.test("masked entries stay zero and are never candidates again", () => {
  const m = net();
  pruneToBudget(m, 70, importanceScores(m, "unit"));
  const masks = denseChain(m).map((l) => l.weight.mask!.toArray());
  pruneToBudget(m, 40, importanceScores(m, "unit"));
  denseChain(m).forEach((l, i) => {
    const now = l.weight.mask!.toArray();
    masks[i].forEach((v, k) => v === 0 && assert.equal(now[k], 0));
  });
  assert.equal(countNonzeroWeights(m), 40);
});

Deno.test("unitStrengths()/importanceScores('unit'): |w| × strength(out) × strength(in), normalized by the layer mean", () => {
  const m = net(3);
  const layers = denseChain(m);
  const s = unitStrengths(layers);
  const w0 = layers[0].weight.toArray(), w1 = layers[1].weight.toArray();
  const row = norms(w0, 6, 8, 1), col = norms(w1, 5, 6, 0);
  for (let j = 0; j < 6; j++) assert.ok(Math.abs(s.outputs[0][j] - row[j] * col[j]) < 1e-9);
  const sc = importanceScores(m, "unit")[1];
  const raw = Array.from(
    w1,
    (v, k) => Math.abs(v) * s.outputs[1][Math.floor(k / 6)] * s.outputs[0][k % 6],
  );
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
  raw.forEach((r, k) => assert.ok(Math.abs(sc[k] - r / mean) < 1e-6));
});

Deno.test("pruneWeakestUnits(): zeros the weakest fraction of units (row + outgoing column) and input features", () => {
  const m = net(4, [20, 10, 10, 3]);
  const before = unitStrengths(denseChain(m));
  const r = pruneWeakestUnits(m, 0.2, 0.1);
  assert.deepEqual(r, { units: [2, 2], families: ["fc1", "fc2"], inputs: 2 });
  const after = unitStrengths(denseChain(m));
  const weakest = [...before.outputs[0].keys()].sort((a, b) =>
    before.outputs[0][a] - before.outputs[0][b]
  ).slice(0, 2);
  for (const j of weakest) assert.equal(after.outputs[0][j], 0);
  assert.equal([...after.inputs].filter((v) => v === 0).length, 2);
  const again = pruneWeakestUnits(m, 0.2, 0.1);
  assert.deepEqual(
    again,
    { units: [1, 1], families: r.families, inputs: 1 },
    "fractions of the still-alive units",
  );
  assert.throws(() => pruneWeakestUnits(m, 1, 0), RangeError);
});

Deno.test("structureRegularizer(): group lasso value and gradient (finite differences)", () => {
  const g = new GraphBuilder("r");
  const x = g.input("x", [-1, 4]);
  const rng = new Rng(2);
  const w1 = Parameter.from(randn([3, 4], rng, { dtype: "float64" }));
  const w2 = Parameter.from(randn([2, 3], rng, { dtype: "float64" }));
  const h = g.node("a", "linear", [x], { weight: g.param("a.weight", w1) });
  g.output(g.node("b", "linear", [g.node("r", "relu", [h])], { weight: g.param("b.weight", w2) }));
  const m = new GraphModule(g.build(), g.parameters);
  const reg = structureRegularizer("group_lasso", 0.5);
  const a = w1.toArray(), b = w2.toArray();
  const want = 0.5 *
    ([...norms(a, 3, 4, 0), ...norms(a, 3, 4, 1), ...norms(b, 2, 3, 0)].reduce((s, v) => s + v, 0));
  assert.ok(Math.abs(reg(m)!.item() - want) < 1e-9);
  const r = gradCheck(() => reg(m)!, [w1, w2]);
  assert.ok(r.maxRelError < 1e-6, String(r.maxRelError));
  const l1 = structureRegularizer("l1", 2)(m)!.item();
  assert.ok(Math.abs(l1 - 2 * [...a, ...b].reduce((s, v) => s + Math.abs(v), 0)) < 1e-9);
  assert.equal(structureRegularizer("none", 1)(m), null);
});

Deno.test("denseChain()/ensureMasks(): residual graphs are refused by name; masks start at ones", () => {
  const m = net();
  ensureMasks(m);
  assert.ok(denseChain(m).every((l) => l.weight.mask!.toArray().every((v) => v === 1)));
  const g = new GraphBuilder("res");
  const x = g.input("x", [-1, 4]);
  const fc = new Linear(4, 4);
  const h = g.node("fc", "linear", [x], { weight: g.param("fc.weight", fc.weight) });
  g.output(g.node("sum", "add", [x, h]));
  assert.throws(
    () => denseChain(new GraphModule(g.build(), g.parameters)),
    (e: Error) =>
      e instanceof UnsupportedLayerError && /"fc" \(linear\)|"sum" \(add\)/.test(e.message),
  );
});
