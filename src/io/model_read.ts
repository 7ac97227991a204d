/**
 * Reading model files: bytes or a path to a {@linkcode GraphModule}. Kept apart from
 * writing (`model_file.ts`) so that the inference entry (`src/runtime/mod.ts`) decodes
 * models without the file-writing code.
 *
 * @module
 */
import type { Backend } from "../backends/backend.ts";
import { referenceBackend, tensor } from "../tensor/create.ts";
import { GraphModule } from "../graph/graph_module.ts";
import type { Graph } from "../graph/ir.ts";
import { validateGraph } from "../graph/validate.ts";
import { upgradeGraph } from "../graph/upgrade.ts";
import { Parameter } from "../nn/parameter.ts";
import { decodeSafetensors } from "./safetensors.ts";
import { readSafetensorsFile } from "./safetensors_file.ts";
import { checkedMask } from "./mask_check.ts";

/** Metadata key holding the JSON graph. */
export const GRAPH_KEY = "squeeze.graph";
/** Metadata key holding the file format tag. */
export const FORMAT_KEY = "squeeze.format";
/** Name prefix of the tensors holding masks. */
export const MASK_PREFIX = "__mask__.";

/** Options of {@linkcode decodeModel} and {@linkcode loadModel}. */
export interface LoadOptions {
  /** Return the model in training mode (dropout, BatchNorm batch statistics). @default false */
  training?: boolean;
}

/**
 * Decodes model bytes into a model in inference mode (unless `training` is asked for).
 * Graphs of an older version convert on load. A malformed container, a missing or
 * invalid graph, an unknown layer type, or parameters that do not match the graph throw a
 * `SyntaxError` naming `file` and the field.
 */
export function decodeModel(
  bytes: Uint8Array,
  file: string,
  backend?: Backend,
  opts: LoadOptions = {},
): GraphModule {
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  const fmt = metadata[FORMAT_KEY];
  if (fmt !== "squeeze.model/1") {
    throw new SyntaxError(
      `${file}: __metadata__.${FORMAT_KEY}: expected "squeeze.model/1", got ${JSON.stringify(fmt)}`,
    );
  }
  const text = metadata[GRAPH_KEY];
  if (text === undefined) throw new SyntaxError(`${file}: __metadata__.${GRAPH_KEY}: missing`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(
      `${file}: __metadata__.${GRAPH_KEY}: not valid JSON: ${(e as Error).message}`,
    );
  }
  let graph: Graph;
  try {
    graph = validateGraph(upgradeGraph(raw)).graph;
  } catch (e) {
    throw new SyntaxError(`${file}: ${(e as Error).message}`);
  }
  const params = new Map<string, Parameter>();
  for (const [name, shape] of Object.entries(graph.params)) {
    const t = tensors.get(name);
    if (!t) throw new SyntaxError(`${file}: tensor "${name}": declared by the graph but missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new SyntaxError(
        `${file}: tensor "${name}".shape: [${t.shape}] but the graph says [${shape}]`,
      );
    }
    const p = Parameter.of(
      t.data,
      t.shape,
      backend ?? referenceBackend(),
      t.data instanceof Float64Array ? "float64" : "float32",
    );
    const raw = tensors.get(MASK_PREFIX + name);
    const m = raw && checkedMask(file, MASK_PREFIX + name, raw, shape);
    if (m) p.mask = tensor(m.data, m.shape, { backend });
    params.set(name, p);
  }
  for (const name of tensors.keys()) {
    const base = name.startsWith(MASK_PREFIX) ? name.slice(MASK_PREFIX.length) : name;
    if (!(base in graph.params)) {
      throw new SyntaxError(`${file}: tensor "${name}": not a parameter of the graph`);
    }
  }
  return new GraphModule(graph, params).train(opts.training ?? false);
}

/**
 * Loads a model saved by `saveModel`, in inference mode unless `training`. Only
 * regular files are read, and no read goes past the sizes the file declares.
 */
export async function loadModel(
  path: string,
  backend?: Backend,
  opts: LoadOptions = {},
): Promise<GraphModule> {
  return decodeModel(await readSafetensorsFile(path), path, backend, opts);
}
