/**
 * The norm layer ops: `layer_norm` (LayerNorm as a CompensatedLayerNorm, METHOD.md) and
 * `rms_norm` (compensated RMSNorm), over channel axis 1 (`[N, C, …]`) or the last axis of
 * a token stream `[B, T, C]` (`attrs.axis`). A freshly built norm has `width` = its
 * channel count and no removed statistics; minimization records the constants it removes
 * (LayerNorm: their mean `kbar` and centred sum of squares `m2`, with `r = width − C`;
 * RMSNorm: their sum of squares `s2`), and may drop outputs nobody needs (`outputs`: the
 * input channels that keep one).
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { reshape } from "../ops/shape_ops.ts";
import { compensatedMoments, mergeRemoved } from "../nn/compensation.ts";
import { compensatedLayerNorm, compensatedRmsNorm } from "../nn/norm_functional.ts";
import type { AttrValue, SymShape } from "./ir.ts";
import type { LayerOp } from "./layer_op.ts";
import { expectRankSym, expectVector, numAttr } from "./op_attrs.ts";

type Attrs = Readonly<Record<string, AttrValue>>;

/** The `outputs` attribute of a layer_norm over `c` input channels (default: all). */
export function normOutputs(node: string, a: Attrs, c: number): number[] {
  const o = a.outputs;
  if (o === undefined) return Array.from({ length: c }, (_, i) => i);
  if (
    !Array.isArray(o) ||
    !o.every((v, i) =>
      Number.isInteger(v) && (v as number) >= 0 && (v as number) < c &&
      (i === 0 || (v as number) > (o[i - 1] as number))
    )
  ) {
    throw new RangeError(
      `${node}: attrs.outputs must be increasing channel indices in [0, ${c}), got ${
        JSON.stringify(o)?.slice(0, 80)
      }`,
    );
  }
  return o as number[];
}

/** The removed-constant statistics of a layer_norm node over `c` kept channels. */
export function normStats(a: Attrs, c: number): { width: number; kbar: number; m2: number } {
  return {
    width: (a.width as number | undefined) ?? c,
    kbar: (a.kbar as number | undefined) ?? 0,
    m2: (a.m2 as number | undefined) ?? 0,
  };
}

/** The axis a norm normalizes over (`attrs.axis`: 1, the default, or the last axis). */
export function normAxis(node: string, a: Attrs, x: SymShape): number {
  const axis = (a.axis as number | undefined) ?? 1;
  if (!Number.isInteger(axis) || (axis !== 1 && axis !== x.length - 1) || axis < 1) {
    throw new RangeError(
      `${node}: attrs.axis must be 1 or the last axis of rank ${x.length}, got ${
        JSON.stringify(a.axis)
      }`,
    );
  }
  return axis;
}

/** Runs `f` over axis 1 of `x`, reshaping a last-axis norm of rank > 2 to `[rows, C]`. */
function overAxis(x: Tensor, a: Attrs, c: number, f: (x: Tensor) => Tensor): Tensor {
  const axis = (a.axis as number | undefined) ?? 1;
  if (axis === 1 || x.rank === 2) return f(x);
  const y = f(reshape(x, [-1, x.shape[x.rank - 1]]));
  return reshape(y, [...x.shape.slice(0, -1), c]);
}

/** Checks the parameters and attributes shared by the norms; returns the output shape. */
function normInfer(
  node: string,
  x: SymShape,
  p: Readonly<Record<string, readonly number[]>>,
  a: Attrs,
  roles: readonly string[],
): SymShape {
  expectRankSym(node, "norm input", x, 2, true);
  const axis = normAxis(node, a, x);
  const outs = normOutputs(node, a, x[axis]).length;
  for (const r of roles) expectVector(node, r, p[r], outs);
  numAttr(node, a, "width", x[axis], { min: Math.max(1, x[axis]), int: true });
  numAttr(node, a, "eps", 1e-6, { min: 0 });
  const out = [...x];
  out[axis] = outs;
  return out;
}

const REWRITTEN = ["eps", "width", "kbar", "m2", "s2", "outputs"];

/**
 * The attributes a norm fold starts from: the others, then `eps`; with `removed` null
 * (every output dead, the statistics no longer matter) a plain norm over `kept` channels.
 */
function foldBase(a: Attrs, removed: readonly number[] | null, kept: number) {
  const attrs: Record<string, AttrValue> = Object.fromEntries(
    Object.entries(a).filter(([k]) => !REWRITTEN.includes(k)),
  );
  attrs.eps = a.eps ?? 1e-6;
  if (removed === null) attrs.width = Math.max(1, kept);
  return attrs;
}

/**
 * LayerNorm/CLN: weight (γ) and bias (β) `[outputs]`; attrs `eps`, `axis`, `width`,
 * `kbar`, `m2`, optional `outputs`.
 */
export const layerNormLayer: LayerOp = {
  name: "layer_norm",
  arity: 1,
  params: [{ role: "weight" }, { role: "bias" }],
  channels: "norm",
  slices: [{ role: "weight", axis: 0, of: "output" }, { role: "bias", axis: 0, of: "output" }],
  gain: "weight",
  readsAxis: (x, a) => normAxis("layer_norm", a, x[0]),
  infer: (node, [x], p, a) => {
    const out = normInfer(node, x, p, a, ["weight", "bias"]);
    numAttr(node, a, "kbar", 0);
    numAttr(node, a, "m2", 0, { min: 0 });
    return out;
  },
  normFold: (a, c, removed, kept) => {
    const attrs = foldBase(a, removed, kept);
    if (removed === null) return attrs;
    const st = normStats(a, c);
    const s = mergeRemoved({ r: st.width - c, kbar: st.kbar, m2: st.m2 }, removed);
    attrs.width = st.width;
    if (s.r > 0) (attrs.kbar = s.kbar), (attrs.m2 = s.m2);
    return attrs;
  },
  constRule: (k, p, a) => {
    const g = p("weight")!, b = p("bias")!;
    const outs = normOutputs("layer_norm", a, k.length);
    if (k.every((v) => v !== null)) {
      const st = normStats(a, k.length);
      const { mean, variance } = compensatedMoments(
        k as number[],
        { r: st.width - k.length, kbar: st.kbar, m2: st.m2 },
        st.width,
      );
      const rstd = 1 / Math.sqrt(variance + ((a.eps as number | undefined) ?? 1e-6));
      return outs.map((j, i) => g.data[i] * (k[j]! - mean) * rstd + b.data[i]);
    }
    return outs.map((_, i) => (g.data[i] === 0 ? b.data[i] : null));
  },
  run: ([x], p, a) =>
    overAxis(x, a, p.weight.shape[0], (x2) =>
      compensatedLayerNorm(x2, p.weight, p.bias, {
        ...normStats(a, x2.shape[1]),
        outputs: a.outputs === undefined ? undefined : a.outputs as number[],
      }, (a.eps as number | undefined) ?? 1e-6)),
};

/**
 * RMSNorm, compensated: weight (γ) `[outputs]`; attrs `eps`, `axis`, `width`, `s2` (the
 * removed constants' sum of squares, `r = width − C` of them), optional `outputs`:
 * `y_i = γ_i · x_i / sqrt((Σ x² + s2)/width + eps)`.
 */
export const rmsNormLayer: LayerOp = {
  name: "rms_norm",
  arity: 1,
  params: [{ role: "weight" }],
  channels: "norm",
  slices: [{ role: "weight", axis: 0, of: "output" }],
  gain: "weight",
  readsAxis: (x, a) => normAxis("rms_norm", a, x[0]),
  infer: (node, [x], p, a) => {
    const out = normInfer(node, x, p, a, ["weight"]);
    numAttr(node, a, "s2", 0, { min: 0 });
    return out;
  },
  normFold: (a, c, removed, kept) => {
    const attrs = foldBase(a, removed, kept);
    if (removed === null) return attrs;
    let s2 = (a.s2 as number | undefined) ?? 0;
    for (const k of removed) s2 += k * k;
    attrs.width = (a.width as number | undefined) ?? c;
    if (s2 > 0) attrs.s2 = s2;
    return attrs;
  },
  constRule: (k, p, a) => {
    const g = p("weight")!;
    const outs = normOutputs("rms_norm", a, k.length);
    if (k.every((v) => v !== null)) {
      const width = (a.width as number | undefined) ?? k.length;
      let q = (a.s2 as number | undefined) ?? 0;
      for (const v of k) q += v! * v!;
      const rstd = 1 / Math.sqrt(q / width + ((a.eps as number | undefined) ?? 1e-6));
      return outs.map((j, i) => g.data[i] * k[j]! * rstd);
    }
    return outs.map((_, i) => (g.data[i] === 0 ? 0 : null));
  },
  run: ([x], p, a) =>
    overAxis(x, a, p.weight.shape[0], (x2) =>
      compensatedRmsNorm(x2, p.weight, {
        width: (a.width as number | undefined) ?? x2.shape[1],
        s2: (a.s2 as number | undefined) ?? 0,
        outputs: a.outputs === undefined ? undefined : a.outputs as number[],
      }, (a.eps as number | undefined) ?? 1e-6)),
};
