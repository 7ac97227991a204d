import type { GraphModule } from "../graph/graph_module.ts";
import type { GraphNode } from "../graph/ir.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import type { LayerOp } from "../graph/layer_op.ts";
import { CHANNEL_KINDS } from "../channels/kinds.ts";
import type { Parameter } from "../nn/parameter.ts";

/** Thrown when a graph holds a layer that pruning or minimization cannot handle yet. */
export class UnsupportedLayerError extends TypeError {
  /** Error name. */
  override name = "UnsupportedLayerError";
}

/** One fully-connected layer of a dense chain. */
export interface DenseLayer {
  /** The graph node. */
  node: GraphNode;
  /** `[out, in]` weight. */
  weight: Parameter;
  /** `[out]` bias or null. */
  bias: Parameter | null;
  /** Parameter name of the weight. */
  weightName: string;
}

/**
 * The linear layers of a feed-forward chain (input → flatten/select → linear →
 * activation → … → linear), in order. The channels of layer l's output are the input
 * channels of layer l+1. Throws {@linkcode UnsupportedLayerError} naming the first node
 * outside that form (residual adds, branches), so pruning never guesses.
 *
 * @example
 * ```ts
 * import { denseChain } from "./chain.ts";
 * import { fromGraph, toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph, params } = toGraph(mlp([4, 3, 2]), [4]);
 * console.assert(denseChain(fromGraph(graph, params)).length === 2);
 * ```
 */
export function denseChain(model: GraphModule): DenseLayer[] {
  const g = model.graph;
  const params = model.namedParameters();
  const consumers = new Map<string, number>();
  for (const n of g.nodes) for (const v of n.inputs) consumers.set(v, (consumers.get(v) ?? 0) + 1);
  const out: DenseLayer[] = [];
  for (const n of g.nodes) {
    const op = LAYER_OPS.get(n.op)!;
    const fanOut = consumers.get(n.name) ?? 0;
    if (CHANNEL_KINDS[op.channels].sums || n.inputs.length !== 1 || fanOut > 1) {
      throw new UnsupportedLayerError(
        `layer "${n.name}" (${n.op}) is not supported here yet: only feed-forward chains of linear, activation, flatten and select layers`,
      );
    }
    if (CHANNEL_KINDS[op.channels].mixes) {
      out.push({
        node: n,
        weight: params.get(n.params.weight)!,
        bias: n.params.bias ? params.get(n.params.bias)! : null,
        weightName: n.params.weight,
      });
    }
  }
  if (out.length === 0) throw new UnsupportedLayerError(`graph "${g.name}" has no linear layer`);
  return out;
}

/** Whether the weight an op prunes has entries of its own per input channel (columns). */
export function hasColumns(op: LayerOp): boolean {
  return (op.slices ?? []).some((s) => s.role === op.prunes && s.of === "input");
}

/**
 * Every weight pruning works on — the `prunes` role of each layer op that has one
 * (linear, convolution and depthwise convolution layers), in graph order — for any graph
 * (for a feed-forward chain: the same list as {@linkcode denseChain}).
 *
 * @example
 * ```ts
 * import { prunableLayers } from "./chain.ts";
 * import { fromGraph, toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph, params } = toGraph(mlp([4, 3, 2]), [4]);
 * console.assert(prunableLayers(fromGraph(graph, params)).length === 2);
 * ```
 */
export function prunableLayers(model: GraphModule): DenseLayer[] {
  const params = model.namedParameters();
  const out = model.graph.nodes
    .filter((n) => LAYER_OPS.get(n.op)!.prunes !== undefined)
    .map((n) => {
      const role = LAYER_OPS.get(n.op)!.prunes!;
      return {
        node: n,
        weight: params.get(n.params[role])!,
        bias: n.params.bias ? params.get(n.params.bias)! : null,
        weightName: n.params[role],
      };
    });
  if (out.length === 0) {
    throw new UnsupportedLayerError(`graph "${model.graph.name}" has no linear or conv layer`);
  }
  return out;
}
