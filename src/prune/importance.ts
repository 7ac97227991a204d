/**
 * Weight importance scores, one Float64Array per linear layer (same layout as the
 * weight). Masked entries score 0 and are never candidates.
 *
 * @module
 */
import type { GraphModule } from "../graph/graph_module.ts";
import type { ChannelIndex } from "../channels/index.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import { type DenseLayer, hasColumns, prunableLayers } from "./chain.ts";
import { pruneUnits } from "./units.ts";
import { backward } from "../autograd/backward.ts";
import { batches, type Dataset } from "../data/dataset.ts";
import { crossEntropy } from "../ops/loss.ts";
import { tidy } from "../tensor/scope.ts";

/** Importance criteria. */
export type ImportanceKind = "magnitude" | "taylor" | "unit";

/** Euclidean norms of the rows (`axis` 1) or columns (`axis` 0) of an `[out, in]` matrix. */
export function norms(w: ArrayLike<number>, rows: number, cols: number, axis: 0 | 1): Float64Array {
  const out = new Float64Array(axis === 1 ? rows : cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = w[r * cols + c];
      out[axis === 1 ? r : c] += v * v;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i]);
  return out;
}

/**
 * Unit strengths: for the outputs of layer l, incoming-row norm × outgoing-column norm
 * in layer l+1 (row norm alone for the last layer); for layer l's inputs, the strength of
 * the units of layer l−1, or for the first layer (input features) the outgoing-column norm.
 */
export function unitStrengths(
  layers: DenseLayer[],
): { inputs: Float64Array; outputs: Float64Array[] } {
  const ws = layers.map((l) => l.weight.toArray());
  const outputs = layers.map((l, i) => {
    const [o, n] = l.weight.shape;
    const row = norms(ws[i], o, n, 1);
    if (i + 1 < layers.length) {
      const [o2, n2] = layers[i + 1].weight.shape;
      const col = norms(ws[i + 1], o2, n2, 0);
      for (let j = 0; j < o; j++) row[j] *= col[j];
    }
    return row;
  });
  const [o0, n0] = layers[0].weight.shape;
  return { inputs: norms(ws[0], o0, n0, 0), outputs };
}

/**
 * Importance scores of every linear weight.
 * - `magnitude`: |w|.
 * - `taylor`: |w·g| with `grads` (one array per layer, e.g. accumulated over batches).
 * - `unit`: |w| × strength(out unit) × strength(in unit), divided by the layer's mean
 *   score over unmasked entries (METHOD.md's unit-aware criterion).
 *
 * `index` (from `channelIndex(model.graph)`) saves re-indexing the graph for `unit`.
 */
export function importanceScores(
  model: GraphModule,
  kind: ImportanceKind,
  grads?: ArrayLike<number>[],
  index?: ChannelIndex,
): Float64Array[] {
  const layers = prunableLayers(model);
  if (kind === "taylor" && (!grads || grads.length !== layers.length)) {
    throw new RangeError(
      `importanceScores: taylor needs one gradient array per layer (${layers.length})`,
    );
  }
  const um = kind === "unit" ? pruneUnits(model, index) : null;
  return layers.map((l, li) => {
    const w = l.weight.toArray();
    const m = l.weight.mask?.toArray();
    const [o, n] = l.weight.shape;
    const t = w.length / (o * n);
    // A weight without columns (depthwise) reads input channel j in row j.
    const columns = hasColumns(LAYER_OPS.get(l.node.op)!);
    const s = new Float64Array(w.length);
    let sum = 0, count = 0;
    for (let j = 0; j < o; j++) {
      const sout = um ? um.strengthOf(l.node.name, j) : 1;
      for (let i = 0; i < n; i++) {
        const sin = um ? um.strengthOf(l.node.inputs[0], columns ? i : j) : 1;
        for (let q = 0; q < t; q++) {
          const k = (j * n + i) * t + q;
          if (m && m[k] === 0) continue;
          let v = Math.abs(w[k]);
          if (kind === "taylor") v = Math.abs(w[k] * grads![li][k]);
          else if (um) v *= sout * sin;
          s[k] = v;
          sum += v;
          count++;
        }
      }
    }
    if (kind === "unit" && sum > 0) { for (let k = 0; k < s.length; k++) s[k] /= sum / count; }
    return s;
  });
}

/**
 * Mean gradient of the cross-entropy with respect to each linear weight over the first
 * `batches` mini-batches of `data` (for Taylor importance `|w·g|`).
 *
 * @example
 * ```ts
 * import { importanceScores, meanGradients } from "./importance.ts";
 * import { fromGraph, toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph, params } = toGraph(mlp([2, 3, 2]), [2]);
 * const m = fromGraph(graph, params);
 * const data = { name: "t", sampleShape: [2], inputs: Float32Array.of(1, 2, 3, 4), labels: Int32Array.of(0, 1), classes: 2 };
 * const scores = importanceScores(m, "taylor", meanGradients(m, data, 1));
 * console.assert(scores.length === 2);
 * ```
 */
export function meanGradients(
  model: GraphModule,
  data: Dataset,
  batchCount = 10,
  batchSize = 128,
): Float64Array[] {
  const layers = prunableLayers(model);
  const sums = layers.map((l) => new Float64Array(l.weight.size));
  let n = 0;
  for (const b of batches(data, { batchSize, backend: layers[0].weight.backend })) {
    if (n >= batchCount) break;
    tidy(() => {
      backward(crossEntropy(model.forward(b.x), b.y));
      layers.forEach((l, i) => {
        const g = l.weight.grad!.toArray();
        for (let k = 0; k < g.length; k++) sums[i][k] += g[k];
      });
    });
    for (const p of model.parameters()) p.grad = null;
    b.x.dispose();
    n++;
  }
  return sums.map((s) => s.map((v) => v / Math.max(1, n)));
}
