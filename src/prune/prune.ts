/**
 * Pruning steps of the cycle: the structured step (weakest whole units and input
 * features) and the weight-level step down to a nonzero budget.
 *
 * @module
 */
import type { GraphModule } from "../graph/graph_module.ts";
import { denseChain } from "./chain.ts";
import { unitStrengths } from "./importance.ts";
import { ensureMasks, maskWhere } from "./masks.ts";

/** What the structured step removed. */
export interface StructuredResult {
  /** Hidden units zeroed, per hidden layer. */
  units: number[];
  /** Input features zeroed. */
  inputs: number;
}

function weakest(strength: Float64Array, fraction: number): Set<number> {
  const alive = [...strength.keys()].filter((i) => strength[i] > 0);
  const k = Math.floor(fraction * alive.length);
  alive.sort((a, b) => strength[a] - strength[b] || a - b);
  return new Set(alive.slice(0, k));
}

/**
 * Zeros (through masks) the weakest `unitFraction` of the still-alive hidden units of each
 * hidden layer — incoming row and outgoing column — and the weakest `inputFraction` of the
 * alive input features (their columns in the first layer). Strength is the unit-aware
 * norm product of METHOD.md.
 */
export function pruneWeakestUnits(
  model: GraphModule,
  unitFraction: number,
  inputFraction: number,
): StructuredResult {
  for (
    const [k, v] of [["unitFraction", unitFraction], ["inputFraction", inputFraction]] as const
  ) {
    if (!(v >= 0 && v < 1)) {
      throw new RangeError(
        `pruneWeakestUnits: ${k} must be in [0, 1), got ${v}`,
      );
    }
  }
  ensureMasks(model);
  const layers = denseChain(model);
  const s = unitStrengths(layers);
  const units: number[] = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const dead = weakest(s.outputs[l], unitFraction);
    units.push(dead.size);
    const n = layers[l].weight.shape[1], n2 = layers[l + 1].weight.shape[1];
    maskWhere(model, l, (k) => dead.has(Math.floor(k / n)));
    maskWhere(model, l + 1, (k) => dead.has(k % n2));
  }
  const deadIn = weakest(s.inputs, inputFraction);
  const n0 = layers[0].weight.shape[1];
  maskWhere(model, 0, (k) => deadIn.has(k % n0));
  return { units, inputs: deadIn.size };
}

/** Options of {@linkcode pruneToBudget}. */
export interface BudgetOptions {
  /** Compare scores across all layers (`global`, default) or prune each layer by the same fraction. */
  scope?: "global" | "layer";
  /** Indices of linear layers never pruned at weight level (e.g. the last). */
  exclude?: readonly number[];
}

/**
 * Masks the lowest-scoring unmasked weights until at most `budget` nonzero weights remain
 * (over all linear weights). Returns the nonzero count afterwards.
 */
export function pruneToBudget(
  model: GraphModule,
  budget: number,
  scores: Float64Array[],
  opts: BudgetOptions = {},
): number {
  ensureMasks(model);
  const layers = denseChain(model);
  if (scores.length !== layers.length) {
    throw new RangeError(
      `pruneToBudget: ${scores.length} score arrays for ${layers.length} layers`,
    );
  }
  const exclude = new Set(opts.exclude ?? []);
  const live = layers.map((l) => {
    const w = l.weight.toArray();
    const idx: number[] = [];
    for (let k = 0; k < w.length; k++) if (w[k] !== 0) idx.push(k);
    return idx;
  });
  const total = live.reduce((s, l) => s + l.length, 0);
  let excess = total - Math.max(0, Math.floor(budget));
  if (excess <= 0) return total;
  const candidates = layers.map((_, li) => (exclude.has(li) ? [] : live[li]));
  const prunable = candidates.reduce((s, c) => s + c.length, 0);
  if (excess > prunable) excess = prunable;
  const cut: Set<number>[] = layers.map(() => new Set());
  if ((opts.scope ?? "global") === "global") {
    const all: [number, number, number][] = [];
    candidates.forEach((c, li) => c.forEach((k) => all.push([scores[li][k], li, k])));
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    for (let i = 0; i < excess; i++) cut[all[i][1]].add(all[i][2]);
  } else {
    const frac = excess / prunable;
    candidates.forEach((c, li) => {
      const sorted = [...c].sort((a, b) => scores[li][a] - scores[li][b] || a - b);
      for (const k of sorted.slice(0, Math.round(frac * c.length))) cut[li].add(k);
    });
  }
  let removed = 0;
  cut.forEach((set, li) => (removed += maskWhere(model, li, (k) => set.has(k))));
  return total - removed;
}

/** The geometric nonzero budget of METHOD.md: `floor((1 − p) · nnz)`. */
export function nextBudget(nnz: number, p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`nextBudget: p must be in (0, 1), got ${p}`);
  return Math.floor((1 - p) * nnz);
}
