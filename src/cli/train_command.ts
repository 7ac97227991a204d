import { batchCount, splitValidation } from "../data/dataset.ts";
import { loadMnist } from "../data/mnist.ts";
import { fromGraph, toGraph } from "../graph/convert.ts";
import { loadModel } from "../io/model_file.ts";
import { mlp } from "../nn/models.ts";
import { AdamW } from "../nn/optim/adamw.ts";
import { SGD } from "../nn/optim/sgd.ts";
import { cosineLr, stepLr } from "../nn/schedule.ts";
import { evaluate, fit } from "../nn/train.ts";
import { plural } from "../nn/progress.ts";
import { Rng } from "../tensor/random.ts";
import { moveModel } from "../graph/move.ts";
import { BACKEND_NAMES, createBackend } from "../backends/select.ts";
import { ACTIVATION_KINDS } from "../ops/activations.ts";
import { CYCLE_OPTION_RANGES } from "../cycle/option_ranges.ts";
import { choice, noPositionals, num, type OptionSpec, parse, widthsArg } from "./args.ts";
import { backendArg } from "./backend_arg.ts";
import { accuracyLine, checkedEvaluate } from "./accuracy.ts";
import { outputFile, saveOutput } from "./output_arg.ts";

/** Options of `squeeze train`. */
export const TRAIN_OPTIONS: OptionSpec = {
  widths: { type: "string" },
  activation: { type: "string" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  optimizer: { type: "string" },
  lr: { type: "string" },
  "weight-decay": { type: "string" },
  schedule: { type: "string" },
  validation: { type: "string" },
  seed: { type: "string" },
  out: { type: "string" },
  force: { type: "boolean" },
  backend: { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** Help text of `squeeze train`. */
export const TRAIN_HELP = `squeeze train — train a fully-connected network on real MNIST and save it

Usage: squeeze train [options]

Options (defaults in brackets):
  --widths LIST        layer widths, input first [784,300,100,10] (LeNet-300-100)
  --activation NAME    ${ACTIVATION_KINDS.join(" | ")} [relu]
  --epochs N           passes over the training split [15]
  --batch-size N       samples per step [128]
  --optimizer NAME     adamw | sgd [adamw]
  --lr X               peak learning rate [1e-3 for adamw, 0.05 for sgd]
  --weight-decay X     decoupled (adamw) or L2 (sgd) decay [0]
  --schedule NAME      cosine | step | constant [cosine]
  --validation N       training images held out for validation [5000]
  --seed N             seed of init, split and shuffling [0]
  --out PATH           where to save the model [runs/mlp-<widths>-s<seed>.safetensors]
  --force              replace --out if it exists (otherwise an existing file is an error)
  --backend NAME       ${BACKEND_NAMES.join(" | ")} (auto: a real GPU, else Wasm SIMD) [auto]
  -h, --help           this text

Prints a progress bar (plain lines when not on a terminal), one summary per epoch,
the test accuracy, and checks that the saved file reloads to identical outputs.`;

/** Runs `squeeze train`. */
export async function trainCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse("train", args, TRAIN_OPTIONS);
  if (v.help) return console.log(TRAIN_HELP);
  noPositionals("train", positionals);
  const widths = widthsArg("train", v.widths);
  const activation = choice("train", "activation", v.activation, ACTIVATION_KINDS, "relu");
  const optName = choice("train", "optimizer", v.optimizer, ["adamw", "sgd"], "adamw");
  const scheduleName = choice(
    "train",
    "schedule",
    v.schedule,
    ["cosine", "step", "constant"],
    "cosine",
  );
  const epochs = num("train", "epochs", v.epochs, 15, { min: 1, max: 1000, int: true });
  const batchSize = num("train", "batch-size", v["batch-size"], 128, CYCLE_OPTION_RANGES.batchSize);
  const lr = num("train", "lr", v.lr, optName === "adamw" ? 1e-3 : 0.05, CYCLE_OPTION_RANGES.lr);
  const weightDecay = num("train", "weight-decay", v["weight-decay"], 0, { min: 0, max: 1 });
  const valCount = num("train", "validation", v.validation, 5000, {
    min: 0,
    max: 50000,
    int: true,
  });
  const seed = num("train", "seed", v.seed, 0, CYCLE_OPTION_RANGES.seed);
  const out = await outputFile(
    "train",
    v.out ?? `runs/mlp-${widths.join("-")}-s${seed}.safetensors`,
    { force: !!v.force },
  );
  const backend = await backendArg("train", v.backend);

  const t0 = performance.now();
  const all = await loadMnist("train");
  const test = await loadMnist("test");
  const { train, validation } = valCount > 0
    ? splitValidation(all, valCount, new Rng(seed))
    : { train: all, validation: undefined };
  const model = mlp(widths, { seed, activation, backend });
  console.log(
    `training ${widths.join("-")} (${
      model.parameterCount().toLocaleString("en-US")
    } parameters) on MNIST: ` +
      `${train.labels.length} train, ${
        validation?.labels.length ?? 0
      } validation, ${test.labels.length} test; ` +
      `${optName} lr ${lr} ${scheduleName}, ${
        plural(epochs, "epoch")
      }, batch ${batchSize}, seed ${seed}, backend ${backend.name}`,
  );
  const params = model.parameters();
  const optimizer = optName === "adamw"
    ? new AdamW(params, { lr, weightDecay })
    : new SGD(params, { lr, momentum: 0.9, weightDecay });
  const steps = epochs * batchCount(train, { batchSize });
  const schedule = scheduleName === "cosine"
    ? cosineLr(lr, steps)
    : scheduleName === "step"
    ? stepLr(lr, Math.max(1, Math.floor(steps / 3)), 0.1)
    : undefined;
  await fit(model, train, { optimizer, epochs, batchSize, seed, schedule, validation });
  const result = await checkedEvaluate("train", model, test);
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `${accuracyLine(result, test)} after ${plural(epochs, "epoch")}, ${secs.toFixed(1)}s wall`,
  );
  const { graph, params: named } = toGraph(model, [1, 28, 28], widths.join("-"));
  const gm = fromGraph(graph, named);
  // GPU tensors read back asynchronously: save a CPU copy.
  await saveOutput(
    out,
    backend.capabilities.syncRead ? gm : await moveModel(gm, createBackend("auto")),
  );
  const again = await evaluate(await loadModel(out, backend), test);
  const same = again.loss === result.loss && again.accuracy === result.accuracy;
  console.log(
    `saved ${out}; reloaded: test accuracy ${(100 * again.accuracy).toFixed(2)}% (${
      same ? "identical" : "DIFFERENT"
    })`,
  );
  if (!same) {
    throw new Error(
      `train: reloaded model gives different results (${again.loss} vs ${result.loss})`,
    );
  }
}
