import { full, tensor } from "../tensor/create.ts";
import type { GraphModule } from "../graph/graph_module.ts";
import { prunableLayers } from "./chain.ts";
import type { Parameter } from "../nn/parameter.ts";

/** Gives every prunable (linear, conv) weight of `model` a mask (all ones where none exists yet). */
export function ensureMasks(model: GraphModule): void {
  for (const l of prunableLayers(model)) {
    if (!l.weight.mask) {
      l.weight.mask = full(l.weight.shape, 1, { backend: l.weight.backend, dtype: l.weight.dtype });
    }
  }
}

/** Removes every mask (masked entries stay zero until trained or released). */
export function clearMasks(model: GraphModule): void {
  for (const p of model.parameters()) {
    p.mask?.dispose();
    p.mask = null;
  }
}

/**
 * Number of nonzero weights over the prunable (linear, conv) weights (the pruning budget's unit).
 *
 * @example
 * ```ts
 * import { countNonzeroWeights } from "./masks.ts";
 * import { fromGraph, toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph, params } = toGraph(mlp([4, 3, 2]), [4]);
 * console.assert(countNonzeroWeights(fromGraph(graph, params)) === 18);
 * ```
 */
export function countNonzeroWeights(model: GraphModule): number {
  let n = 0;
  for (const l of prunableLayers(model)) {
    const d = l.weight.toArray();
    for (let i = 0; i < d.length; i++) if (d[i] !== 0) n++;
  }
  return n;
}

/**
 * Zeros mask entries (and the weights under them) of prunable layer `layer` where
 * `zero(i)` holds for flat index `i`; returns how many entries were newly masked.
 */
export function maskWhere(model: GraphModule, layer: number, zero: (i: number) => boolean): number {
  return maskParamWhere(prunableLayers(model)[layer].weight, zero);
}

/**
 * Zeros mask entries (and the values under them) of parameter `p` where `zero(i)` holds;
 * gives `p` a mask first if it has none. Returns how many entries were newly masked.
 */
export function maskParamWhere(p: Parameter, zero: (i: number) => boolean): number {
  const m = p.mask ? p.mask.toArray() : new Float32Array(p.size).fill(1);
  let changed = 0;
  for (let i = 0; i < m.length; i++) {
    if (m[i] !== 0 && zero(i)) {
      m[i] = 0;
      changed++;
    }
  }
  const old = p.mask;
  p.mask = tensor(m, p.shape, { backend: p.backend, dtype: p.dtype });
  old?.dispose();
  return changed;
}
