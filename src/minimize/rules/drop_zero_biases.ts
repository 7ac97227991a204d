import { LAYER_OPS } from "../../graph/layer_ops.ts";
import type { Analysis } from "../../channels/analysis.ts";
import type { MinGraph } from "../min_graph.ts";

/**
 * Rule: an optional bias (linear, conv) whose entries are all exactly zero adds nothing; the parameter is
 * deleted. Returns the number of bias entries removed.
 */
export function dropZeroBiases(mg: MinGraph, _a: Analysis): number {
  let removed = 0;
  for (const n of mg.graph.nodes) {
    const b = mg.param(n, "bias");
    const slot = LAYER_OPS.get(n.op)!.params.find((s) => s.role === "bias");
    if (!b || !slot?.optional || b.data.some((v) => v !== 0)) continue;
    mg.params.delete(n.params.bias);
    delete mg.graph.params[n.params.bias];
    delete n.params.bias;
    removed += b.data.length;
  }
  return removed;
}
