/**
 * Layer ops for image models (NCHW): convolution, depthwise convolution, pooling,
 * global average pooling, BatchNorm, layer scale, dropout and stochastic depth.
 *
 * @module
 */
import { formatShape } from "../tensor/shape.ts";
import { conv2dParams } from "../ops/conv.ts";
import { batchNorm } from "../nn/norm_functional.ts";
import {
  channelAffine,
  conv2dBias,
  dropout,
  dropPath,
  globalAvgPool,
  pool2d,
  type PoolKind,
} from "../nn/image_functional.ts";
import type { AttrValue, SymShape } from "./ir.ts";
import type { LayerOp, ParamSlice } from "./layer_op.ts";
import { channelIsZero, channelSum, expectRankSym, expectVector, numAttr } from "./op_attrs.ts";

type Attrs = Readonly<Record<string, AttrValue>>;

function convGeometry(node: string, a: Attrs): { stride: number; padding: number } {
  return {
    stride: numAttr(node, a, "stride", 1, { min: 1, int: true }),
    padding: numAttr(node, a, "padding", 0, { min: 0, int: true }),
  };
}

function convInfer(
  node: string,
  x: SymShape,
  w: readonly number[],
  a: Attrs,
  groups: number,
): SymShape {
  expectRankSym(node, "conv input", x, 4);
  if (w.length !== 4) {
    throw new RangeError(`${node}: conv weight must be 4-D, got ${formatShape(w)}`);
  }
  const { stride, padding } = convGeometry(node, a);
  const p = conv2dParams(node, [1, x[1], x[2], x[3]], w, { stride, padding, groups });
  return [x[0], w[0], p.oh, p.ow];
}

const axis1 = () => 1;
const outputSlices = (...roles: string[]): ParamSlice[] =>
  roles.map((role) => ({ role, axis: 0, of: "output" }));

/** `conv2d`: weight `[O, C, KH, KW]`, optional bias `[O]`; attrs `stride`, `padding`. */
export const conv2dLayer: LayerOp = {
  name: "conv2d",
  arity: 1,
  params: [{ role: "weight" }, { role: "bias", optional: true }],
  channels: "dense",
  slices: [
    ...outputSlices("weight"),
    { role: "weight", axis: 1, of: "input" },
    ...outputSlices("bias"),
  ],
  gain: "weight",
  prunes: "weight",
  readsAxis: axis1,
  foldsConstants: (a) => (a.padding ?? 0) === 0,
  infer: (node, [x], p, a) => {
    const out = convInfer(node, x, p.weight, a, 1);
    expectVector(node, "bias", p.bias, p.weight[0]);
    return out;
  },
  run: ([x], p, a) => conv2dBias(x, p.weight, p.bias, convGeometry("conv2d", a)),
};

/** `dwconv2d` (depthwise): weight `[C, 1, KH, KW]`, optional bias `[C]`; attrs `stride`, `padding`. */
export const dwconv2dLayer: LayerOp = {
  name: "dwconv2d",
  arity: 1,
  params: [{ role: "weight" }, { role: "bias", optional: true }],
  channels: "channelwise",
  slices: outputSlices("weight", "bias"),
  gain: "weight",
  prunes: "weight",
  readsAxis: axis1,
  infer: (node, [x], p, a) => {
    if (p.weight.length !== 4 || p.weight[0] !== x[1] || p.weight[1] !== 1) {
      throw new RangeError(
        `${node}: depthwise weight must be [${x[1]},1,KH,KW], got ${formatShape(p.weight)}`,
      );
    }
    const out = convInfer(node, x, p.weight, a, x[1]);
    expectVector(node, "bias", p.bias, x[1]);
    return out;
  },
  constRule: (k, p, a) => {
    const w = p("weight")!, b = p("bias");
    const padded = (a.padding ?? 0) !== 0;
    return k.map((v, c) => {
      const bias = b ? b.data[c] : 0;
      if (channelIsZero(w, c)) return bias;
      if (v === null || (padded && v !== 0)) return null;
      return bias + v * channelSum(w, c);
    });
  },
  passes: (c, p) => !channelIsZero(p("weight"), c),
  run: ([x], p, a) =>
    conv2dBias(x, p.weight, p.bias, { ...convGeometry("dwconv2d", a), groups: x.shape[1] }),
};

function poolLayer(kind: PoolKind): LayerOp {
  return {
    name: `${kind}_pool`,
    arity: 1,
    params: [],
    channels: "channelwise",
    readsAxis: axis1,
    constRule: (k) => k,
    infer: (node, [x], _p, a) => {
      expectRankSym(node, `${kind}_pool`, x, 4);
      const k = numAttr(node, a, "kernel", 2, { min: 1, int: true });
      const oh = Math.floor(x[2] / k), ow = Math.floor(x[3] / k);
      if (oh < 1 || ow < 1) {
        throw new RangeError(`${node}: window ${k} is larger than ${formatShape(x)}`);
      }
      return [x[0], x[1], oh, ow];
    },
    run: ([x], _p, a) => pool2d(x, kind, (a.kernel as number | undefined) ?? 2),
  };
}

/** `max_pool`: non-overlapping `kernel × kernel` windows, stride = kernel. */
export const maxPoolLayer: LayerOp = poolLayer("max");
/** `avg_pool`: non-overlapping `kernel × kernel` windows, stride = kernel. */
export const avgPoolLayer: LayerOp = poolLayer("avg");

/** `global_avg_pool`: `[N, C, H, W] → [N, C]`. */
export const globalAvgPoolLayer: LayerOp = {
  name: "global_avg_pool",
  arity: 1,
  params: [],
  channels: "channelwise",
  readsAxis: axis1,
  constRule: (k) => k,
  infer: (node, [x]) => {
    expectRankSym(node, "global_avg_pool", x, 3, true);
    return [x[0], x[1]];
  },
  run: ([x]) => globalAvgPool(x),
};

/** `batch_norm`: weight, bias, running_mean, running_var `[C]`; attrs `eps`, `momentum`. */
export const batchNormLayer: LayerOp = {
  name: "batch_norm",
  arity: 1,
  params: [
    { role: "weight" },
    { role: "bias" },
    { role: "running_mean", buffer: true },
    { role: "running_var", buffer: true },
  ],
  channels: "channelwise",
  slices: outputSlices("weight", "bias", "running_mean", "running_var"),
  gain: "weight",
  readsAxis: axis1,
  infer: (node, [x], p, a) => {
    expectRankSym(node, "batch_norm", x, 2, true);
    for (const r of ["weight", "bias", "running_mean", "running_var"]) {
      expectVector(node, r, p[r], x[1]);
    }
    numAttr(node, a, "eps", 1e-5, { min: 0 });
    numAttr(node, a, "momentum", 0.1, { min: 0, max: 1 });
    return x;
  },
  constRule: (k, p, a) => {
    const g = p("weight")!, b = p("bias")!, m = p("running_mean")!, v = p("running_var")!;
    const eps = (a.eps as number | undefined) ?? 1e-5;
    return k.map((kc, c) => {
      if (g.data[c] === 0) return b.data[c];
      if (kc === null) return null;
      return (kc - m.data[c]) / Math.sqrt(v.data[c] + eps) * g.data[c] + b.data[c];
    });
  },
  passes: (c, p) => p("weight")!.data[c] !== 0,
  run: ([x], p, a, ctx) =>
    batchNorm(x, p.weight, p.bias, p.running_mean, p.running_var, {
      training: ctx.training,
      eps: a.eps as number | undefined,
      momentum: a.momentum as number | undefined,
    }),
};

/** `scale` (ConvNeXt layer scale): `y[:, c] = x[:, c] · weight[c]`. */
export const scaleLayer: LayerOp = {
  name: "scale",
  arity: 1,
  params: [{ role: "weight" }],
  channels: "channelwise",
  slices: outputSlices("weight"),
  gain: "weight",
  readsAxis: axis1,
  infer: (node, [x], p) => {
    expectRankSym(node, "scale", x, 2, true);
    expectVector(node, "weight", p.weight, x[1]);
    return x;
  },
  constRule: (k, p) => {
    const s = p("weight")!;
    return k.map((v, c) => (s.data[c] === 0 ? 0 : v === null ? null : v * s.data[c]));
  },
  passes: (c, p) => p("weight")!.data[c] !== 0,
  run: ([x], p) => channelAffine(x, p.weight),
};

function randomLayer(name: "dropout" | "drop_path"): LayerOp {
  return {
    name,
    arity: 1,
    params: [],
    channels: "channelwise",
    constRule: (k) => k,
    infer: (node, [x], _p, a) => {
      numAttr(node, a, "p", 0, { min: 0, max: 0.999 });
      return x;
    },
    run: ([x], _p, a, ctx) => {
      const p = (a.p as number | undefined) ?? 0;
      if (!ctx.training || p === 0) return x;
      return name === "dropout" ? dropout(x, p, ctx.rng) : dropPath(x, p, ctx.rng);
    },
  };
}

/** `dropout`: attrs `p`; identity in eval mode. */
export const dropoutLayer: LayerOp = randomLayer("dropout");
/** `drop_path` (stochastic depth on a residual branch): attrs `p`; identity in eval mode. */
export const dropPathLayer: LayerOp = randomLayer("drop_path");
