/**
 * ONNX files on disk: read a model (with its external data, bounds-checked, relative to
 * the model's folder) and write one atomically (with its data file, if any).
 *
 * @module
 */
import { writeFileAtomic } from "../atomic_write.ts";
import type { GraphModule } from "../../graph/graph_module.ts";
import { exportOnnx, type OnnxExport, type OnnxExportOptions } from "./export.ts";
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

/** The data file name `writeOnnx` gives weights that go external on their own. */
export function defaultDataName(path: string): string {
  return `${path.slice(path.lastIndexOf("/") + 1)}.data`;
}

/**
 * Writes exported bytes to the ONNX file `path` (and the data file next to it when the
 * weights went external); each file is written to a temporary name, then renamed.
 */
export async function writeOnnxBytes(path: string, exp: OnnxExport): Promise<void> {
  if (exp.data) await writeFileAtomic(`${dirOf(path)}/${exp.dataName}`, exp.data);
  await writeFileAtomic(path, exp.model);
}

/** Exports `model` to the ONNX file `path` (see {@linkcode writeOnnxBytes}). */
export async function writeOnnx(
  path: string,
  model: GraphModule,
  opts: OnnxExportOptions = {},
): Promise<void> {
  await writeOnnxBytes(
    path,
    exportOnnx(model, { autoExternalName: defaultDataName(path), ...opts }),
  );
}
