/**
 * Pruning steps of the cycle: the structured step (weakest whole units and input
 * features) and the weight-level step down to a nonzero budget.
 *
 * @module
 */
import type { GraphModule } from "../graph/graph_module.ts";
import type { ChannelIndex } from "../channels/index.ts";
import { prunableLayers } from "./chain.ts";
import { ensureMasks, maskParamWhere, maskWhere } from "./masks.ts";
import { type PruneUnit, pruneUnits } from "./units.ts";
import { kthSmallest } from "./select.ts";

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
 * unit-aware norm product of METHOD.md. `index` (from `channelIndex(model.graph)`) saves
 * re-indexing the graph when several pruning steps run on one model.
 */
export function pruneWeakestUnits(
  model: GraphModule,
  unitFraction: number,
  inputFraction: number,
  index?: ChannelIndex,
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
  const um = pruneUnits(model, index);
  const families = [...new Set(um.units.map((u) => u.family))];
  const params = model.namedParameters();
  const zero = new Map<string, Uint8Array>();
  const take = (u: PruneUnit) => {
    for (const e of [...u.writers, ...u.readers]) {
      let flags = zero.get(e.param);
      if (!flags) zero.set(e.param, flags = new Uint8Array(params.get(e.param)!.size));
      for (const i of e.indices) flags[i] = 1;
    }
  };
  const units = families.map((f) => {
    const dead = weakest(um.units.filter((u) => u.family === f), unitFraction);
    dead.forEach(take);
    return dead.length;
  });
  const deadIn = weakest(um.inputs, inputFraction);
  deadIn.forEach(take);
  for (const [name, flags] of zero) maskParamWhere(params.get(name)!, (i) => flags[i] === 1);
  return { units, families, inputs: deadIn.length };
}

/** Options of {@linkcode pruneToBudget}. */
export interface BudgetOptions {
  /** Compare scores across all layers (`global`, default) or prune each layer by the same fraction. */
  scope?: "global" | "layer";
  /** Indices of prunable layers never pruned at weight level (e.g. the last). */
  exclude?: readonly number[];
}

/** One layer's weights and scores, for {@linkcode cutLowest}. */
interface Scored {
  /** Index of the prunable layer. */
  layer: number;
  /** Weight values (0 = pruned, never a candidate). */
  weights: ArrayLike<number>;
  /** Scores, same layout. */
  scores: Float64Array;
}

/**
 * Marks in `cut` the `count` nonzero weights of `group` with the lowest scores, ties
 * broken by layer, then index: the order of a sort by (score, layer, index), found in
 * linear time by selecting the `count`-th score ({@linkcode kthSmallest}).
 */
function cutLowest(group: Scored[], count: number, cut: Uint8Array[]): void {
  if (count <= 0) return;
  let n = 0;
  for (const g of group) for (let k = 0; k < g.weights.length; k++) if (g.weights[k] !== 0) n++;
  const values = new Float64Array(n);
  let at = 0;
  for (const g of group) {
    for (let k = 0; k < g.weights.length; k++) {
      if (g.weights[k] === 0) continue;
      if (Number.isNaN(g.scores[k])) {
        throw new RangeError(`pruneToBudget: score ${k} of prunable layer ${g.layer} is NaN`);
      }
      values[at++] = g.scores[k];
    }
  }
  const threshold = kthSmallest(values, count - 1);
  let left = count;
  for (const g of group) {
    for (let k = 0; k < g.weights.length; k++) {
      if (g.weights[k] !== 0 && g.scores[k] < threshold) {
        cut[g.layer][k] = 1;
        left--;
      }
    }
  }
  for (const g of group) {
    for (let k = 0; k < g.weights.length && left > 0; k++) {
      if (g.weights[k] !== 0 && g.scores[k] === threshold) {
        cut[g.layer][k] = 1;
        left--;
      }
    }
  }
}

/**
 * Masks the lowest-scoring unmasked weights until at most `budget` nonzero weights remain
 * (over all prunable weights), in time linear in the number of weights. Ties are broken
 * by layer, then index. Returns the nonzero count afterwards.
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
  const all: Scored[] = layers.map((l, layer) => ({
    layer,
    weights: l.weight.toArray(),
    scores: scores[layer],
  }));
  const nonzeros = (g: Scored) => {
    let c = 0;
    for (let k = 0; k < g.weights.length; k++) if (g.weights[k] !== 0) c++;
    return c;
  };
  const live = all.map(nonzeros);
  const total = live.reduce((s, c) => s + c, 0);
  let excess = total - Math.max(0, Math.floor(budget));
  if (excess <= 0) return total;
  const candidates = all.filter((g) => !exclude.has(g.layer));
  const prunable = candidates.reduce((s, g) => s + live[g.layer], 0);
  if (excess > prunable) excess = prunable;
  const cut = layers.map((l) => new Uint8Array(l.weight.size));
  if ((opts.scope ?? "global") === "global") cutLowest(candidates, excess, cut);
  else {
    const frac = excess / prunable;
    for (const g of candidates) cutLowest([g], Math.round(frac * live[g.layer]), cut);
  }
  let removed = 0;
  cut.forEach((c, li) => (removed += maskWhere(model, li, (k) => c[k] === 1)));
  return total - removed;
}

/** The geometric nonzero budget of METHOD.md: `floor((1 − p) · nnz)`. */
export function nextBudget(nnz: number, p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`nextBudget: p must be in (0, 1), got ${p}`);
  return Math.floor((1 - p) * nnz);
}
