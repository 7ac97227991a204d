/**
 * Comparisons for a finished `squeeze cycle` run on a residual network (the ConvNeXt
 * and ViT demos): (1) what plain LayerNorm (or RMSNorm) slicing — what other pruning tools do — changes in the
 * minimized model's outputs, against CompensatedLayerNorm's exact result; (2) one
 * prune-and-shrink pass from the same dense model to the same nonzero budget as the
 * cycle's final model (or, with `--sparsities`, at each given sparsity, marking those
 * within the run's accuracy budget). Prints markdown tables and writes
 * DIR/compare.json.
 *
 *   deno run -A bench/run_compare.ts --run runs/demo-convnext-fashion-s0 [--sparsities 0.7,0.9]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createBackend } from "../src/backends/select.ts";
import { squeezeRelease } from "../src/cycle/cycle.ts";
import { CHECKPOINT_FILES } from "../src/cycle/checkpoint.ts";
import type { CycleOptions } from "../src/cycle/options.ts";
import type { CycleRow } from "../src/cycle/report.ts";
import { batches } from "../src/data/dataset.ts";
import { type DatasetName, loadSplits } from "../src/data/load.ts";
import { GraphModule } from "../src/graph/graph_module.ts";
import { writeFileAtomic } from "../src/io/atomic_write.ts";
import { validateGraph } from "../src/graph/validate.ts";
import { loadModel } from "../src/io/model_file.ts";
import { verify } from "../src/minimize/verify.ts";
import { evaluate } from "../src/nn/train.ts";
import { Parameter } from "../src/nn/parameter.ts";
import { tidy } from "../src/tensor/scope.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    run: { type: "string" },
    "skip-single": { type: "boolean" },
    sparsities: { type: "string" },
  },
});
if (!values.run) {
  throw new Error("run_compare: --run DIR (a `squeeze cycle` output folder) is required");
}
const dir = values.run;
const report = JSON.parse(await Deno.readTextFile(join(dir, "report.json"))) as {
  dataset: DatasetName;
  seed: number;
  options: CycleOptions;
  rows: CycleRow[];
};
const backend = createBackend("auto");
const data = await loadSplits(report.dataset ?? "mnist", 5000, report.seed);
const minimized = await loadModel(join(dir, "minimized.safetensors"), backend);

/**
 * The same graph with every CompensatedLayerNorm (compensated RMSNorm) reset to a plain
 * norm over its kept channels.
 */
function sliced(m: GraphModule): { model: GraphModule; compensated: number } {
  const graph = structuredClone(m.graph);
  const shapes = validateGraph(graph).shapes;
  let compensated = 0;
  for (const n of graph.nodes) {
    if (n.op !== "layer_norm" && n.op !== "rms_norm") continue;
    const c = shapes.get(n.inputs[0])![(n.attrs.axis as number | undefined) ?? 1];
    if ((n.attrs.width ?? c) !== c) compensated++;
    const { kbar: _k, m2: _m, s2: _s, ...rest } = n.attrs;
    n.attrs = { ...rest, width: c };
  }
  const params = new Map([...m.namedParameters()].map(([k, p]) => [k, Parameter.from(p)]));
  return { model: new GraphModule(graph, params), compensated };
}

const sl = sliced(minimized);
let worst = 0, maxAbs = 0;
for (const b of batches(data.test, { batchSize: 1000, backend })) {
  const r = tidy(() => verify(minimized, sl.model, b.x));
  b.x.dispose();
  worst = Math.max(worst, r.maxRel);
  maxAbs = Math.max(maxAbs, r.maxAbs);
}
const accCln = (await evaluate(minimized, data.test)).accuracy,
  accSliced = (await evaluate(sl.model, data.test)).accuracy;
const final = report.rows.at(-1)!, dense = report.rows[0];
const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
console.log(
  `LayerNorm handling in the minimized model (${sl.compensated} LayerNorms lost channels):`,
);
console.log(
  "| LayerNorm | output change vs the masked model (contract measure) | max abs logit change | test acc |",
);
console.log("|---|---:|---:|---:|");
console.log(
  `| CompensatedLayerNorm (squeeze) | ${final.maxRelDiff.toExponential(1)} | — | ${pct(accCln)} |`,
);
console.log(
  `| plain slicing (other tools) | ${worst.toExponential(2)} | ${maxAbs.toFixed(3)} | ${
    pct(accSliced)
  } |`,
);

const singles: { sparsity: number; row: CycleRow; seconds: number }[] = [];
if (!values["skip-single"]) {
  const o = report.options;
  const target = 1 - final.nonzeros / dense.nonzeros;
  const sweep = (values.sparsities ?? "").split(",").filter((x) => x).map(Number);
  const list = sweep.length ? sweep : [target];
  for (const s of list) {
    const start = await loadModel(join(dir, "checkpoint", CHECKPOINT_FILES.dense), backend);
    const steps = Math.log(1 - s) / Math.log(1 - o.budgetFraction);
    const t0 = performance.now();
    const r = await squeezeRelease(start, data, {
      ...o,
      denseEpochs: 0,
      maxCycles: 1,
      budgetFraction: s,
      unitFraction: 1 - Math.pow(1 - o.unitFraction, steps),
      inputFraction: 1 - Math.pow(1 - o.inputFraction, steps),
      fineTuneEpochs: o.fineTuneEpochs + o.trainEpochs,
      accuracyBudget: 100,
    });
    singles.push({ sparsity: s, row: r.rows.at(-1)!, seconds: (performance.now() - t0) / 1000 });
  }
  console.log(
    `\nOne prune-and-shrink pass from the same dense model (default: to the cycle's final nonzero budget, ${final.nonzeros}):`,
  );
  console.log(
    "| method | sparsity | ratio | params | val acc (Δ) | test acc | within budget | structure |",
  );
  console.log("|---|---:|---:|---:|---:|---:|:---:|---|");
  const line = (name: string, s: string, row: CycleRow) => {
    const d = 100 * (row.valAccuracy - dense.valAccuracy);
    console.log(
      `| ${name} | ${s} | ${row.ratio.toFixed(2)}× | ${row.params.toLocaleString("en-US")} | ${
        pct(row.valAccuracy)
      } (${d >= 0 ? "+" : ""}${d.toFixed(2)}) | ${pct(row.testAccuracy)} | ${
        -d <= o.accuracyBudget ? "yes" : "no"
      } | ${row.structure ?? ""} |`,
    );
  };
  line("dense", "0", dense);
  for (const x of singles) line("one pass", `${(100 * x.sparsity).toFixed(1)}%`, x.row);
  line(`cycle (${report.rows.length - 1} cycles)`, "—", final);
}
await writeFileAtomic(
  join(dir, "compare.json"),
  new TextEncoder().encode(JSON.stringify(
    {
      layerNorm: {
        compensated: sl.compensated,
        slicedMaxRel: worst,
        slicedMaxAbs: maxAbs,
        accCln,
        accSliced,
        clnMaxRel: final.maxRelDiff,
      },
      singles,
      final,
      dense,
    },
    null,
    1,
  )),
);
