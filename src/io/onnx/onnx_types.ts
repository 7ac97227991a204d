/**
 * The parts of ONNX's protobuf messages the importer reads, as plain types (protobuf-es
 * field names: camelCase, oneofs as `{ case, value }`, int64 as bigint or number). The
 * messages `proto.ts` decodes (npm `@bufbuild/protobuf`) and the ones the runtime's own
 * reader makes (`wire_reader.ts`, no npm) both have this shape, so the import code runs in
 * either entry.
 *
 * @module
 */

/** A protobuf integer field. */
export type PbInt = number | bigint;

/** `OperatorSetIdProto`. */
export interface OnnxOpset {
  domain: string;
  version: PbInt;
}

/** `StringStringEntryProto`. */
export interface OnnxEntry {
  key: string;
  value: string;
}

/** `TensorProto`. */
export interface OnnxTensor {
  name: string;
  dims: PbInt[];
  dataType: number;
  rawData: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: PbInt[];
  doubleData: number[];
  uint64Data: PbInt[];
  externalData: OnnxEntry[];
  dataLocation: number;
}

/** `AttributeProto` (graph-valued attributes are not read). */
export interface OnnxAttribute {
  name: string;
  type: number;
  f: number;
  i: PbInt;
  s: Uint8Array;
  t?: OnnxTensor;
  floats: number[];
  ints: PbInt[];
  strings: Uint8Array[];
}

/** `NodeProto`. */
export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
}

/** `TensorShapeProto.Dimension`. */
export interface OnnxDim {
  value:
    | { case: "dimValue"; value: PbInt }
    | { case: "dimParam"; value: string }
    | { case: undefined; value?: undefined };
}

/** `TypeProto.Tensor`. */
export interface OnnxTensorType {
  elemType: number;
  shape?: { dim: OnnxDim[] };
}

/** `TypeProto` (the tensor case; other value types are not read). */
export interface OnnxType {
  value:
    | { case: "tensorType"; value: OnnxTensorType }
    | {
      case:
        | "sequenceType"
        | "mapType"
        | "optionalType"
        | "sparseTensorType"
        | "opaqueType"
        | undefined;
      value?: unknown;
    };
}

/** `ValueInfoProto`. */
export interface OnnxValueInfo {
  name: string;
  type?: OnnxType;
}

/** `GraphProto`. */
export interface OnnxGraph {
  name: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
}

/** `ModelProto`. */
export interface OnnxModel {
  irVersion: PbInt;
  opsetImport: OnnxOpset[];
  graph?: OnnxGraph;
}

/** A protobuf integer (number, or a bigint for int64 fields) as a JS number. */
export function num(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return Number(v ?? 0);
}

/** The tensor type of a value declaration (undefined for sequences, maps, optionals). */
export function tensorTypeOf(
  vi: OnnxValueInfo | undefined,
): { elemType: number; dims: (number | string | undefined)[] | undefined } | undefined {
  const t = vi?.type?.value;
  if (t?.case !== "tensorType") return undefined;
  const tv = t.value;
  return {
    elemType: tv.elemType,
    dims: tv.shape?.dim.map((d) =>
      d.value.case === "dimValue"
        ? num(d.value.value)
        : d.value.case === "dimParam"
        ? d.value.value
        : undefined
    ),
  };
}
