/**
 * The ONNX protobuf schema (`_gen/onnx_ml_pb.ts`, generated from ONNX 1.12's
 * onnx-ml.proto by protoc-gen-es) through the npm package `@bufbuild/protobuf`. Decoding
 * errors become `SyntaxError`s that say where.
 *
 * @module
 */
// deno-lint-ignore no-import-prefix -- pinned here so the module runs without an import map
import { create, fromBinary, type MessageInitShape, toBinary } from "npm:@bufbuild/protobuf@2.17.0";
import {
  type AttributeProto,
  type AttributeProtoSchema,
  type GraphProto,
  type ModelProto,
  ModelProtoSchema,
  type NodeProto,
  type NodeProtoSchema,
  type TensorProto,
  TensorProtoSchema,
  type ValueInfoProto,
  type ValueInfoProtoSchema,
} from "./_gen/onnx_ml_pb.ts";

export type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto };

/** The fields of a model message to create (nested messages as plain objects). */
export type ModelInit = MessageInitShape<typeof ModelProtoSchema>;
/** The fields of a node message to create. */
export type NodeInit = MessageInitShape<typeof NodeProtoSchema>;
/** The fields of a tensor message to create. */
export type TensorInit = MessageInitShape<typeof TensorProtoSchema>;
/** The fields of an attribute message to create. */
export type AttributeInit = MessageInitShape<typeof AttributeProtoSchema>;

export { num, tensorTypeOf } from "./onnx_types.ts";

function decodeWith<T>(what: string, where: string, bytes: Uint8Array, f: (b: Uint8Array) => T): T {
  try {
    return f(bytes);
  } catch (e) {
    throw new SyntaxError(`${where}: not a valid ONNX ${what} (${(e as Error).message})`);
  }
}

/**
 * Decodes an ONNX model file's bytes. Throws `SyntaxError` naming `where` on bytes that
 * are not a protobuf `ModelProto` (truncated, corrupted, another format).
 *
 * @example
 * ```ts
 * import { decodeModelProto } from "./proto.ts";
 * try {
 *   decodeModelProto(new Uint8Array([0x0a, 0xff]), "bad.onnx");
 * } catch (e) {
 *   console.assert(e instanceof SyntaxError);
 * }
 * ```
 */
export function decodeModelProto(bytes: Uint8Array, where = "model"): ModelProto {
  const m = decodeWith("model", where, bytes, (b) => fromBinary(ModelProtoSchema, b));
  if (!m.graph) throw new SyntaxError(`${where}: ONNX model has no graph`);
  return m;
}

/** Decodes one serialized `TensorProto` (the `.pb` files of ONNX's node tests). */
export function decodeTensorProto(bytes: Uint8Array, where = "tensor"): TensorProto {
  return decodeWith("tensor", where, bytes, (b) => fromBinary(TensorProtoSchema, b));
}

/** Encodes a model (a message, or the fields of one) to bytes. */
export function encodeModelProto(m: ModelProto | ModelInit): Uint8Array {
  return toBinary(ModelProtoSchema, create(ModelProtoSchema, m as ModelInit));
}

/** A tensor message from its fields. */
export function tensorProto(init: TensorInit): TensorProto {
  return create(TensorProtoSchema, init);
}

/** The fields of a float tensor value declaration: `name`, dims (`-1` or a string: symbolic). */
export function tensorValueInfo(
  name: string,
  dims: readonly (number | string)[] | undefined,
  elemType = 1,
): MessageInitShape<typeof ValueInfoProtoSchema> {
  return {
    name,
    type: {
      value: {
        case: "tensorType",
        value: {
          elemType,
          shape: dims && {
            dim: dims.map((d) => ({
              value: typeof d === "string" || d === -1
                ? { case: "dimParam" as const, value: typeof d === "string" ? d : "N" }
                : { case: "dimValue" as const, value: BigInt(d) },
            })),
          },
        },
      },
    },
  };
}
