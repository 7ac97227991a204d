/**
 * ONNX files in the runtime entry: read with the runtime's own protobuf reader (no npm
 * package), imported into a graph module that runs on a backend.
 *
 * @module
 */
import type { Backend } from "../backends/backend.ts";
import type { GraphModule } from "../graph/graph_module.ts";
import { importOnnxModel, type OnnxImportOptions } from "../io/onnx/import_model.ts";
import { externalReader } from "../io/onnx/external_data.ts";
import { readModelWire } from "../io/onnx/wire_reader.ts";

/** Options of {@linkcode decodeOnnx} and {@linkcode loadOnnx}. */
export type OnnxRuntimeOptions = Pick<OnnxImportOptions, "batch" | "dims" | "external">;

/**
 * Decodes ONNX model bytes (fetched, embedded, read from storage) into a model in
 * inference mode on `backend`. Ops without a squeeze kernel run on the host. Throws
 * `SyntaxError` naming `name` on a malformed file or an unsupported op.
 *
 * @example
 * ```ts ignore
 * import { decodeOnnx, noGrad, requestBackend, tensor } from "@squeeze/squeeze/runtime";
 * const bytes = new Uint8Array(await (await fetch("https://example.com/mlp.onnx")).arrayBuffer());
 * const backend = await requestBackend("auto");
 * const model = decodeOnnx(bytes, "mlp.onnx", backend);
 * const y = noGrad(() => model.forward(tensor(new Float32Array(784), [1, 784], { backend })));
 * ```
 */
export function decodeOnnx(
  bytes: Uint8Array,
  name: string,
  backend: Backend,
  opts: OnnxRuntimeOptions = {},
): GraphModule {
  return importOnnxModel(readModelWire(bytes, name), { ...opts, where: name, backend }).model;
}

/**
 * Reads an ONNX file (and its external data, from the file's folder) into a model on
 * `backend`; see {@linkcode decodeOnnx}.
 *
 * @example
 * ```ts ignore
 * import { createBackend, loadOnnx } from "@squeeze/squeeze/runtime";
 * const model = await loadOnnx("small.onnx", createBackend("auto"));
 * ```
 */
export async function loadOnnx(
  path: string,
  backend: Backend,
  opts: OnnxRuntimeOptions = {},
): Promise<GraphModule> {
  const bytes = await Deno.readFile(path);
  return decodeOnnx(bytes, path, backend, { external: externalReader(path), ...opts });
}
