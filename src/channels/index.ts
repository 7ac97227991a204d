/**
 * The channel index of a graph: shapes, channel axes, readers and producers of every
 * value, each node's channel kind and the coupling classes with norms linked (pruning
 * units). It depends on the graph only, not on weights or masks, so one index serves
 * every pruning step of a cycle (build it once, pass it along).
 *
 * @module
 */
import type { Graph, GraphNode, SymShape } from "../graph/ir.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import { validateGraph } from "../graph/validate.ts";
import { widthAt } from "./analysis.ts";
import { type ChannelClasses, channelClasses, type ShapedGraph } from "./classes.ts";
import { type ChannelKind, kindOf } from "./kinds.ts";

/** What {@linkcode channelIndex} returns. */
export interface ChannelIndex extends ShapedGraph {
  /** The graph indexed (the very object: an index belongs to one graph). */
  readonly graph: Graph;
  /** Value shapes. */
  readonly shapes: ReadonlyMap<string, SymShape>;
  /** Nodes reading each value (each node once). */
  readonly readers: ReadonlyMap<string, readonly GraphNode[]>;
  /** The node producing each non-input value. */
  readonly producer: ReadonlyMap<string, GraphNode>;
  /** Position of each node in the graph. */
  readonly order: ReadonlyMap<string, number>;
  /** Coupling classes with norms linked (the pruning units). */
  readonly classes: ChannelClasses;
  /** The channel kind the walkers use for node `n`. */
  kind(n: GraphNode): ChannelKind;
  /** Channels of value `v`. */
  width(v: string): number;
}

/**
 * Indexes `graph` (validating it).
 *
 * @example
 * ```ts
 * import { channelIndex } from "./index.ts";
 * import { toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph } = toGraph(mlp([4, 3, 2]), [4]);
 * const ix = channelIndex(graph);
 * console.assert(ix.readers.get("fc1")![0].name === "act1" && ix.width("fc1") === 3);
 * ```
 */
export function channelIndex(graph: Graph): ChannelIndex {
  const { shapes, axes } = validateGraph(graph);
  const readers = new Map<string, GraphNode[]>();
  for (const n of graph.nodes) {
    for (const v of new Set(n.inputs)) readers.set(v, [...(readers.get(v) ?? []), n]);
  }
  const kinds = new Map(
    graph.nodes.map((n) => [n, kindOf(n, LAYER_OPS.get(n.op)!, shapes, axes)]),
  );
  return {
    graph,
    shapes,
    axes,
    readers,
    producer: new Map(graph.nodes.map((n) => [n.name, n])),
    order: new Map(graph.nodes.map((n, i) => [n.name, i])),
    classes: channelClasses({ graph, shapes, axes }, { norms: "link" }),
    kind: (n) => kinds.get(n)!,
    width: (v) => widthAt(shapes.get(v)!, axes.get(v)!),
  };
}

/**
 * Whether `value` comes from a graph input through layers whose every output channel is
 * one input channel (flatten, select, channelwise), so its channels are input features.
 */
export function fromInput(
  ix: Pick<ChannelIndex, "producer" | "kind">,
  value: string,
): boolean {
  for (let v = value;;) {
    const p = ix.producer.get(v);
    if (!p) return true;
    if (!ix.kind(p).singleSource) return false;
    v = p.inputs[0];
  }
}
