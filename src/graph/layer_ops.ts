/**
 * The layer-op table: what a graph node can be. Each entry validates its input and
 * parameter shapes, declares how channels map from inputs to outputs (what
 * minimization needs), and runs through the tensor ops.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import type { UnaryKind } from "../backends/backend.ts";
import { add, unary } from "../ops/elementwise.ts";
import { flatten, linear } from "../nn/functional.ts";
import { formatShape, type Shape } from "../tensor/shape.ts";
import { indexSelect } from "../ops/shape_ops.ts";
import type { AttrValue, SymShape } from "./ir.ts";

/**
 * Channel mapping of a layer (channel axis = 1):
 * - `dense`: output channel j is row j of `weight [out, in]`; input channel i is column i.
 * - `pointwise`: channel c of the output comes from channel c of the input.
 * - `merge`: channel c of the output comes from channel c of every input.
 * - `flatten`: channel c of `[N, C, ...S]` becomes features `c·|S| … (c+1)·|S| − 1`.
 * - `select`: output channel j is input channel `attrs.indices[j]` (kept input features).
 */
export type LayerChannels = "dense" | "pointwise" | "merge" | "flatten" | "select";

/** A parameter slot of a layer op. */
export interface ParamSlot {
  /** Role name, e.g. `weight`. */
  role: string;
  /** The node may omit it. */
  optional?: boolean;
}

/** An entry of the layer-op table. */
export interface LayerOp {
  /** Op name used in graph nodes. */
  readonly name: string;
  /** Number of inputs. */
  readonly arity: number;
  /** Parameter slots. */
  readonly params: readonly ParamSlot[];
  /** Channel mapping. */
  readonly channels: LayerChannels;
  /** For pointwise activations: the scalar function's kernel kind. */
  readonly activation?: UnaryKind | "identity";
  /** Validates and returns the output shape; throws `RangeError` naming `node`. */
  infer(
    node: string,
    inputs: readonly SymShape[],
    params: Readonly<Record<string, Shape>>,
    attrs: Readonly<Record<string, AttrValue>>,
  ): SymShape;
  /** Computes the node. */
  run(
    inputs: readonly Tensor[],
    params: Readonly<Record<string, Tensor>>,
    attrs: Readonly<Record<string, AttrValue>>,
  ): Tensor;
}

const linearOp: LayerOp = {
  name: "linear",
  arity: 1,
  params: [{ role: "weight" }, { role: "bias", optional: true }],
  channels: "dense",
  infer: (node, [x], p) => {
    const w = p.weight;
    if (w.length !== 2) {
      throw new RangeError(`${node}: linear weight must be 2-D, got ${formatShape(w)}`);
    }
    if (x.length !== 2 || x[1] !== w[1]) {
      throw new RangeError(
        `${node}: linear expects input [N,${w[1]}], got ${formatShape(x)}`,
      );
    }
    if (p.bias && (p.bias.length !== 1 || p.bias[0] !== w[0])) {
      throw new RangeError(`${node}: linear bias must be [${w[0]}], got ${formatShape(p.bias)}`);
    }
    return [x[0], w[0]];
  },
  run: ([x], p) => linear(x, p.weight, p.bias),
};

function activationOp(kind: UnaryKind | "identity"): LayerOp {
  return {
    name: kind,
    arity: 1,
    params: [],
    channels: "pointwise",
    activation: kind,
    infer: (_n, [x]) => x,
    run: ([x]) => (kind === "identity" ? x : unary(kind, x)),
  };
}

const flattenOp: LayerOp = {
  name: "flatten",
  arity: 1,
  params: [],
  channels: "flatten",
  infer: (node, [x]) => {
    if (x.length < 2) {
      throw new RangeError(`${node}: flatten needs rank ≥ 2, got ${formatShape(x)}`);
    }
    return [x[0], x.slice(1).reduce((a, b) => a * b, 1)];
  },
  run: ([x]) => flatten(x),
};

/** Integer indices from a node attribute (validated). */
export function indicesAttr(node: string, v: AttrValue | undefined, dim: number): Int32Array {
  if (
    !Array.isArray(v) ||
    !v.every((i) => Number.isInteger(i) && (i as number) >= 0 && (i as number) < dim)
  ) {
    throw new RangeError(
      `${node}: select needs attrs.indices, integers in [0, ${dim}), got ${
        JSON.stringify(v)?.slice(0, 80)
      }`,
    );
  }
  return Int32Array.from(v as number[]);
}

const selectOp: LayerOp = {
  name: "select",
  arity: 1,
  params: [],
  channels: "select",
  infer: (node, [x], _p, attrs) => {
    if (x.length !== 2) {
      throw new RangeError(`${node}: select expects [N,F], got ${formatShape(x)}`);
    }
    return [x[0], indicesAttr(node, attrs.indices, x[1]).length];
  },
  run: ([x], _p, attrs) => indexSelect(x, 1, Int32Array.from(attrs.indices as number[])),
};

const addOp: LayerOp = {
  name: "add",
  arity: 2,
  params: [],
  channels: "merge",
  infer: (node, [a, b]) => {
    if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
      throw new RangeError(
        `${node}: add needs equal shapes, got ${formatShape(a)} and ${formatShape(b)}`,
      );
    }
    return a;
  },
  run: ([a, b]) => add(a, b),
};

/** Every layer op by name. */
export const LAYER_OPS: ReadonlyMap<string, LayerOp> = new Map(
  [
    linearOp,
    activationOp("relu"),
    activationOp("gelu"),
    activationOp("tanh"),
    activationOp("sigmoid"),
    activationOp("identity"),
    flattenOp,
    selectOp,
    addOp,
  ].map((op) => [op.name, op]),
);
