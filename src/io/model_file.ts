import type { GraphModule } from "../graph/graph_module.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { encodeSafetensors, type NamedArray } from "./safetensors.ts";
import { FORMAT_KEY, GRAPH_KEY, MASK_PREFIX } from "./model_read.ts";

export { decodeModel, FORMAT_KEY, GRAPH_KEY, loadModel, type LoadOptions } from "./model_read.ts";

/**
 * Serializes a graph model to bytes: one safetensors file whose `__metadata__` holds
 * the JSON architecture (`squeeze.graph`) and whose tensors are the parameters by name
 * (masks, if any, as `__mask__.<name>`).
 */
export function encodeModel(model: GraphModule): Uint8Array {
  const tensors = new Map<string, NamedArray>();
  const masks = new Map<string, NamedArray>();
  for (const [name, p] of model.namedParameters()) {
    tensors.set(name, { shape: [...p.shape], data: p.toArray() });
    if (p.mask) masks.set(MASK_PREFIX + name, { shape: [...p.shape], data: p.mask.toArray() });
  }
  for (const [k, v] of masks) tensors.set(k, v);
  return encodeSafetensors(tensors, {
    [FORMAT_KEY]: "squeeze.model/1",
    [GRAPH_KEY]: JSON.stringify(model.graph),
  });
}

/**
 * Saves a model atomically (temp file + rename): a crash never leaves a partial file.
 *
 * @example
 * ```ts ignore
 * import { saveModel } from "./model_file.ts";
 * import { toGraph, fromGraph } from "../graph/convert.ts";
 * import { lenet300100 } from "../nn/models.ts";
 * const { graph, params } = toGraph(lenet300100(), [1, 28, 28], "lenet");
 * await saveModel("lenet.safetensors", fromGraph(graph, params));
 * ```
 */
export async function saveModel(path: string, model: GraphModule): Promise<void> {
  await writeFileAtomic(path, encodeModel(model));
}
