/**
 * ONNX node attributes as plain JSON values (what graph nodes store): numbers, strings,
 * lists of them, and tensors as `{ dtype, dims, data }`. Graph-valued attributes (the
 * bodies of `If`, `Loop`, `Scan`) are not supported (see `node_attrs.ts`).
 *
 * @module
 */
import type { AttrValue } from "../../graph/ir.ts";
import { type HostTensor, hostTensor } from "./host_tensor.ts";

/** One attribute value. */
export type OnnxAttr = number | string | number[] | string[] | HostTensor;

/** A node's attributes by name. */
export type OnnxAttrs = Readonly<Record<string, OnnxAttr>>;

/** An attribute as a JSON value (tensors as `{ dtype, dims, data }`). */
export function attrToJson(v: OnnxAttr): AttrValue {
  if (typeof v === "object" && !Array.isArray(v)) {
    return { dtype: v.dtype, dims: v.dims, data: [...v.data] };
  }
  return v as AttrValue;
}

/** The inverse of {@linkcode attrToJson}. */
export function attrFromJson(v: AttrValue): OnnxAttr {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const o = v as { dtype: string; dims: number[]; data: number[] };
    return hostTensor(o.dtype, o.dims, o.data);
  }
  return v as OnnxAttr;
}
