import assert from "node:assert/strict";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import type { GraphModule } from "../../src/graph/graph_module.ts";
import { mlp } from "../../src/nn/models.ts";
import { prunableLayers } from "../../src/prune/chain.ts";
import { ensureMasks, maskWhere } from "../../src/prune/masks.ts";
import { type BudgetOptions, pruneToBudget } from "../../src/prune/prune.ts";
import { kthSmallest } from "../../src/prune/select.ts";
import { Rng } from "../../src/tensor/random.ts";

/** Scores with many ties, ±0 and ±Infinity. */
function tiedScores(rng: Rng, n: number): Float64Array {
  const pool = [0, -0, 1, 2, Infinity, -Infinity, 1e-300, -1e300];
  return Float64Array.from(
    { length: n },
    () => rng.uniform() < 0.5 ? pool[rng.int(pool.length)] : Math.floor(rng.uniform() * 6) / 3 - 1,
  );
}

Deno.test("kthSmallest(): equals sorting then indexing, for random values with ties, ±0 and ±Infinity", () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 200; trial++) {
    const v = tiedScores(rng, 1 + rng.int(trial < 190 ? 300 : 100_000));
    const sorted = [...v].sort((a, b) => a - b);
    for (const k of [0, v.length - 1, ...Array.from({ length: 4 }, () => rng.int(v.length))]) {
      assert.equal(kthSmallest(v, k), sorted[k] === 0 ? 0 : sorted[k], `trial ${trial}, k ${k}`);
    }
  }
  assert.throws(() => kthSmallest(Float64Array.of(1, NaN), 0), /value 1 is NaN/);
  assert.throws(() => kthSmallest(Float64Array.of(1), 1), /k must be an integer in \[0, 1\)/);
});

/** The selection pruneToBudget made before it was linear: a sort by (score, layer, index). */
function sortedReference(
  model: GraphModule,
  budget: number,
  scores: Float64Array[],
  opts: BudgetOptions,
): void {
  ensureMasks(model);
  const layers = prunableLayers(model);
  const exclude = new Set(opts.exclude ?? []);
  const live = layers.map((l) => {
    const w = l.weight.toArray();
    return [...w.keys()].filter((k) => w[k] !== 0);
  });
  const total = live.reduce((s, l) => s + l.length, 0);
  let excess = total - Math.max(0, Math.floor(budget));
  if (excess <= 0) return;
  const candidates = layers.map((_, li) => (exclude.has(li) ? [] : live[li]));
  const prunable = candidates.reduce((s, c) => s + c.length, 0);
  excess = Math.min(excess, prunable);
  const cut: Set<number>[] = layers.map(() => new Set());
  if ((opts.scope ?? "global") === "global") {
    const all: [number, number, number][] = [];
    candidates.forEach((c, li) => c.forEach((k) => all.push([scores[li][k], li, k])));
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    for (let i = 0; i < excess; i++) cut[all[i][1]].add(all[i][2]);
  } else {
    const frac = excess / prunable;
    candidates.forEach((c, li) => {
      const sorted = [...c].sort((a, b) => scores[li][a] - scores[li][b] || a - b);
      for (const k of sorted.slice(0, Math.round(frac * c.length))) cut[li].add(k);
    });
  }
  cut.forEach((set, li) => maskWhere(model, li, (k) => set.has(k)));
}

Deno.test("pruneToBudget(): the linear-time selection keeps exactly the weights the sort kept (ties, scopes, exclusions)", () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 40; trial++) {
    const widths = [3 + rng.int(10), 2 + rng.int(8), 2 + rng.int(6)];
    const make = () => {
      const { graph, params } = toGraph(mlp(widths, { seed: trial }), [widths[0]]);
      const m = fromGraph(graph, params);
      // some weights already pruned, so they are not candidates
      maskWhere(m, 0, (k) => (k * 7 + trial) % 5 === 0);
      return m;
    };
    const a = make(), b = make();
    const scores = prunableLayers(a).map((l) => tiedScores(rng, l.weight.size));
    const opts: BudgetOptions = {
      scope: rng.uniform() < 0.5 ? "global" : "layer",
      exclude: rng.uniform() < 0.3 ? [1] : [],
    };
    const budget = rng.int(widths[0] * widths[1] + widths[1] * widths[2]);
    pruneToBudget(a, budget, scores, opts);
    sortedReference(b, budget, scores, opts);
    const masks = (m: GraphModule) => prunableLayers(m).map((l) => [...l.weight.mask!.toArray()]);
    assert.deepEqual(masks(a), masks(b), `trial ${trial} ${JSON.stringify({ budget, ...opts })}`);
  }
});
