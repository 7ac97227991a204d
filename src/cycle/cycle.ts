/**
 * The Squeeze-Release driver, exactly as METHOD.md's cycle: dense training with the
 * structure regularizer, then repeat prune (structured step + weight budget) → fine-tune
 * with masks → minimize (verified) → release → train, until a cycle would break the
 * validation accuracy budget or no unit is removed for `patience` cycles. The result is
 * the last minimized model within budget.
 *
 * @module
 */
import { batches, type Dataset } from "../data/dataset.ts";
import type { GraphModule } from "../graph/graph_module.ts";
import { denseWidths, minimize } from "../minimize/rewrite.ts";
import { formatStructure } from "./structure.ts";
import { CONTRACT_TOLERANCE, MinimizationError, verifyOn } from "../minimize/verify.ts";
import { AdamW } from "../nn/optim/adamw.ts";
import { plural, type ProgressSink } from "../nn/progress.ts";
import { cosineLr } from "../nn/schedule.ts";
import { evaluate, fit } from "../nn/train.ts";
import { prunableLayers } from "../prune/chain.ts";
import { importanceScores } from "../prune/importance.ts";
import { channelIndex } from "../channels/index.ts";
import { countNonzeroWeights } from "../prune/masks.ts";
import { nextBudget, pruneToBudget, pruneWeakestUnits } from "../prune/prune.ts";
import { structureRegularizer } from "../prune/regularizers.ts";
import { release } from "../release/release.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { tidy } from "../tensor/scope.ts";
import { CHECKPOINT_FILES, type CycleState, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { saveModel } from "../io/model_file.ts";
import { copyParameters, moveModel } from "../graph/move.ts";
import type { Backend } from "../backends/backend.ts";
import { join } from "node:path";
import type { CycleEvent } from "./events.ts";
import { type CycleOptions, resolveCycleOptions } from "./options.ts";
import type { CycleRow } from "./report.ts";
import { CheckpointMismatchError, mismatches, runIdentity } from "./run_identity.ts";

/** Data of a run: decisions use `validation`; `test` is only reported. */
export interface CycleData {
  /** Training split. */
  train: Dataset;
  /** Validation split (accuracy budget). */
  validation: Dataset;
  /** Test split (reported). */
  test: Dataset;
}

/** Run settings that are not part of the recipe. */
export interface CycleRunSettings {
  /** Receives progress events. */
  onEvent?: (e: CycleEvent) => void;
  /** Epoch progress output for the train phases (false: none). */
  progress?: ProgressSink | false;
  /** Folder for checkpoints after every cycle (and the trained dense model, `dense.safetensors`). */
  checkpointDir?: string;
  /**
   * Run the train phases on this backend (e.g. WebGPU) while the model, pruning,
   * minimization and release stay on the model's CPU backend: each phase copies the
   * model over and its trained parameters back.
   */
  trainBackend?: Backend;
  /** Continue from the checkpoint in `checkpointDir` when there is one. */
  resume?: boolean;
}

/** Result of {@linkcode squeezeRelease}. */
export interface CycleResult {
  /** The last minimized model within the accuracy budget (the dense one if none was). */
  best: GraphModule;
  /** Report rows: the dense model, then every accepted cycle. */
  rows: CycleRow[];
  /** Why the loop ended. */
  stopReason: string;
  /** Cycles that broke the accuracy budget (the last one ended the run; others were backtracked). */
  rejected: CycleRow[];
}

/** Settings of one train phase. */
export interface TrainPhase {
  /** Epochs (0: nothing happens). */
  epochs: number;
  /** Peak learning rate (AdamW, cosine decay to 0 over the phase). */
  lr: number;
  /** Batch size. */
  batchSize: number;
  /** Shuffling seed. */
  seed: number;
  /** Loss term added to the cross-entropy. */
  regularizer?: (m: GraphModule) => Tensor | null;
  /** Epoch progress output. */
  progress: ProgressSink | false;
  /**
   * Train on this backend (e.g. WebGPU) instead of the model's: the model is copied over
   * and its trained parameters back.
   */
  backend?: Backend;
}

/**
 * Whether accuracy `acc` lies more than `budget` points below `dense` (fractions in, points
 * for the budget). Accuracies are counts over a split, so a drop of exactly the budget is
 * common (25 of 5,000 images = 0.5 points) and must not be rejected by float rounding
 * (0.9824 − 0.9774 is 0.50000000000000711 points in float64).
 *
 * @example
 * ```ts
 * import { breaksBudget } from "./cycle.ts";
 * console.assert(!breaksBudget(0.9824, 0.9774, 0.5) && breaksBudget(0.9824, 0.9772, 0.5));
 * ```
 */
export function breaksBudget(dense: number, acc: number, budget: number): boolean {
  return 100 * (dense - acc) > budget + 1e-9;
}

/**
 * One train phase of the cycle: AdamW with a cosine schedule over the phase; masks are
 * held (masked entries stay zero).
 */
export async function trainPhase(m: GraphModule, train: Dataset, p: TrainPhase): Promise<void> {
  if (p.epochs === 0) return;
  if (p.backend && p.backend !== m.backend) {
    const there = await moveModel(m, p.backend);
    await trainPhase(there, train, { ...p, backend: undefined });
    await copyParameters(there, m);
    there.dispose();
    return;
  }
  const optimizer = new AdamW(m.parameters(), { lr: p.lr });
  const steps = p.epochs * Math.ceil(train.labels.length / p.batchSize);
  await fit(m, train, {
    optimizer,
    epochs: p.epochs,
    batchSize: p.batchSize,
    seed: p.seed,
    schedule: cosineLr(p.lr, steps),
    regularizer: p.regularizer,
    progress: p.progress,
  });
  optimizer.dispose();
}

/**
 * Runs Squeeze-Release on `model` (a graph model; pass `denseEpochs: 0` when it is
 * already trained). Emits events, writes checkpoints when asked, and returns the report.
 * A `resume` whose checkpoint was made with other options (except `maxCycles`), another
 * starting model or other data throws a `CheckpointMismatchError` naming each difference;
 * `excludeLayers` outside the model's prunable layers is a `RangeError` before any work.
 */
export async function squeezeRelease(
  model: GraphModule,
  data: CycleData,
  options: Partial<CycleOptions> = {},
  settings: CycleRunSettings = {},
): Promise<CycleResult> {
  const o = resolveCycleOptions(options);
  const layerCount = prunableLayers(model).length;
  const exclude = o.excludeLayers.map((i) => {
    if (i < -layerCount || i >= layerCount) {
      throw new RangeError(
        `cycle: option excludeLayers: ${i} is not a layer of this model's ${layerCount} prunable layers (valid ${-layerCount} … ${
          layerCount - 1
        })`,
      );
    }
    return i < 0 ? layerCount + i : i;
  });
  const emit = settings.onEvent ?? (() => {});
  const progress = settings.progress ?? false;
  const regularizer = structureRegularizer(o.regularizer, o.lambda);
  const train = (m: GraphModule, epochs: number, lr: number, reg: boolean, seed: number) =>
    trainPhase(m, data.train, {
      epochs,
      lr,
      batchSize: o.batchSize,
      seed,
      regularizer: reg ? regularizer : undefined,
      progress,
      backend: settings.trainBackend,
    });
  const row = async (
    cycle: number,
    m: GraphModule,
    extra: Partial<CycleRow>,
    original: number,
    t0: number,
  ): Promise<CycleRow> => {
    const v = await evaluate(m, data.validation), t = await evaluate(m, data.test);
    const params = m.parameterCount();
    return {
      cycle,
      params,
      bytes: params * 4,
      ratio: original / params,
      widths: denseWidths(m),
      structure: formatStructure(m.graph),
      nonzeros: countNonzeroWeights(m),
      unitsRemoved: 0,
      valAccuracy: v.accuracy,
      valLoss: v.loss,
      testAccuracy: t.accuracy,
      maxRelDiff: 0,
      releaseChange: NaN,
      seconds: (performance.now() - t0) / 1000,
      ...extra,
    };
  };

  // The run's one state record: the loop updates it, checkpoints save it as it is.
  let state: CycleState;
  let current = model.clone();
  let best = model;
  const saved = settings.resume && settings.checkpointDir
    ? await loadCheckpoint(settings.checkpointDir, model.backend)
    : null;
  const start = runIdentity(model, data);
  if (saved) {
    const differ = mismatches(saved.state, o, start);
    if (differ.length) throw new CheckpointMismatchError(settings.checkpointDir!, differ);
    current.dispose();
    current = saved.next;
    best = saved.best;
    // Only the resumable options may differ; the run goes on under the ones asked for now.
    state = Object.assign(saved.state, { options: o, start });
    emit({ type: "resume", cycle: state.nextCycle });
  } else {
    const t0 = performance.now();
    emit({
      type: "phase",
      cycle: 0,
      phase: "dense",
      detail: `${plural(o.denseEpochs, "epoch")}, ${o.regularizer} λ=${o.lambda}`,
    });
    await train(current, o.denseEpochs, o.denseLr, true, o.seed);
    const original = model.parameterCount();
    const dense = await row(0, current, {}, original, t0);
    if (settings.checkpointDir) {
      await Deno.mkdir(settings.checkpointDir, { recursive: true });
      await saveModel(join(settings.checkpointDir, CHECKPOINT_FILES.dense), current);
    }
    best = current.clone();
    state = {
      version: 1,
      nextCycle: 1,
      nonzeros: dense.nonzeros,
      denseValAccuracy: dense.valAccuracy,
      originalParams: original,
      noRemoval: 0,
      removedAny: false,
      rows: [dense],
      options: o,
      start,
    };
    emit({ type: "cycle", row: dense, accepted: true });
  }

  let stopReason = `reached maxCycles (${o.maxCycles})`;
  state.rejected ??= [];
  for (let t = state.nextCycle; t <= o.maxCycles; t++) {
    const t0 = performance.now();
    const cand = current.clone();
    const before = denseWidths(cand);
    const scale = state.stepScale ?? 1;
    emit({
      type: "phase",
      cycle: t,
      phase: "prune",
      detail: scale === 1 ? "" : `step ×${+scale.toPrecision(4)}`,
    });
    const index = channelIndex(cand.graph); // one channel index for both pruning steps
    pruneWeakestUnits(cand, o.unitFraction * scale, o.inputFraction * scale, index);
    const budget = nextBudget(state.nonzeros, o.budgetFraction * scale);
    const scores = importanceScores(cand, o.importance, undefined, index);
    const kept = pruneToBudget(cand, budget, scores, { exclude });
    emit({
      type: "phase",
      cycle: t,
      phase: "fine-tune",
      detail: `${kept} nonzeros (budget ${budget})`,
    });
    await train(cand, o.fineTuneEpochs, o.lr, false, o.seed + 1000 * t);
    emit({ type: "phase", cycle: t, phase: "minimize", detail: "" });
    const { model: min } = minimize(cand);
    const maxRelDiff = verifyOn(cand, min, data.test);
    if (!(maxRelDiff <= CONTRACT_TOLERANCE)) {
      throw new MinimizationError(
        `cycle ${t}: minimized model differs from the masked one by ${maxRelDiff} (contract ${CONTRACT_TOLERANCE.toExponential()})`,
      );
    }
    const after = denseWidths(min);
    const unitsRemoved = before.slice(0, -1).reduce((s, w, i) => s + w - after[i], 0);
    const r = await row(
      t,
      min,
      { unitsRemoved, maxRelDiff, nonzeros: kept },
      state.originalParams,
      t0,
    );
    cand.dispose();
    r.stepScale = scale;
    const drop = 100 * (state.denseValAccuracy - r.valAccuracy);
    if (breaksBudget(state.denseValAccuracy, r.valAccuracy, o.accuracyBudget)) {
      min.dispose();
      emit({ type: "cycle", row: r, accepted: false });
      state.rejected.push(r);
      state.rejectedInRow = (state.rejectedInRow ?? 0) + 1;
      state.nextCycle = t + 1;
      const broke = `cycle ${t} broke the accuracy budget (validation −${
        drop.toFixed(2)
      } pp > ${o.accuracyBudget} pp)`;
      if (state.rejectedInRow > o.backtrack) {
        stopReason = o.backtrack > 0
          ? `${broke}, ${plural(state.rejectedInRow, "rejected cycle")} in a row`
          : broke;
        break;
      }
      // Backtrack: the next cycle starts again from the last accepted model, smaller step.
      state.stepScale = scale * o.backtrackFactor;
      emit({
        type: "phase",
        cycle: t,
        phase: "backtrack",
        detail: `${broke}; retrying from the last accepted model with step ×${+state.stepScale
          .toPrecision(4)}`,
      });
      if (settings.checkpointDir) {
        await saveCheckpoint(settings.checkpointDir, state, current, best);
      }
      continue;
    }
    state.rejectedInRow = 0;
    const previousBest = best;
    best = min.clone();
    previousBest.dispose();
    state.nonzeros = kept;
    if (unitsRemoved > 0) {
      state.removedAny = true;
      state.noRemoval = 0;
    } else if (state.removedAny) state.noRemoval++;
    const stop = state.noRemoval >= o.patience;
    if (!stop) {
      emit({ type: "phase", cycle: t, phase: "release", detail: `α=${o.alpha}` });
      const calibration =
        batches(data.validation, { batchSize: 512, backend: min.backend }).next().value!.x;
      const rel = o.alpha > 0
        ? tidy(() =>
          release(min, {
            alpha: o.alpha,
            seed: o.seed + t,
            calibration,
            maxChange: o.releaseMaxChange,
          })
        )
        : null;
      calibration.dispose();
      r.releaseChange = rel ? rel.change : NaN;
      emit({ type: "phase", cycle: t, phase: "train", detail: plural(o.trainEpochs, "epoch") });
      await train(min, o.trainEpochs, o.lr, true, o.seed + 1000 * t + 1);
      current.dispose();
      current = min;
    } else {
      min.dispose();
    }
    r.seconds = (performance.now() - t0) / 1000;
    state.rows.push(r);
    state.nextCycle = t + 1;
    emit({ type: "cycle", row: r, accepted: true });
    if (settings.checkpointDir) await saveCheckpoint(settings.checkpointDir, state, current, best);
    if (stop) {
      stopReason = `no unit removed for ${o.patience} cycles`;
      break;
    }
  }
  current.dispose();
  emit({ type: "stop", cycle: state.rows.at(-1)!.cycle, reason: stopReason });
  return { best, rows: state.rows, stopReason, rejected: state.rejected };
}
