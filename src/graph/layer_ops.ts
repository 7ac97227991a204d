/**
 * The layer-op table: every op a graph node can be (see `layer_op.ts` for the interface
 * and the channel kinds). Core ops live here; image, norm and shape ops in their files.
 *
 * @module
 */
import type { UnaryKind } from "../backends/backend.ts";
import { UNARY_FNS } from "../backends/js/elementwise.ts";
import { add, unary } from "../ops/elementwise.ts";
import { ACTIVATION_KINDS } from "../ops/activations.ts";
import { flatten, linear } from "../nn/functional.ts";
import { formatShape } from "../tensor/shape.ts";
import { indexSelect, reshape } from "../ops/shape_ops.ts";
import type { AttrValue } from "./ir.ts";
import type { LayerOp, ParamSlice } from "./layer_op.ts";
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
import { layerNormLayer, rmsNormLayer } from "./norm_ops.ts";
import { TOKEN_OPS } from "./token_ops.ts";
import { permuteLayer, reshapeLayer } from "./shape_layer_ops.ts";
import { onnxLayer, onnxUnaryLayer } from "./onnx_ops.ts";
import { expectVector } from "./op_attrs.ts";

/** The parameter slices of a dense op: weight rows and bias go with outputs, columns with inputs. */
export const DENSE_SLICES: readonly ParamSlice[] = [
  { role: "weight", axis: 0, of: "output" },
  { role: "weight", axis: 1, of: "input" },
  { role: "bias", axis: 0, of: "output" },
];

/** `linear`: weight `[O, I]`, optional bias `[O]`, on the last axis of a rank ≥ 2 input. */
const linearOp: LayerOp = {
  name: "linear",
  arity: 1,
  params: [{ role: "weight" }, { role: "bias", optional: true }],
  channels: "dense",
  slices: DENSE_SLICES,
  gain: "weight",
  prunes: "weight",
  inputUnits: true,
  foldsConstants: () => true,
  readsAxis: ([x]) => x.length - 1,
  infer: (node, [x], p) => {
    const w = p.weight;
    if (w.length !== 2) {
      throw new RangeError(`${node}: linear weight must be 2-D, got ${formatShape(w)}`);
    }
    if (x.length < 2 || x[x.length - 1] !== w[1]) {
      throw new RangeError(
        `${node}: linear expects input [N,…,${w[1]}], got ${formatShape(x)}`,
      );
    }
    expectVector(node, "bias", p.bias, w[0]);
    return [...x.slice(0, -1), w[0]];
  },
  run: ([x], p) => {
    if (x.rank === 2) return linear(x, p.weight, p.bias);
    // Rows counted, not inferred: `-1` cannot be resolved for an input of width 0 (it
    // resolves to 0 rows, and the output then has too few elements).
    const lead = x.shape.slice(0, -1);
    const rows = reshape(x, [lead.reduce((a, b) => a * b, 1), x.shape[x.rank - 1]]);
    return reshape(linear(rows, p.weight, p.bias), [...lead, p.weight.shape[0]]);
  },
};

function activationOp(kind: UnaryKind | "identity"): LayerOp {
  const f = kind === "identity" ? (v: number) => v : UNARY_FNS[kind];
  return {
    name: kind,
    arity: 1,
    params: [],
    channels: "channelwise",
    passThrough: kind === "identity",
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
  readsAxis: () => 1,
  outAxis: () => 1,
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

/** The axis a select picks channels on (`attrs.axis`, default 1). */
export function selectAxis(attrs: Readonly<Record<string, AttrValue>>): number {
  return (attrs.axis as number | undefined) ?? 1;
}

/** `select`: keeps channels `attrs.indices` (in that order) of axis `attrs.axis` (default 1). */
const selectOp: LayerOp = {
  name: "select",
  arity: 1,
  params: [],
  channels: "select",
  readsAxis: (_x, a) => selectAxis(a),
  infer: (node, [x], _p, attrs) => {
    const axis = selectAxis(attrs);
    if (x.length < 2 || !Number.isInteger(axis) || axis < 1 || axis >= x.length) {
      throw new RangeError(
        `${node}: select expects rank ≥ 2 and an axis in [1, ${x.length}), got ${
          formatShape(x)
        } and axis ${JSON.stringify(attrs.axis)}`,
      );
    }
    const out = [...x];
    out[axis] = indicesAttr(node, attrs.indices, x[axis]).length;
    return out;
  },
  run: ([x], _p, attrs) =>
    indexSelect(x, selectAxis(attrs), Int32Array.from(attrs.indices as number[])),
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
    ...ACTIVATION_KINDS.map(activationOp),
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
    rmsNormLayer,
    ...TOKEN_OPS,
    permuteLayer,
    reshapeLayer,
    onnxLayer,
    onnxUnaryLayer,
  ].map((op) => [op.name, op]),
);
