import { GraphModule } from "./graph_module.ts";
import type { Graph } from "./ir.ts";

const WIDTHS_SUFFIX = /(^|-)\d+(-\d+)*$/;

/**
 * The name of a minimized graph with `widths` (first input width, then every dense
 * layer's output width): for an MLP (its dense layers are all linear) the widths replace
 * the trailing widths of the old name (`784-300-100-10` → `357-53-19-10`, `lenet` →
 * `lenet-357-53-19-10`); any other graph gets `-min` once (`convnext-222` →
 * `convnext-222-min`).
 *
 * @example
 * ```ts
 * import { minimizedName } from "./graph_name.ts";
 * import { toGraph } from "./convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph } = toGraph(mlp([4, 3, 2]), [4], "4-3-2");
 * console.assert(minimizedName(graph, [3, 2, 2]) === "3-2-2");
 * ```
 */
export function minimizedName(graph: Graph, widths: readonly number[]): string {
  const convs = graph.nodes.some((n) => n.op === "conv2d" || n.op === "dwconv2d");
  if (!convs && widths.length >= 2) {
    const base = graph.name.replace(WIDTHS_SUFFIX, "");
    return base ? `${base}-${widths.join("-")}` : widths.join("-");
  }
  return graph.name.endsWith("-min") ? graph.name : `${graph.name}-min`;
}

/**
 * The same model (parameters shared) under another graph name.
 *
 * @example
 * ```ts
 * import { renamed } from "./graph_name.ts";
 * import { fromGraph, toGraph } from "./convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph, params } = toGraph(mlp([4, 3, 2]), [4], "old");
 * console.assert(renamed(fromGraph(graph, params), "new").graph.name === "new");
 * ```
 */
export function renamed(model: GraphModule, name: string): GraphModule {
  const out = new GraphModule({ ...model.graph, name }, model.namedParameters());
  out.train(model.training);
  return out;
}
