/**
 * Reads a `NodeProto`'s attributes into {@linkcode OnnxAttr} values.
 *
 * @module
 */
import type { OnnxAttr } from "./attributes.ts";
import { fromTensorProto } from "./tensor_proto.ts";
import {
  num,
  type OnnxAttribute as AttributeProto,
  type OnnxNode as NodeProto,
} from "./onnx_types.ts";

const text = new TextDecoder();

/** The attributes of `node`; throws `SyntaxError` naming the node on an unsupported kind. */
export function attrsOf(node: NodeProto, where: string): Record<string, OnnxAttr> {
  const out: Record<string, OnnxAttr> = {};
  for (const a of node.attribute ?? []) out[a.name ?? ""] = attrValue(a, `${where}.${a.name}`);
  return out;
}

function attrValue(a: AttributeProto, where: string): OnnxAttr {
  switch (a.type) {
    case 1:
      return a.f ?? 0;
    case 2:
      return num(a.i);
    case 3:
      return text.decode(a.s ?? new Uint8Array());
    case 4:
      if (!a.t) throw new SyntaxError(`${where}: tensor attribute without a tensor`);
      return fromTensorProto(a.t, where);
    case 6:
      return [...(a.floats ?? [])];
    case 7:
      return (a.ints ?? []).map(num);
    case 8:
      return (a.strings ?? []).map((s) => text.decode(s));
    default:
      throw new SyntaxError(`${where}: attribute type ${a.type} is not supported`);
  }
}
