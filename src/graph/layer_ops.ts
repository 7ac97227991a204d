/**
 * The layer-op table: every op a graph node can be (see `layer_op.ts` for the interface
 * and the channel kinds). Core ops live here; image, norm and shape ops in their files.
 *
 * @module
 */
import type { UnaryKind } from "../backends/backend.ts";
import { UNARY_FNS } from "../backends/js/elementwise.ts";
import { add, unary } from "../ops/elementwise.ts";
import { flatten, linear } from "../nn/functional.ts";
import { formatShape } from "../tensor/shape.ts";
import { indexSelect } from "../ops/shape_ops.ts";
import type { AttrValue } from "./ir.ts";
import type { LayerOp } from "./layer_op.ts";
import {
  avgPoolLayer,
  batchNormLayer,
  conv2dLayer,
  dropoutLayer,
  dropPathLayer,
  dwconv2dLayer,
  globalAvgPoolLayer,
  maxPoolLayer,
  scaleLayer,
} from "./image_ops.ts";
import { layerNormLayer } from "./norm_ops.ts";
import { permuteLayer, reshapeLayer } from "./shape_layer_ops.ts";
import { expectVector } from "./op_attrs.ts";

export type {
  Lattice,
  LayerChannels,
  LayerOp,
  ParamSlot,
  ParamView,
  RunContext,
} from "./layer_op.ts";

const linearOp: LayerOp = {
  name: "linear",
  arity: 1,
  params: [{ role: "weight" }, { role: "bias", optional: true }],
  channels: "dense",
  foldsConstants: () => true,
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
    expectVector(node, "bias", p.bias, w[0]);
    return [x[0], w[0]];
  },
  run: ([x], p) => linear(x, p.weight, p.bias),
};

function activationOp(kind: UnaryKind | "identity"): LayerOp {
  const f = kind === "identity" ? (v: number) => v : UNARY_FNS[kind];
  return {
    name: kind,
    arity: 1,
    params: [],
    channels: "channelwise",
    constRule: (k) => k.map((v) => (v === null ? null : f(v))),
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
    if (x.length < 2) {
      throw new RangeError(`${node}: select expects rank ≥ 2, got ${formatShape(x)}`);
    }
    return [x[0], indicesAttr(node, attrs.indices, x[1]).length, ...x.slice(2)];
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
    conv2dLayer,
    dwconv2dLayer,
    maxPoolLayer,
    avgPoolLayer,
    globalAvgPoolLayer,
    batchNormLayer,
    scaleLayer,
    dropoutLayer,
    dropPathLayer,
    layerNormLayer,
    permuteLayer,
    reshapeLayer,
  ].map((op) => [op.name, op]),
);
