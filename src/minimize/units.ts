import type { GraphNode } from "../graph/ir.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import type { MinGraph } from "./min_graph.ts";

/**
 * The channels a dense layer produces, followed through the pointwise layers after it
 * (activations) to the layers that read them. Unit `j` of the group is row `j` of the
 * producer's weight and column `j` of every consumer's weight.
 */
export interface UnitGroup {
  /** The dense (linear) node whose output rows are the units. */
  producer: GraphNode;
  /** The pointwise nodes between producer and consumers, in order. */
  path: GraphNode[];
  /** The value the consumers read. */
  end: string;
  /** Nodes reading `end`. */
  consumers: GraphNode[];
  /** Whether any value along the way is a graph output (its channels then stay). */
  reachesOutput: boolean;
  /** Whether every consumer is a dense layer (so units can be folded or dropped). */
  rewritable: boolean;
}

/** Every unit group of the graph, one per dense node. */
export function unitGroups(mg: MinGraph): UnitGroup[] {
  const groups: UnitGroup[] = [];
  for (const producer of mg.graph.nodes) {
    if (LAYER_OPS.get(producer.op)!.channels !== "dense") continue;
    const path: GraphNode[] = [];
    let end = producer.name;
    let reachesOutput = mg.isOutput(end);
    for (;;) {
      const cs = mg.consumers(end);
      if (cs.length !== 1 || LAYER_OPS.get(cs[0].op)!.channels !== "pointwise") break;
      path.push(cs[0]);
      end = cs[0].name;
      reachesOutput ||= mg.isOutput(end);
    }
    const consumers = mg.consumers(end);
    const rewritable = !reachesOutput && consumers.length > 0 &&
      consumers.every((c) => LAYER_OPS.get(c.op)!.channels === "dense");
    groups.push({ producer, path, end, consumers, reachesOutput, rewritable });
  }
  return groups;
}

/** Indices `0..n-1` not in `drop`. */
export function keepIndices(n: number, drop: ReadonlySet<number>): number[] {
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (!drop.has(i)) keep.push(i);
  return keep;
}
