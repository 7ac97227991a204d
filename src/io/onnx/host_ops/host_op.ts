/**
 * The interface of an ONNX op computed on the host (plain arrays): what runs ONNX nodes
 * that have no squeeze layer op, and what the importer folds constants with.
 *
 * @module
 */
import type { HostTensor } from "../host_tensor.ts";
import type { OnnxAttrs } from "../attributes.ts";

/** Where an op runs: the node's name (for errors) and the model's opset of its domain. */
export interface HostOpContext {
  /** Node name, for error messages. */
  node: string;
  /** Opset version of the default domain. */
  opset: number;
  /** How many outputs the node declares (Split without sizes cuts that many parts). */
  outputs?: number;
}

/**
 * An ONNX op on host tensors: inputs in ONNX order (undefined for an omitted optional
 * input), attributes by name (defaults are the op's), outputs in ONNX order. Throws
 * `RangeError` naming `ctx.node` on shapes or attributes it cannot handle.
 */
export type HostOp = (
  inputs: readonly (HostTensor | undefined)[],
  attrs: OnnxAttrs,
  ctx: HostOpContext,
) => HostTensor[];
