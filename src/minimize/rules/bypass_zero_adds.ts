import { LAYER_OPS } from "../../graph/layer_ops.ts";
import type { Analysis } from "../../channels/analysis.ts";
import { kindOf } from "../../channels/kinds.ts";
import type { MinGraph } from "../min_graph.ts";

/**
 * Rule: a sum (residual add) one of whose two inputs is exactly zero on every channel (a
 * branch whose last scale or projection was pruned away) is the identity of the other
 * input; the sum goes and the branch, now unread, follows (METHOD.md step 4). Returns the
 * sums removed.
 */
export function bypassZeroAdds(mg: MinGraph, a: Analysis): number {
  let removed = 0;
  for (const n of [...mg.graph.nodes]) {
    if (!kindOf(n, LAYER_OPS.get(n.op)!, a.shapes, a.axes).sums) continue;
    const zero = n.inputs.findIndex((v) => a.consts.get(v)!.every((k) => k === 0));
    if (zero < 0) continue;
    const rest = n.inputs.filter((_, i) => i !== zero);
    if (rest.length !== 1) continue;
    mg.bypass(n, rest[0]);
    removed++;
  }
  return removed;
}
