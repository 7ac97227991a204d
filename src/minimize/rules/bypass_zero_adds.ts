import type { Analysis } from "../analysis.ts";
import type { MinGraph } from "../min_graph.ts";

/**
 * Rule: a residual add one of whose inputs is exactly zero on every channel (a branch
 * whose last scale or projection was pruned away) is the identity of the other input;
 * the add goes and the branch, now unread, follows (METHOD.md step 4). Returns the adds
 * removed.
 */
export function bypassZeroAdds(mg: MinGraph, a: Analysis): number {
  let removed = 0;
  for (const n of [...mg.graph.nodes]) {
    if (n.op !== "add") continue;
    const zero = n.inputs.findIndex((v) => a.consts.get(v)!.every((k) => k === 0));
    if (zero < 0) continue;
    mg.bypass(n, n.inputs[1 - zero]);
    removed++;
  }
  return removed;
}
