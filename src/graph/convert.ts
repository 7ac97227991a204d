import type { Module } from "../nn/module.ts";
import type { Parameter } from "../nn/parameter.ts";
import { GraphBuilder } from "./builder.ts";
import { GraphModule } from "./graph_module.ts";
import type { Graph, SymShape } from "./ir.ts";
import { validateGraph } from "./validate.ts";

/**
 * Describes `model` as a graph IR plus its parameters (shared, not copied). The input
 * shape excludes the batch axis; `opts.channelAxis` is the input's channel axis counting
 * the batch axis (default 1; 3 for NHWC, 2 for tokens `[B,T,C]`).
 *
 * @example
 * ```ts
 * import { toGraph } from "./convert.ts";
 * import { lenet300100 } from "../nn/models.ts";
 * const { graph } = toGraph(lenet300100({ seed: 0 }), [1, 28, 28], "lenet");
 * console.assert(graph.nodes[0].op === "flatten");
 * ```
 */
export function toGraph(
  model: Module,
  inputShape: SymShape,
  name = "model",
  opts: { channelAxis?: number } = {},
): { graph: Graph; params: Map<string, Parameter> } {
  const b = new GraphBuilder(name);
  const x = b.input("input", [-1, ...inputShape], opts.channelAxis ?? 1);
  b.output(model.emit(b, x, ""));
  const graph = b.build();
  validateGraph(graph);
  return { graph, params: b.parameters };
}

/** Builds a runnable module from a graph and its parameters. */
export function fromGraph(graph: Graph, params: Map<string, Parameter>): GraphModule {
  return new GraphModule(graph, params);
}
