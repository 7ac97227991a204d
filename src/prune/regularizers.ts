/**
 * Structure regularizers for the train phases, as loss terms built from ops (so their
 * gradients come from autograd on every backend).
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { add, mul, scale, unary } from "../ops/elementwise.ts";
import { sum } from "../ops/reduce.ts";
import type { GraphModule } from "../graph/graph_module.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import type { Graph } from "../graph/ir.ts";
import { indexSelect, reshape } from "../ops/shape_ops.ts";
import { hasColumns, prunableLayers } from "./chain.ts";
import type { Entries } from "./units.ts";
import { groupLasso } from "./group_lasso.ts";
import { pruneUnits } from "./units.ts";

/** Regularizer kinds. */
export type RegularizerKind = "group_lasso" | "l1" | "l2" | "none";

const EPS = 1e-12;

/** Σ over groups of `‖group‖₂`, a group being all entries sharing index `keep` on axis `axis`. */
function groupNorms(w: Tensor, axis: 0 | 1): Tensor {
  const axes = w.shape.map((_, i) => i).filter((i) => i !== axis);
  return sum(unary("sqrt", scale(sum(mul(w, w), { axes }), 1, EPS)));
}

/** The entries of each unit spanning several classes (attention heads), per graph. */
const SPANNING = new WeakMap<Graph, Entries[][]>();

function spanningGroups(model: GraphModule): Entries[][] {
  let groups = SPANNING.get(model.graph);
  if (!groups) {
    const span = model.graph.nodes.some((n) => LAYER_OPS.get(n.op)!.unitGroups);
    groups = span
      ? pruneUnits(model).units.filter((u) => u.family.endsWith("(heads)")).map((u) => [
        ...u.writers,
        ...u.readers,
      ])
      : [];
    SPANNING.set(model.graph, groups);
  }
  return groups;
}

/** `‖entries‖₂` of one group spread over several parameters. */
function spreadNorm(model: GraphModule, group: Entries[]): Tensor {
  const params = model.namedParameters();
  let sq: Tensor | null = null;
  for (const e of group) {
    const w = params.get(e.param)!;
    const g = indexSelect(reshape(w, [-1]), 0, e.indices);
    const t = sum(mul(g, g));
    sq = sq ? add(sq, t) : t;
  }
  return unary("sqrt", scale(sq!, 1, EPS));
}

/**
 * Each prunable layer's weight and which of its groups the penalty takes: its columns when
 * the layer has them, its rows unless the layer writes a graph output directly.
 */
function layerGroups(model: GraphModule): { weight: Tensor; rows: boolean; cols: boolean }[] {
  const outputs = new Set(model.graph.outputs);
  return prunableLayers(model).map((l) => ({
    weight: l.weight,
    rows: !outputs.has(l.node.name),
    cols: hasColumns(LAYER_OPS.get(l.node.op)!),
  }));
}

/** The group lasso as one op ({@linkcode groupLasso}) over the same groups. */
function fusedGroupLasso(model: GraphModule, lambda: number): Tensor | null {
  // One input per layer (a weight of two tied layers counts twice, as in the op-by-op
  // form); a spanning group's weight is the input of its first layer, or a new one.
  const layers = layerGroups(model);
  const inputs = layers.map((l) => l.weight);
  const rows = layers.map((l) => l.rows), cols = layers.map((l) => l.cols);
  const slot = new Map<Tensor, number>();
  inputs.forEach((w, k) => slot.has(w) || slot.set(w, k));
  const inputOf = (w: Tensor) => {
    if (!slot.has(w)) {
      slot.set(w, inputs.push(w) - 1);
      rows.push(false);
      cols.push(false);
    }
    return slot.get(w)!;
  };
  const params = model.namedParameters();
  const spans = spanningGroups(model).filter((g) => g.length).map((g) =>
    g.map((e) => ({ input: inputOf(params.get(e.param)!), indices: e.indices }))
  );
  if (inputs.length === 0) return null;
  return scale(groupLasso(inputs, { rows, cols, spans, eps: EPS }), lambda);
}

/**
 * `λ · Σ` over the structure groups of METHOD.md (group lasso): every column (input
 * channel, over its taps) of every pruned weight that has columns, every row (output channel,
 * depthwise filter) except those of layers writing a graph output directly, and every
 * unit spanning several channel classes (an attention head: its query, key and value
 * rows and output-projection columns together); or `λ·Σ|w|`
 * (L1) or `λ·Σw²` (L2) over the prunable weights. On backends that read synchronously
 * the group lasso is one fused op ({@linkcode groupLasso}); `opByOp` forces the form
 * built from elementwise ops and reductions (what other backends run).
 *
 * @example
 * ```ts
 * import { structureRegularizer } from "./regularizers.ts";
 * import { fromGraph, toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph, params } = toGraph(mlp([4, 3, 2]), [4]);
 * const r = structureRegularizer("group_lasso", 1e-4)(fromGraph(graph, params));
 * console.assert(r !== null && r.item() > 0);
 * ```
 */
export function structureRegularizer(
  kind: RegularizerKind,
  lambda: number,
  opts: { opByOp?: boolean } = {},
): (model: GraphModule) => Tensor | null {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) {
    throw new RangeError(`structureRegularizer: lambda must be ≥ 0, got ${lambda}`);
  }
  return (model) => {
    if (kind === "none" || lambda === 0) return null;
    if (kind === "group_lasso" && !opts.opByOp && model.backend.capabilities.syncRead) {
      return fusedGroupLasso(model, lambda);
    }
    let total: Tensor | null = null;
    const acc = (t: Tensor) => (total = total ? add(total, t) : t);
    layerGroups(model).forEach(({ weight: w, rows, cols }) => {
      if (kind === "l1") return acc(sum(unary("abs", w)));
      if (kind === "l2") return acc(sum(mul(w, w)));
      if (cols) acc(groupNorms(w, 1));
      if (rows) acc(groupNorms(w, 0));
    });
    if (kind === "group_lasso") {
      for (const g of spanningGroups(model)) if (g.length) acc(spreadNorm(model, g));
    }
    const t = total as Tensor | null;
    return t ? scale(t, lambda) : null;
  };
}
