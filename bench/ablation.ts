/**
 * Ablation of the Squeeze-Release recipe on LeNet-300-100 / real MNIST, one seed per run,
 * side by side: one prune-and-shrink pass (best ratio within the accuracy budget over a
 * sparsity sweep), the cycle without the regularizer, the cycle without release (α = 0),
 * and the full recipe. Prints a table and writes JSON.
 *
 *   deno task ablate --seed 0
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createBackend } from "../src/backends/select.ts";
import { type CycleData, squeezeRelease, trainPhase } from "../src/cycle/cycle.ts";
import { type CycleOptions, resolveCycleOptions } from "../src/cycle/options.ts";
import type { CycleRow } from "../src/cycle/report.ts";
import { splitValidation } from "../src/data/dataset.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { fromGraph, toGraph } from "../src/graph/convert.ts";
import type { GraphModule } from "../src/graph/graph_module.ts";
import { writeFileAtomic } from "../src/io/atomic_write.ts";
import { mlp } from "../src/nn/models.ts";
import { structureRegularizer } from "../src/prune/regularizers.ts";
import { Rng } from "../src/tensor/random.ts";
import { onePassOptions } from "./study/one_pass.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seed: { type: "string", default: "0" },
    widths: { type: "string", default: "784,300,100,10" },
    sparsities: { type: "string", default: "0.5,0.7,0.8,0.9,0.95,0.97" },
    out: { type: "string" },
  },
});
const seed = Number(values.seed);
const widths = values.widths!.split(",").map(Number);
const out = values.out ?? `runs/ablation-${widths.join("-")}-s${seed}`;
const backend = createBackend("auto");
const base = resolveCycleOptions({ seed });

const all = await loadMnist("train");
const { train, validation } = splitValidation(all, 5000, new Rng(seed));
const data: CycleData = { train, validation, test: await loadMnist("test") };

async function dense(regularized: boolean): Promise<GraphModule> {
  const { graph, params } = toGraph(mlp(widths, { seed, backend }), [1, 28, 28], widths.join("-"));
  const m = fromGraph(graph, params);
  const reg = regularized ? structureRegularizer(base.regularizer, base.lambda) : undefined;
  await trainPhase(m, data.train, {
    epochs: base.denseEpochs,
    lr: base.denseLr,
    batchSize: base.batchSize,
    seed,
    regularizer: reg,
    progress: false,
  });
  return m;
}

interface Result {
  variant: string;
  final: CycleRow;
  dense: CycleRow;
  cycles: number;
  seconds: number;
  stopReason: string;
}
const results: Result[] = [];
async function variant(
  name: string,
  start: GraphModule,
  opts: Partial<CycleOptions>,
): Promise<Result> {
  const t0 = performance.now();
  const r = await squeezeRelease(start.clone(), data, { ...opts, seed, denseEpochs: 0 });
  const res = {
    variant: name,
    final: r.rows.at(-1)!,
    dense: r.rows[0],
    cycles: r.rows.length - 1,
    seconds: (performance.now() - t0) / 1000,
    stopReason: r.stopReason,
  };
  console.error(
    `${name}: ${res.final.ratio.toFixed(2)}× in ${res.cycles} cycles (${res.seconds.toFixed(0)}s)`,
  );
  return res;
}

const t0 = performance.now();
const regDense = await dense(true);
const plainDense = await dense(false);
console.error(`dense models trained (${((performance.now() - t0) / 1000).toFixed(0)}s)`);

// One prune-and-shrink pass: a single cycle straight to the target sparsity s.
let single: Result | null = null;
for (const s of values.sparsities!.split(",").map(Number)) {
  const r = await variant(`single pass s=${s}`, regDense, onePassOptions(base, s));
  if (r.cycles > 0 && (!single || r.final.ratio > single.final.ratio)) single = r;
}
if (single) {
  results.push({
    ...single,
    variant: `one prune-and-shrink pass (best: ${single.variant.slice(12)})`,
  });
}
results.push(await variant("cycle without regularizer", plainDense, { regularizer: "none" }));
results.push(await variant("cycle without release (α = 0)", regDense, { alpha: 0 }));
results.push(await variant("full recipe", regDense, {}));

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
console.log(
  `ablation, ${
    widths.join("-")
  }, seed ${seed}, backend ${backend.name}, accuracy budget ${base.accuracyBudget} pp (validation)`,
);
console.log(
  "| variant | ratio | params | widths | val acc (dense) | test acc (dense) | cycles | time |",
);
console.log("|---|---:|---:|---|---:|---:|---:|---:|");
for (const r of results) {
  console.log(
    `| ${r.variant} | ${r.final.ratio.toFixed(2)}× | ${r.final.params.toLocaleString("en-US")} | ${
      r.final.widths.join("-")
    } | ` +
      `${pct(r.final.valAccuracy)} (${pct(r.dense.valAccuracy)}) | ${pct(r.final.testAccuracy)} (${
        pct(r.dense.testAccuracy)
      }) | ${r.cycles} | ${r.seconds.toFixed(0)}s |`,
  );
}
await Deno.mkdir(out, { recursive: true });
await writeFileAtomic(
  join(out, "ablation.json"),
  new TextEncoder().encode(JSON.stringify({ seed, widths, results }, null, 1)),
);
console.log(
  `wrote ${join(out, "ablation.json")} (${((performance.now() - t0) / 1000).toFixed(0)}s)`,
);
