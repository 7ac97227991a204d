import { dirname } from "node:path";
import { batchCount, splitValidation } from "../data/dataset.ts";
import { loadMnist } from "../data/mnist.ts";
import { fromGraph, toGraph } from "../graph/convert.ts";
import { loadModel, saveModel } from "../io/model_file.ts";
import { mlp } from "../nn/models.ts";
import { AdamW } from "../nn/optim/adamw.ts";
import { SGD } from "../nn/optim/sgd.ts";
import { cosineLr, stepLr } from "../nn/schedule.ts";
import { evaluate, fit } from "../nn/train.ts";
import { Rng } from "../tensor/random.ts";
import { moveModel } from "../graph/move.ts";
import { createBackend } from "../backends/select.ts";
import { backendArg, num, parse, UsageError, widthsArg } from "./args.ts";

/** Help text of `squeeze train`. */
export const TRAIN_HELP = `squeeze train — train a fully-connected network on real MNIST and save it

Usage: squeeze train [options]

Options (defaults in brackets):
  --widths LIST        layer widths, input first [784,300,100,10] (LeNet-300-100)
  --activation NAME    relu | gelu | tanh | sigmoid [relu]
  --epochs N           passes over the training split [15]
  --batch-size N       samples per step [128]
  --optimizer NAME     adamw | sgd [adamw]
  --lr X               peak learning rate [1e-3 for adamw, 0.05 for sgd]
  --weight-decay X     decoupled (adamw) or L2 (sgd) decay [0]
  --schedule NAME      cosine | step | constant [cosine]
  --validation N       training images held out for validation [5000]
  --seed N             seed of init, split and shuffling [0]
  --out PATH           where to save the model [runs/lenet-300-100.safetensors]
  --backend NAME       auto | wasm | js | webgpu (auto: a real GPU, else Wasm SIMD) [auto]
  -h, --help           this text

Prints a progress bar (plain lines when not on a terminal), one summary per epoch,
the test accuracy, and checks that the saved file reloads to identical outputs.`;

/** Runs `squeeze train`. */
export async function trainCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse("train", args, {
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
    backend: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (v.help) return console.log(TRAIN_HELP);
  if (positionals.length) throw new UsageError(`train: unexpected argument "${positionals[0]}"`);
  const widths = widthsArg("train", v.widths);
  const activation = String(v.activation ?? "relu");
  if (!["relu", "gelu", "tanh", "sigmoid"].includes(activation)) {
    throw new UsageError(
      `train: --activation must be relu, gelu, tanh or sigmoid; got "${activation}"`,
    );
  }
  const optName = String(v.optimizer ?? "adamw");
  if (optName !== "adamw" && optName !== "sgd") {
    throw new UsageError(`train: --optimizer must be adamw or sgd; got "${optName}"`);
  }
  const scheduleName = String(v.schedule ?? "cosine");
  if (!["cosine", "step", "constant"].includes(scheduleName)) {
    throw new UsageError(
      `train: --schedule must be cosine, step or constant; got "${scheduleName}"`,
    );
  }
  const epochs = num("train", "epochs", v.epochs, 15, { min: 1, max: 1000, int: true });
  const batchSize = num("train", "batch-size", v["batch-size"], 128, {
    min: 1,
    max: 60000,
    int: true,
  });
  const lr = num("train", "lr", v.lr, optName === "adamw" ? 1e-3 : 0.05, { min: 0, max: 10 });
  const weightDecay = num("train", "weight-decay", v["weight-decay"], 0, { min: 0, max: 1 });
  const valCount = num("train", "validation", v.validation, 5000, {
    min: 0,
    max: 50000,
    int: true,
  });
  const seed = num("train", "seed", v.seed, 0, { min: 0, max: 2 ** 32 - 1, int: true });
  const out = String(v.out ?? "runs/lenet-300-100.safetensors");
  const backend = await backendArg("train", v.backend);

  const t0 = performance.now();
  const all = await loadMnist("train");
  const test = await loadMnist("test");
  const { train, validation } = valCount > 0
    ? splitValidation(all, valCount, new Rng(seed))
    : { train: all, validation: undefined };
  const model = mlp(widths, { seed, activation: activation as "relu", backend });
  console.log(
    `training ${widths.join("-")} (${
      model.parameterCount().toLocaleString("en-US")
    } parameters) on MNIST: ` +
      `${train.labels.length} train, ${
        validation?.labels.length ?? 0
      } validation, ${test.labels.length} test; ` +
      `${optName} lr ${lr} ${scheduleName}, ${epochs} epochs, batch ${batchSize}, seed ${seed}, backend ${backend.name}`,
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
  const result = await evaluate(model, test);
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `test accuracy ${(100 * result.accuracy).toFixed(2)}% (loss ${
      result.loss.toFixed(4)
    }) after ${epochs} epochs, ` +
      `${secs.toFixed(1)}s wall`,
  );
  const { graph, params: named } = toGraph(model, [1, 28, 28], widths.join("-"));
  const gm = fromGraph(graph, named);
  await Deno.mkdir(dirname(out), { recursive: true });
  // GPU tensors read back asynchronously: save a CPU copy.
  await saveModel(
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
