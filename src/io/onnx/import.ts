/**
 * ONNX import from bytes: decodes with the protobuf schema (`proto.ts`), then imports
 * (`import_model.ts`, which documents what the import does).
 *
 * @module
 */
import { importOnnxModel, type OnnxImport, type OnnxImportOptions } from "./import_model.ts";
import { decodeModelProto } from "./proto.ts";

export type { OnnxImport, OnnxImportOptions } from "./import_model.ts";

/**
 * Imports an ONNX model file's bytes into a squeeze graph module. Throws `SyntaxError`
 * naming the file and the node on a malformed file, an unsupported opset, or an op it
 * cannot run (naming the op type and opset).
 *
 * @example
 * ```ts ignore
 * import { importOnnx } from "./import.ts";
 * const { model } = importOnnx(await Deno.readFile("mlp.onnx"), { where: "mlp.onnx" });
 * ```
 */
export function importOnnx(bytes: Uint8Array, opts: OnnxImportOptions = {}): OnnxImport {
  const where = opts.where ?? "model.onnx";
  return importOnnxModel(decodeModelProto(bytes, where), opts);
}
