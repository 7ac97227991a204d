/**
 * Every host op, keyed by its ONNX op type (default domain). What the importer folds
 * constants with and what runs ONNX nodes that have no squeeze layer op.
 *
 * Results are fresh tensors except for the view ops (Reshape, Flatten, Squeeze,
 * Unsqueeze, Identity, Dropout, Expand and Cast to the same type), whose data arrays
 * are the input's: treat host tensors as immutable.
 *
 * @example
 * ```ts
 * import { HOST_OPS } from "./index.ts";
 * const add = HOST_OPS.get("Add")!;
 * const x = { dtype: "float32", dims: [2], data: Float64Array.of(1, 2) };
 * const [y] = add([x, x], {}, { node: "add0", opset: 17 });
 * console.assert(y.data[1] === 4);
 * ```
 *
 * @module
 */
import type { HostOp } from "./host_op.ts";
import { ACTIVATION_OPS } from "./activations.ts";
import { ARG_OPS } from "./arg.ts";
import { CAST_OPS } from "./cast.ts";
import { COMPARE_OPS } from "./compare.ts";
import { CONCAT_SPLIT_OPS } from "./concat_split.ts";
import { CONSTANT_OPS } from "./constant.ts";
import { CONV_OPS } from "./conv.ts";
import { DROPOUT_OPS } from "./dropout.ts";
import { ELEMENTWISE_OPS } from "./elementwise.ts";
import { EXPAND_OPS } from "./expand.ts";
import { GATHER_OPS } from "./gather.ts";
import { LAYOUT_OPS } from "./layout.ts";
import { MATMUL_OPS } from "./matmul.ts";
import { NORM_OPS } from "./norm.ts";
import { PAD_OPS } from "./pad.ts";
import { POOL_OPS } from "./pool.ts";
import { REDUCE_OPS } from "./reduce.ts";
import { RESHAPE_OPS } from "./reshape.ts";
import { SHAPE_INFO_OPS } from "./shape_info.ts";
import { SLICE_OPS } from "./slice.ts";
import { SOFTMAX_OPS } from "./softmax.ts";
import { UNARY_OPS } from "./unary.ts";

const FAMILIES: readonly Readonly<Record<string, HostOp>>[] = [
  ELEMENTWISE_OPS,
  UNARY_OPS,
  ACTIVATION_OPS,
  COMPARE_OPS,
  MATMUL_OPS,
  CONV_OPS,
  POOL_OPS,
  NORM_OPS,
  REDUCE_OPS,
  SOFTMAX_OPS,
  ARG_OPS,
  RESHAPE_OPS,
  LAYOUT_OPS,
  CONCAT_SPLIT_OPS,
  SLICE_OPS,
  GATHER_OPS,
  EXPAND_OPS,
  SHAPE_INFO_OPS,
  CAST_OPS,
  CONSTANT_OPS,
  PAD_OPS,
  DROPOUT_OPS,
];

function collect(families: readonly Readonly<Record<string, HostOp>>[]): Map<string, HostOp> {
  const all = new Map<string, HostOp>();
  for (const f of families) {
    for (const [type, op] of Object.entries(f)) {
      if (all.has(type)) throw new Error(`host op ${type} is defined twice`);
      all.set(type, op);
    }
  }
  return all;
}

/** The host ops by ONNX op type. */
export const HOST_OPS: ReadonlyMap<string, HostOp> = collect(FAMILIES);
