import { backward } from "../autograd/backward.ts";
import { noGrad } from "../tensor/grad_mode.ts";
import { crossEntropy } from "../ops/loss.ts";
import { add } from "../ops/elementwise.ts";
import {
  type Batch,
  batchCount,
  batches,
  checkDataset,
  type Dataset,
  datasetSize,
} from "../data/dataset.ts";
import { Rng } from "../tensor/random.ts";
import { tidy } from "../tensor/scope.ts";
import type { Tensor } from "../tensor/tensor.ts";
import type { Module } from "./module.ts";
import type { Optimizer } from "./optim/optimizer.ts";
import { ProgressBar, type ProgressSink, stderrSink } from "./progress.ts";
import type { LrSchedule } from "./schedule.ts";

/** Loss and accuracy over a dataset. */
export interface EvalResult {
  /** Mean cross-entropy. */
  loss: number;
  /** Fraction of correct top-1 predictions. */
  accuracy: number;
  /** Samples evaluated. */
  count: number;
}

/** Index of the largest logit of each row of a `[rows, classes]` array. */
export function argmaxRows(logits: ArrayLike<number>, rows: number, classes: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    }
    out[r] = best;
  }
  return out;
}

/** Throws when `logits` has not one column per class of `data`. */
function checkClasses(who: string, logits: Tensor, data: Dataset): void {
  const got = logits.shape[1];
  if (got !== data.classes) {
    throw new RangeError(
      `${who}: the model gives ${got} outputs per sample but dataset "${data.name}" has ${data.classes} classes`,
    );
  }
}

/**
 * Evaluates `model` on `data` in eval mode without recording gradients. An empty or
 * inconsistent dataset, or a model without one output per class, is a `RangeError`.
 *
 * @example
 * ```ts
 * import { evaluate } from "./train.ts";
 * import { mlp } from "./models.ts";
 * const data = { name: "t", sampleShape: [2], inputs: new Float32Array(8), labels: new Int32Array(4), classes: 2 };
 * console.assert((await evaluate(mlp([2, 2]), data)).count === 4);
 * ```
 */
export async function evaluate(
  model: Module,
  data: Dataset,
  opts: { batchSize?: number } = {},
): Promise<EvalResult> {
  checkDataset(data, "evaluate", { nonEmpty: true });
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0, correct = 0;
  const backend = model.parameters()[0]?.backend;
  try {
    for (const b of batches(data, { batchSize: opts.batchSize ?? 1000, backend })) {
      const [loss, logits] = noGrad(() =>
        tidy(() => {
          const logits = model.forward(b.x);
          checkClasses("evaluate", logits, data);
          return [crossEntropy(logits, b.y, { reduction: "sum" }), logits];
        })
      );
      b.x.dispose();
      const [l, lg] = await Promise.all([loss.data(), logits.data()]);
      lossSum += l[0];
      correct += hitsOf(lg, b.y, logits.shape[1]);
      loss.dispose();
      logits.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
  const n = datasetSize(data);
  return { loss: lossSum / n, accuracy: correct / n, count: n };
}

/** Per-epoch record of {@linkcode fit}. */
export interface EpochSummary {
  /** 1-based epoch. */
  epoch: number;
  /** Mean training loss over the epoch. */
  trainLoss: number;
  /** Training accuracy over the epoch (on the fly, in train mode). */
  trainAccuracy: number;
  /** Validation result, when validation data was given. */
  validation?: EvalResult;
  /** Learning rate at the end of the epoch. */
  lr: number;
  /** Wall time of the epoch in seconds. */
  seconds: number;
  /** Training throughput. */
  imagesPerSecond: number;
}

/** Options of {@linkcode fit}. */
export interface FitOptions<M extends Module = Module> {
  /** Optimizer over the model's parameters. */
  optimizer: Optimizer;
  /** Number of epochs (default 1). */
  epochs?: number;
  /** Batch size (default 128). */
  batchSize?: number;
  /** Seed of the shuffling (default 0). */
  seed?: number;
  /** Learning rate per global step; overrides `optimizer.lr` each step. */
  schedule?: LrSchedule;
  /** Evaluated after each epoch. */
  validation?: Dataset;
  /** Extra loss terms added to the cross-entropy (regularizers). */
  regularizer?: (model: M) => Tensor | null;
  /** Progress output (default stderr, bar on a TTY); `false` for silence. */
  progress?: ProgressSink | false;
  /** Called after each epoch. */
  onEpoch?: (s: EpochSummary) => void;
}

/**
 * Trains `model` with cross-entropy on `data`: seeded shuffling, a progress bar and a
 * per-epoch summary line. Returns the per-epoch summaries. Asynchronous because GPU
 * backends read the batch loss back asynchronously (one small read per step). An empty
 * or inconsistent dataset, or a model without one output per class, is a `RangeError`
 * before any step.
 */
export async function fit<M extends Module>(
  model: M,
  data: Dataset,
  opts: FitOptions<M>,
): Promise<EpochSummary[]> {
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) {
    throw new RangeError(`fit: epochs must be an integer ≥ 0, got ${epochs}`);
  }
  checkDataset(data, "fit", { nonEmpty: true });
  if (opts.validation) checkDataset(opts.validation, "fit (validation)", { nonEmpty: true });
  const batchSize = opts.batchSize ?? 128;
  const rng = new Rng(opts.seed ?? 0);
  const sink = opts.progress === false ? null : opts.progress ?? stderrSink();
  const backend = model.parameters()[0]?.backend;
  const history: EpochSummary[] = [];
  const perEpoch = batchCount(data, { batchSize });
  for (let e = 1; e <= epochs; e++) {
    model.train();
    const t0 = performance.now();
    const bar = sink ? new ProgressBar(perEpoch, `epoch ${e}/${epochs}`, sink) : null;
    let lossSum = 0, correct = 0, seen = 0;
    for (const b of batches(data, { batchSize, shuffle: rng, backend })) {
      if (opts.schedule) opts.optimizer.lr = opts.schedule(opts.optimizer.steps);
      const [ce, logits] = tidy(() => stepTensors(model, b, { ...opts, data }));
      b.x.dispose();
      const [l, lg] = await Promise.all([ce.data(), logits.data()]);
      ce.dispose();
      logits.dispose();
      lossSum += l[0] * b.y.length;
      correct += hitsOf(lg, b.y, logits.shape[1]);
      seen += b.y.length;
      bar?.tick(`loss ${(lossSum / seen).toFixed(4)}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const validation = opts.validation ? await evaluate(model, opts.validation) : undefined;
    const s: EpochSummary = {
      epoch: e,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      validation,
      lr: opts.optimizer.lr,
      seconds,
      imagesPerSecond: seen / seconds,
    };
    history.push(s);
    bar?.done(formatEpoch(s));
    opts.onEpoch?.(s);
  }
  return history;
}

/** Correct top-1 predictions of `[rows, classes]` logits. */
function hitsOf(logits: ArrayLike<number>, labels: Int32Array, classes: number): number {
  const pred = argmaxRows(logits, labels.length, classes);
  let hits = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) hits++;
  return hits;
}

/**
 * One optimization step on a batch (forward, backward, optimizer step); returns the
 * batch's mean cross-entropy and its logits as tensors (nothing is read back). With
 * `data`, the logits must have one column per class of it (checked before the step).
 */
export function stepTensors<M extends Module>(
  model: M,
  b: Batch,
  opts: Pick<FitOptions<M>, "optimizer" | "regularizer"> & { data?: Dataset },
): [Tensor, Tensor] {
  const logits = model.forward(b.x);
  if (opts.data) checkClasses("fit", logits, opts.data);
  const ce = crossEntropy(logits, b.y);
  const reg = opts.regularizer?.(model) ?? null;
  const total = reg ? add(ce, reg) : ce;
  // Activations are freed as backward passes them (the step's peak memory is then about
  // the forward's, not forward + gradients); the loss and logits are read afterwards.
  backward(total, { freeActivations: true, keep: [ce, logits] });
  opts.optimizer.step();
  return [ce, logits];
}

/**
 * One optimization step on a batch on a backend with synchronous reads (CPU); returns
 * the batch loss and correct predictions.
 */
export function trainStep<M extends Module>(
  model: M,
  b: Batch,
  opts: Pick<FitOptions<M>, "optimizer" | "regularizer">,
): { loss: number; hits: number } {
  const [ce, logits] = stepTensors(model, b, opts);
  return { loss: ce.item(), hits: hitsOf(logits.toArray(), b.y, logits.shape[1]) };
}

/** `epoch 3: train loss 0.0812 acc 97.51% | val loss 0.0901 acc 97.30% | lr 8.2e-4 | 5120 img/s`. */
export function formatEpoch(s: EpochSummary): string {
  const v = s.validation
    ? ` | val loss ${s.validation.loss.toFixed(4)} acc ${(100 * s.validation.accuracy).toFixed(2)}%`
    : "";
  return `train loss ${s.trainLoss.toFixed(4)} acc ${
    (100 * s.trainAccuracy).toFixed(2)
  }%${v} | lr ${s.lr.toExponential(2)} | ${Math.round(s.imagesPerSecond)} img/s`;
}
