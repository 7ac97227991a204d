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

/** The group lasso as one op ({@linkcode groupLasso}) over the same groups. */
function fusedGroupLasso(model: GraphModule, lambda: number): Tensor | null {
  const outputs = new Set(model.graph.outputs);
  const params = model.namedParameters();
  const inputs: Tensor[] = [], rows: boolean[] = [], cols: boolean[] = [];
  const slot = new Map<Tensor, number>();
  // A weight of two layers (tied) is two inputs, its groups counted twice as in the
  // op-by-op form; a spanning group's weight is the input of its first layer.
  const of = (w: Tensor, fresh: boolean) => {
    let k = fresh ? undefined : slot.get(w);
    if (k === undefined) {
      if (!slot.has(w)) slot.set(w, inputs.length);
      k = inputs.length;
      inputs.push(w);
      rows.push(false);
      cols.push(false);
    }
    return k;
  };
  for (const l of prunableLayers(model)) {
    const k = of(l.weight, true);
    if (hasColumns(LAYER_OPS.get(l.node.op)!)) cols[k] = true;
    if (!outputs.has(l.node.name)) rows[k] = true;
  }
  const spans = spanningGroups(model).filter((g) => g.length).map((g) =>
    g.map((e) => ({ input: of(params.get(e.param)!, false), indices: e.indices }))
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
    const layers = prunableLayers(model);
    const outputs = new Set(model.graph.outputs);
    let total: Tensor | null = null;
    const acc = (t: Tensor) => (total = total ? add(total, t) : t);
    layers.forEach((l) => {
      const w = l.weight;
      if (kind === "l1") return acc(sum(unary("abs", w)));
      if (kind === "l2") return acc(sum(mul(w, w)));
      if (hasColumns(LAYER_OPS.get(l.node.op)!)) acc(groupNorms(w, 1));
      if (!outputs.has(l.node.name)) acc(groupNorms(w, 0));
    });
    if (kind === "group_lasso") {
      for (const g of spanningGroups(model)) if (g.length) acc(spreadNorm(model, g));
    }
    const t = total as Tensor | null;
    return t ? scale(t, lambda) : null;
  };
}
