import type { Backend } from "../backends/backend.ts";
import { Parameter } from "../nn/parameter.ts";
import { tensor } from "../tensor/create.ts";
import { GraphModule } from "./graph_module.ts";

/**
 * A copy of `model` (graph, parameters and masks) on `backend`. Reads asynchronously, so
 * it also brings a model back from a GPU backend.
 *
 * @example
 * ```ts
 * import { moveModel } from "./move.ts";
 * import { fromGraph, toGraph } from "./convert.ts";
 * import { mlp } from "../nn/models.ts";
 * import { createReferenceBackend } from "../backends/js/reference_backend.ts";
 * const { graph, params } = toGraph(mlp([4, 3]), [4]);
 * const copy = await moveModel(fromGraph(graph, params), createReferenceBackend());
 * console.assert(copy.parameterCount() === 15);
 * ```
 */
export async function moveModel(model: GraphModule, backend: Backend): Promise<GraphModule> {
  const params = new Map<string, Parameter>();
  for (const [name, p] of model.namedParameters()) {
    const q = Parameter.of(await p.data(), p.shape, backend);
    if (p.mask) q.mask = tensor(await p.mask.data(), p.shape, { backend });
    params.set(name, q);
  }
  const out = new GraphModule(structuredClone(model.graph), params);
  out.train(model.training);
  return out;
}

/**
 * Copies the parameter values of `from` into the same-named parameters of `to` (masks of
 * `to` stay applied).
 *
 * @example
 * ```ts
 * import { copyParameters } from "./move.ts";
 * import { fromGraph, toGraph } from "./convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const a = toGraph(mlp([2, 2], { seed: 1 }), [2]), b = toGraph(mlp([2, 2], { seed: 2 }), [2]);
 * const to = fromGraph(b.graph, b.params);
 * await copyParameters(fromGraph(a.graph, a.params), to);
 * console.assert(to.parameters()[0].toArray()[0] === a.params.get("fc1.weight")!.toArray()[0]);
 * ```
 */
export async function copyParameters(from: GraphModule, to: GraphModule): Promise<void> {
  const dst = to.namedParameters();
  for (const [name, p] of from.namedParameters()) {
    const q = dst.get(name);
    if (!q) throw new RangeError(`copyParameters: "${name}" is not a parameter of the target`);
    q.assign(await p.data());
  }
}
