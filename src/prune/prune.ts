/**
 * Pruning steps of the cycle: the structured step (weakest whole units and input
 * features) and the weight-level step down to a nonzero budget.
 *
 * @module
 */
import type { GraphModule } from "../graph/graph_module.ts";
import { prunableLayers } from "./chain.ts";
import { ensureMasks, maskParamWhere, maskWhere } from "./masks.ts";
import { type PruneUnit, pruneUnits } from "./units.ts";

/** What the structured step removed. */
export interface StructuredResult {
  /** Units zeroed per family (e.g. per hidden layer, per residual stage). */
  units: number[];
  /** The family names, in the order of `units`. */
  families: string[];
  /** Input features zeroed. */
  inputs: number;
}

function weakest(units: PruneUnit[], fraction: number): PruneUnit[] {
  const alive = units.filter((u) => u.strength > 0);
  const k = Math.floor(fraction * alive.length);
  alive.sort((a, b) => a.strength - b.strength || a.classId - b.classId);
  return alive.slice(0, k);
}

/**
 * Zeros (through masks) the weakest `unitFraction` of the still-alive units of each
 * family — every writer and reader entry of the unit (see `units.ts`) — and the weakest
 * `inputFraction` of the alive input features (their columns). Strength is the
 * unit-aware norm product of METHOD.md.
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
  const um = pruneUnits(model);
  const families = [...new Set(um.units.map((u) => u.family))];
  const zero = new Map<string, Set<number>>();
  const take = (u: PruneUnit) => {
    for (const e of [...u.writers, ...u.readers]) {
      const s = zero.get(e.param) ?? new Set<number>();
      for (const i of e.indices) s.add(i);
      zero.set(e.param, s);
    }
  };
  const units = families.map((f) => {
    const dead = weakest(um.units.filter((u) => u.family === f), unitFraction);
    dead.forEach(take);
    return dead.length;
  });
  const deadIn = weakest(um.inputs, inputFraction);
  deadIn.forEach(take);
  const params = model.namedParameters();
  for (const [name, set] of zero) maskParamWhere(params.get(name)!, (i) => set.has(i));
  return { units, families, inputs: deadIn.length };
}

/** Options of {@linkcode pruneToBudget}. */
export interface BudgetOptions {
  /** Compare scores across all layers (`global`, default) or prune each layer by the same fraction. */
  scope?: "global" | "layer";
  /** Indices of prunable layers never pruned at weight level (e.g. the last). */
  exclude?: readonly number[];
}

/**
 * Masks the lowest-scoring unmasked weights until at most `budget` nonzero weights remain
 * (over all prunable weights). Returns the nonzero count afterwards.
 */
export function pruneToBudget(
  model: GraphModule,
  budget: number,
  scores: Float64Array[],
  opts: BudgetOptions = {},
): number {
  ensureMasks(model);
  const layers = prunableLayers(model);
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
