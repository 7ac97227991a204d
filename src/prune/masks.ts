import { full, tensor } from "../tensor/create.ts";
import type { GraphModule } from "../graph/graph_module.ts";
import { denseChain } from "./chain.ts";

/** Gives every linear weight of `model` a mask (all ones where none exists yet). */
export function ensureMasks(model: GraphModule): void {
  for (const l of denseChain(model)) {
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
 * Number of nonzero weights over the linear weights (the pruning budget's unit).
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
  for (const l of denseChain(model)) {
    const d = l.weight.toArray();
    for (let i = 0; i < d.length; i++) if (d[i] !== 0) n++;
  }
  return n;
}

/**
 * Zeros mask entries (and the weights under them) of linear layer `layer` where
 * `zero(i)` holds for flat index `i`; returns how many entries were newly masked.
 */
export function maskWhere(model: GraphModule, layer: number, zero: (i: number) => boolean): number {
  const l = denseChain(model)[layer];
  const m = l.weight.mask ? l.weight.mask.toArray() : new Float32Array(l.weight.size).fill(1);
  let changed = 0;
  for (let i = 0; i < m.length; i++) {
    if (m[i] !== 0 && zero(i)) {
      m[i] = 0;
      changed++;
    }
  }
  const old = l.weight.mask;
  l.weight.mask = tensor(m, l.weight.shape, { backend: l.weight.backend, dtype: l.weight.dtype });
  old?.dispose();
  return changed;
}
