import { join } from "node:path";
import type { Backend } from "../backends/backend.ts";
import type { GraphModule } from "../graph/graph_module.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { loadModel, saveModel } from "../io/model_file.ts";
import type { CycleOptions } from "./options.ts";

/**
 * Options added after checkpoints were first written, with the value that reproduces the
 * behaviour of those runs: a checkpoint lacking one ran with this.
 */
export const LEGACY_OPTIONS: Readonly<Partial<CycleOptions>> = Object.freeze({
  backtrack: 0,
  backtrackFactor: 0.5,
});
import type { CycleRow } from "./report.ts";
import type { RunIdentity } from "./run_identity.ts";

/**
 * The cycle driver's state: the one record `squeezeRelease` updates as it goes, saved as it
 * is after every cycle, so that an interrupted run resumes.
 */
export interface CycleState {
  /** Format version. */
  version: 1;
  /** The next cycle to run. */
  nextCycle: number;
  /** Nonzeros kept by the last accepted prune. */
  nonzeros: number;
  /** Dense validation accuracy (the accuracy budget's reference). */
  denseValAccuracy: number;
  /** Parameters of the original model. */
  originalParams: number;
  /** Consecutive cycles without a removed unit since the first removal. */
  noRemoval: number;
  /** Whether some cycle removed a unit yet. */
  removedAny: boolean;
  /** Report rows so far (the dense model, then every accepted cycle). */
  rows: CycleRow[];
  /** Cycles that broke the accuracy budget (absent in checkpoints before backtracking). */
  rejected?: CycleRow[];
  /** Step scale now (1, times `backtrackFactor` per backtrack; absent: 1). */
  stepScale?: number;
  /** Rejected cycles in a row (absent: 0). */
  rejectedInRow?: number;
  /** Options of the run (a resume must use the same). */
  options: CycleOptions;
  /** The model and data the run started from (a resume must use the same). */
  start?: RunIdentity;
}

/** Files of a checkpoint folder. */
export const CHECKPOINT_FILES = {
  state: "state.json",
  next: "next.safetensors",
  best: "best.safetensors",
  dense: "dense.safetensors",
} as const;

/** Writes state and models (each file atomically; the state last). */
export async function saveCheckpoint(
  dir: string,
  state: CycleState,
  next: GraphModule,
  best: GraphModule,
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await saveModel(join(dir, CHECKPOINT_FILES.next), next);
  await saveModel(join(dir, CHECKPOINT_FILES.best), best);
  await writeFileAtomic(
    join(dir, CHECKPOINT_FILES.state),
    new TextEncoder().encode(JSON.stringify(state, null, 1)),
  );
}

/** Reads a checkpoint (models on `backend`), or null when the folder has none. */
export async function loadCheckpoint(
  dir: string,
  backend?: Backend,
): Promise<{ state: CycleState; next: GraphModule; best: GraphModule } | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, CHECKPOINT_FILES.state));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  let state: CycleState;
  try {
    state = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(
      `${join(dir, CHECKPOINT_FILES.state)}: not valid JSON: ${(e as Error).message}`,
    );
  }
  if (state.version !== 1 || !Number.isInteger(state.nextCycle) || !Array.isArray(state.rows)) {
    throw new SyntaxError(
      `${
        join(dir, CHECKPOINT_FILES.state)
      }: not a squeeze cycle checkpoint (version/nextCycle/rows)`,
    );
  }
  state.options = { ...LEGACY_OPTIONS, ...state.options } as CycleOptions;
  return {
    state,
    next: await loadModel(join(dir, CHECKPOINT_FILES.next), backend),
    best: await loadModel(join(dir, CHECKPOINT_FILES.best), backend),
  };
}
