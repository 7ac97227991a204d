/**
 * The closed op table: every op squeeze can run, by name. Backends implement kernels;
 * they never add ops. Tests iterate this table to check that each differentiable op has
 * a finite-difference gradient test and runs on every backend.
 *
 * @module
 */
import { addOp, divOp, mulOp, scaleOp, subOp, UNARY_OPS } from "./elementwise.ts";
import { crossEntropyOp, oneHotOp } from "./loss.ts";
import { matmulOp } from "./matmul.ts";
import { layerNormOp } from "./layer_norm.ts";
import { clnOp } from "./cln.ts";
import { conv2dGradInputOp, conv2dGradWeightOp, conv2dOp } from "./conv.ts";
import type { OpDef } from "./op.ts";
import { broadcastToOp, maxOp, meanOp, sumOp } from "./reduce.ts";
import {
  indexAddOp,
  indexSelectOp,
  reshapeOp,
  sliceGradOp,
  sliceOp,
  transposeOp,
} from "./shape_ops.ts";
import { logSoftmaxOp, softmaxOpDef } from "./softmax.ts";

/** An op of any attribute type. */
// deno-lint-ignore no-explicit-any
export type AnyOp = OpDef<any>;

const ALL: AnyOp[] = [
  matmulOp,
  addOp,
  subOp,
  mulOp,
  divOp,
  scaleOp,
  ...Object.values(UNARY_OPS),
  sumOp,
  meanOp,
  maxOp,
  broadcastToOp,
  softmaxOpDef,
  logSoftmaxOp,
  crossEntropyOp,
  oneHotOp,
  reshapeOp,
  transposeOp,
  sliceOp,
  sliceGradOp,
  indexSelectOp,
  indexAddOp,
  conv2dOp,
  conv2dGradInputOp,
  conv2dGradWeightOp,
  layerNormOp,
  clnOp,
];

/** Every op by name. */
export const OP_TABLE: ReadonlyMap<string, AnyOp> = new Map(ALL.map((op) => [op.name, op]));
