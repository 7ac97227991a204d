import type { Analysis } from "../../channels/analysis.ts";
import type { MinGraph } from "../min_graph.ts";

/**
 * Rule: a node whose output no node reads and that is not a graph output computes
 * nothing the model returns; it goes with its parameters (a tied parameter stays while
 * another node names it). Returns the nodes removed.
 */
export function dropUnreadNodes(mg: MinGraph, _a: Analysis): number {
  let removed = 0;
  for (;;) {
    const read = new Set(mg.graph.nodes.flatMap((n) => n.inputs));
    const unread = mg.graph.nodes.filter((n) => !read.has(n.name) && !mg.isOutput(n.name));
    if (unread.length === 0) return removed;
    for (const n of unread) mg.deleteNode(n);
    removed += unread.length;
  }
}
