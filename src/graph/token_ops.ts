/**
 * Layer ops of transformers, on token streams `[B, T, C]` (channel axis 2, the last):
 * multi-head `attention` (queries, keys, values in; heads of unequal widths), token
 * `embedding` (a table lookup), `patch_embed` (an image cut into patches, each projected
 * to a token), learned positional embedding `pos_embed`, a prepended class token
 * `cls_token`, and `token_pool` (mean over tokens, or the first token).
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { formatShape } from "../tensor/shape.ts";
import { add } from "../ops/elementwise.ts";
import { broadcastTo, mean } from "../ops/reduce.ts";
import { indexSelect, reshape, slice, sliceGradOp, transpose } from "../ops/shape_ops.ts";
import { apply } from "../ops/op.ts";
import { conv2dBias } from "../nn/image_functional.ts";
import {
  attentionDims,
  type AttentionSpec,
  multiHeadAttention,
} from "../nn/attention_functional.ts";
import type { AttrValue, SymShape } from "./ir.ts";
import type { LayerOp, ParamSlice, ParamView } from "./layer_op.ts";
import { expectRankSym, expectVector } from "./op_attrs.ts";

type Attrs = Readonly<Record<string, AttrValue>>;

const last = ([x]: readonly SymShape[]) => x.length - 1;

/** Weight rows and bias go with output channels, weight columns with input channels. */
const PATCH_SLICES: readonly ParamSlice[] = [
  { role: "weight", axis: 0, of: "output" },
  { role: "weight", axis: 1, of: "input" },
  { role: "bias", axis: 0, of: "output" },
];

function widthList(node: string, a: Attrs, key: string): number[] {
  const v = a[key];
  if (!Array.isArray(v) || !v.every((w) => Number.isInteger(w) && (w as number) >= 0)) {
    throw new RangeError(
      `${node}: attrs.${key} must list one width ≥ 0 per head, got ${JSON.stringify(v)}`,
    );
  }
  return v as number[];
}

/** The head layout of an attention node's attributes. */
export function attentionSpec(node: string, a: Attrs): AttentionSpec {
  const scale = a.scale;
  if (typeof scale !== "number" || !Number.isFinite(scale)) {
    throw new RangeError(
      `${node}: attrs.scale must be a finite number, got ${JSON.stringify(scale)}`,
    );
  }
  return { qk: widthList(node, a, "qk"), v: widthList(node, a, "v"), scale, causal: !!a.causal };
}

/** Start offsets of consecutive widths. */
export function offsets(widths: readonly number[]): number[] {
  const o: number[] = [];
  widths.reduce((at, w) => (o.push(at), at + w), 0);
  return o;
}

/**
 * `attention`: inputs queries `[B,T,Σqk]`, keys `[B,S,Σqk]`, values `[B,S,Σv]`; attrs `qk`
 * and `v` (width per head), `scale`, `causal`. Output `[B,T,Σv]`.
 */
const attentionOp: LayerOp = {
  name: "attention",
  arity: 3,
  params: [],
  channels: "attention",
  readsAxis: last,
  unitGroups: (a) => {
    const { qk, v } = attentionSpec("attention", a);
    const qo = offsets(qk), vo = offsets(v);
    return qk.map((w, h) => [
      ...Array.from({ length: w }, (_, i) => ({ input: 0, channel: qo[h] + i })),
      ...Array.from({ length: v[h] }, (_, i) => ({ input: 2, channel: vo[h] + i })),
    ]);
  },
  infer: (node, [q, k, v], _p, a) => {
    const spec = attentionSpec(node, a);
    attentionDims(node, q, k, v, spec);
    return [q[0], q[1], v[2]];
  },
  run: ([q, k, v], _p, a) => multiHeadAttention(q, k, v, attentionSpec("attention", a)),
};

/** Token ids of `x` as indices into a table of `rows` (throws naming `node` otherwise). */
function tokenIds(node: string, x: Tensor, rows: number): Int32Array {
  if (!x.backend.capabilities.syncRead) {
    throw new TypeError(
      `${node}: token ids are looked up on the host, and backend "${x.backend.name}" reads asynchronously; run text models on the wasm or js backend`,
    );
  }
  const d = x.toArray(), ids = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isInteger(v) || v < 0 || v >= rows) {
      throw new RangeError(
        `${node}: token id ${v} at position ${i} is not an integer in [0, ${rows})`,
      );
    }
    ids[i] = v;
  }
  return ids;
}

/** `embedding`: weight `[V, C]`; input token ids `[B, T]` (float values); output `[B, T, C]`. */
const embeddingOp: LayerOp = {
  name: "embedding",
  arity: 1,
  params: [{ role: "weight" }],
  channels: "lookup",
  slices: [{ role: "weight", axis: 1, of: "output" }],
  gain: "weight",
  gainAxis: 1,
  readsAxis: () => 1,
  outAxis: () => 2,
  infer: (node, [x], p) => {
    expectRankSym(node, "embedding input (token ids)", x, 2);
    if (p.weight.length !== 2) {
      throw new RangeError(
        `${node}: embedding weight must be [V, C], got ${formatShape(p.weight)}`,
      );
    }
    return [x[0], x[1], p.weight[1]];
  },
  run: ([x], p) => {
    const [v, c] = p.weight.shape;
    const rows = indexSelect(p.weight, 0, tokenIds("embedding", x, v));
    return reshape(rows, [x.shape[0], x.shape[1], c]);
  },
};

/**
 * `patch_embed`: weight `[C, Cin, P, P]`, optional bias `[C]`: non-overlapping P×P patches
 * of an NCHW image, each projected to a token; output `[B, (H/P)·(W/P), C]`.
 */
const patchEmbedOp: LayerOp = {
  name: "patch_embed",
  arity: 1,
  params: [{ role: "weight" }, { role: "bias", optional: true }],
  channels: "dense",
  slices: PATCH_SLICES,
  gain: "weight",
  prunes: "weight",
  readsAxis: () => 1,
  outAxis: () => 2,
  foldsConstants: () => true,
  infer: (node, [x], p) => {
    expectRankSym(node, "patch_embed input", x, 4);
    const w = p.weight;
    if (w.length !== 4 || w[1] !== x[1] || w[2] !== w[3] || w[2] < 1) {
      throw new RangeError(
        `${node}: patch_embed weight must be [C, ${x[1]}, P, P], got ${formatShape(w)}`,
      );
    }
    if (x[2] % w[2] !== 0 || x[3] % w[2] !== 0) {
      throw new RangeError(
        `${node}: ${w[2]}×${w[2]} patches do not tile the ${x[2]}×${x[3]} image`,
      );
    }
    expectVector(node, "bias", p.bias, w[0]);
    return [x[0], (x[2] / w[2]) * (x[3] / w[2]), w[0]];
  },
  run: ([x], p) => {
    const k = p.weight.shape[2];
    const y = conv2dBias(x, p.weight, p.bias, { stride: k, padding: 0 });
    // Tokens counted, not inferred: `-1` cannot be resolved for a projection of width 0.
    const [n, c, h, w] = y.shape;
    return transpose(reshape(y, [n, c, h * w]), [0, 2, 1]);
  },
};

/** Whether every row of column `c` of a `[R, C]` table equals row 0's. */
export function columnConstant(p: ParamView, c: number): boolean {
  const [r, w] = p.shape;
  for (let i = 1; i < r; i++) if (p.data[i * w + c] !== p.data[c]) return false;
  return true;
}

/** `pos_embed`: weight `[T, C]` added to every sequence `[B, T, C]`. */
const posEmbedOp: LayerOp = {
  name: "pos_embed",
  arity: 1,
  params: [{ role: "weight" }],
  channels: "channelwise",
  slices: [{ role: "weight", axis: 1, of: "output" }],
  gain: "weight",
  gainAxis: 1,
  readsAxis: last,
  constRule: (k, p) => {
    const w = p("weight")!;
    return k.map((v, c) => (v !== null && columnConstant(w, c) ? v + w.data[c] : null));
  },
  infer: (node, [x], p) => {
    expectRankSym(node, "pos_embed input", x, 3);
    if (p.weight.length !== 2 || p.weight[0] !== x[1] || p.weight[1] !== x[2]) {
      throw new RangeError(
        `${node}: pos_embed weight must be [${x[1]}, ${x[2]}], got ${formatShape(p.weight)}`,
      );
    }
    return x;
  },
  run: ([x], p) => add(x, p.weight),
};

/** `cls_token`: weight `[C]` prepended as token 0: `[B, T, C]` → `[B, T+1, C]`. */
const clsTokenOp: LayerOp = {
  name: "cls_token",
  arity: 1,
  params: [{ role: "weight" }],
  channels: "channelwise",
  slices: [{ role: "weight", axis: 0, of: "output" }],
  gain: "weight",
  readsAxis: last,
  constRule: (k, p) => {
    const w = p("weight")!;
    return k.map((v, c) => (v !== null && v === w.data[c] ? v : null));
  },
  infer: (node, [x], p) => {
    expectRankSym(node, "cls_token input", x, 3);
    expectVector(node, "weight", p.weight, x[2]);
    return [x[0], x[1] < 0 ? -1 : x[1] + 1, x[2]]; // -1: a symbolic length stays symbolic
  },
  run: ([x], p) => {
    const [b, t, c] = x.shape, shape = [b, t + 1, c];
    const tok = broadcastTo(reshape(p.weight, [1, 1, c]), [b, 1, c]);
    const pad = (v: Tensor, at: number, n: number) =>
      apply(sliceGradOp, [v], { starts: [0, at, 0], sizes: [b, n, c], shape });
    return add(pad(tok, 0, 1), pad(x, 1, t));
  },
};

/** `token_pool`: `[B, T, C]` → `[B, C]` by the mean over tokens (`mode` "mean") or token 0 ("first"). */
const tokenPoolOp: LayerOp = {
  name: "token_pool",
  arity: 1,
  params: [],
  channels: "channelwise",
  readsAxis: last,
  outAxis: () => 1,
  constRule: (k) => k,
  infer: (node, [x], _p, a) => {
    expectRankSym(node, "token_pool input", x, 3);
    if (a.mode !== "mean" && a.mode !== "first") {
      throw new RangeError(
        `${node}: attrs.mode must be "mean" or "first", got ${JSON.stringify(a.mode)}`,
      );
    }
    return [x[0], x[2]];
  },
  run: ([x], _p, a) =>
    a.mode === "first"
      ? reshape(slice(x, [0, 0, 0], [x.shape[0], 1, x.shape[2]]), [x.shape[0], x.shape[2]])
      : mean(x, { axes: [1] }),
};

/** The transformer layer ops. */
export const TOKEN_OPS: readonly LayerOp[] = [
  attentionOp,
  embeddingOp,
  patchEmbedOp,
  posEmbedOp,
  clsTokenOp,
  tokenPoolOp,
];
