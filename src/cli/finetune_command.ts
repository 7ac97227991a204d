import { loadSplits } from "../data/load.ts";
import { trainPhase } from "../cycle/cycle.ts";
import { plural, stderrSink } from "../nn/progress.ts";
import { BACKEND_NAMES, createBackend } from "../backends/select.ts";
import { CYCLE_OPTION_RANGES } from "../cycle/option_ranges.ts";
import { num, type OptionSpec, parse } from "./args.ts";
import { backendArg } from "./backend_arg.ts";
import { datasetArg } from "./dataset_arg.ts";
import { loadModelArg, modelPathArg } from "./model_arg.ts";
import { outputFile, saveOutput } from "./output_arg.ts";
import { printAccuracy } from "./accuracy.ts";

/** Options of `squeeze finetune`. */
export const FINETUNE_OPTIONS: OptionSpec = {
  epochs: { type: "string" },
  lr: { type: "string" },
  "batch-size": { type: "string" },
  seed: { type: "string" },
  validation: { type: "string" },
  dataset: { type: "string" },
  backend: { type: "string" },
  out: { type: "string" },
  force: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** Help text of `squeeze finetune`. */
export const FINETUNE_HELP =
  `squeeze finetune — train a pruned model with its masks held (pruned weights stay zero)

Usage: squeeze finetune MODEL --out PATH [options]

  --epochs N           passes over the training split [2]
  --lr X               peak learning rate (AdamW, cosine decay over the run) [5e-4]
  --batch-size N       samples per step [128]
  --seed N             seed of the split and shuffling [0]
  --validation N       training images held out (as in train and cycle) [5000]
  --dataset NAME       mnist | fashion [mnist]
  --backend NAME       ${BACKEND_NAMES.join(" | ")} (webgpu: training on the GPU) [auto]
  --out PATH           the fine-tuned model, masks kept (required)
  --force              replace --out if it exists
  -h, --help           this text

What the cycle does after each prune: recovers most of the accuracy pruning cost, so
that minimize then shrinks a model that still works. Prints the test accuracy after.`;

/** Runs `squeeze finetune`. */
export async function finetuneCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse("finetune", args, FINETUNE_OPTIONS);
  if (v.help) return console.log(FINETUNE_HELP);
  const input = modelPathArg("finetune", positionals);
  const epochs = num("finetune", "epochs", v.epochs, 2, { min: 1, max: 1000, int: true });
  const lr = num("finetune", "lr", v.lr, 5e-4, CYCLE_OPTION_RANGES.lr);
  const batchSize = num(
    "finetune",
    "batch-size",
    v["batch-size"],
    128,
    CYCLE_OPTION_RANGES.batchSize,
  );
  const seed = num("finetune", "seed", v.seed, 0, CYCLE_OPTION_RANGES.seed);
  const validation = num("finetune", "validation", v.validation, 5000, {
    min: 1,
    max: 50000,
    int: true,
  });
  const dataset = datasetArg("finetune", v.dataset);
  const out = await outputFile("finetune", v.out, { input, force: !!v.force });
  const backend = await backendArg("finetune", v.backend);
  // The model stays on a CPU backend (synchronous reads); a GPU backend only trains.
  const cpu = backend.capabilities.syncRead ? backend : createBackend("auto");
  const model = await loadModelArg("finetune", input, cpu);
  const { train, test } = await loadSplits(dataset, validation, seed);
  const masked = model.parameters().filter((p) => p.mask).length;
  console.log(
    `fine-tuning ${model.graph.name} (${masked} masked tensors held) on ${train.name}: ${
      plural(epochs, "epoch")
    }, AdamW lr ${lr} cosine, batch ${batchSize}, seed ${seed}, backend ${backend.name}`,
  );
  await trainPhase(model, train, {
    epochs,
    lr,
    batchSize,
    seed,
    progress: stderrSink(),
    backend: backend === cpu ? undefined : backend,
  });
  await saveOutput(out, model);
  console.log(`saved ${out}`);
  await printAccuracy("finetune", model, test);
}
