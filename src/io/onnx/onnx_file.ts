/**
 * ONNX files on disk: read a model (with its external data, bounds-checked, relative to
 * the model's folder) and write one atomically (with its data file, if any).
 *
 * @module
 */
import { writeFileAtomic } from "../atomic_write.ts";
import type { GraphModule } from "../../graph/graph_module.ts";
import { exportOnnx, type OnnxExportOptions } from "./export.ts";
import { importOnnx, type OnnxImport, type OnnxImportOptions } from "./import.ts";
import { dirOf, externalReader } from "./external_data.ts";

/**
 * Reads and imports an ONNX file (see {@linkcode importOnnx}).
 *
 * @example
 * ```ts ignore
 * import { readOnnx } from "./onnx_file.ts";
 * const { model } = await readOnnx("mlp.onnx");
 * ```
 */
export async function readOnnx(path: string, opts: OnnxImportOptions = {}): Promise<OnnxImport> {
  const bytes = await Deno.readFile(path);
  return importOnnx(bytes, { where: path, external: externalReader(path), ...opts });
}

/**
 * Exports `model` to the ONNX file `path` (and its data file next to it when the weights
 * go external); each file is written to a temporary name, then renamed.
 */
export async function writeOnnx(
  path: string,
  model: GraphModule,
  opts: OnnxExportOptions = {},
): Promise<void> {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const { model: bytes, data, dataName } = exportOnnx(model, {
    autoExternalName: `${base}.data`,
    ...opts,
  });
  if (data) await writeFileAtomic(`${dirOf(path)}/${dataName}`, data);
  await writeFileAtomic(path, bytes);
}
