/**
 * Image model builders: a small CNN (conv-BN-ReLU-pool stages) and a configurable
 * ConvNeXt (patchify stem + LN; stages of blocks depthwise 7×7 → LN → 1×1 expand ×4 →
 * GELU → 1×1 project → layer scale → residual; LN + 2×2 stride-2 downsampling between
 * stages; global pool → LN → linear head). All NCHW, all LayerNorms channel-axis
 * CompensatedLayerNorms.
 *
 * @module
 */
import type { Backend } from "../backends/backend.ts";
import { Rng } from "../tensor/random.ts";
import { Activation, Flatten } from "./activation.ts";
import { checkInt } from "./layer.ts";
import {
  batchNorm2d,
  conv2dLayer,
  drop,
  dwconv2dLayer,
  layerNorm2d,
  layerScale,
  pool,
} from "./layers.ts";
import { Linear } from "./linear.ts";
import type { Module } from "./module.ts";
import { Residual } from "./residual.ts";
import { Sequential } from "./sequential.ts";

/** Options of {@linkcode smallCnn}. */
export interface CnnOptions {
  /** Input channels. @default 1 */
  inChannels?: number;
  /** Input height = width. @default 28 */
  imageSize?: number;
  /** Output classes. @default 10 */
  classes?: number;
  /** Channels per conv stage (each: 3×3 conv, BN, ReLU, 2×2 max pool). @default [16, 32] */
  channels?: number[];
  /** Hidden width of the classifier (0: linear head only). @default 64 */
  hidden?: number;
  /** Dropout before the head. @default 0 */
  dropout?: number;
  /** Seed of the initial weights. @default 0 */
  seed?: number;
  /** Backend of the parameters. */
  backend?: Backend;
}

/**
 * A small CNN: `[conv3×3 → BN → ReLU → maxpool2]*` → flatten → (linear → ReLU) → linear.
 *
 * @example
 * ```ts
 * import { smallCnn } from "./image_models.ts";
 * import { zeros } from "../tensor/create.ts";
 * console.assert(smallCnn().forward(zeros([2, 1, 28, 28])).shape.join() === "2,10");
 * ```
 */
export function smallCnn(o: CnnOptions = {}): Sequential {
  const rng = new Rng(o.seed ?? 0), backend = o.backend;
  const chans = o.channels ?? [16, 32];
  let c = o.inChannels ?? 1, size = o.imageSize ?? 28;
  const layers: [string, Module][] = [];
  chans.forEach((out, i) => {
    checkInt("smallCnn", "channels", out);
    layers.push(
      [`conv${i + 1}`, conv2dLayer(c, out, 3, { padding: 1, rng, backend })],
      [`bn${i + 1}`, batchNorm2d(out, { backend })],
      [`relu${i + 1}`, new Activation("relu")],
      [`pool${i + 1}`, pool("max", 2)],
    );
    c = out;
    size = Math.floor(size / 2);
  });
  if (size < 1) {
    throw new RangeError(`smallCnn: ${chans.length} pooling stages shrink the image to nothing`);
  }
  layers.push(["flatten", new Flatten()]);
  if (o.dropout) layers.push(["dropout", drop("dropout", o.dropout, new Rng((o.seed ?? 0) + 1))]);
  let f = c * size * size;
  const hidden = o.hidden ?? 64;
  if (hidden > 0) {
    layers.push(["fc1", new Linear(f, hidden, { rng, backend })], ["act1", new Activation("relu")]);
    f = hidden;
  }
  layers.push(["head", new Linear(f, o.classes ?? 10, { rng, backend })]);
  return new Sequential(layers);
}

/** Options of {@linkcode convnext}. */
export interface ConvNextOptions {
  /** Input channels. @default 1 */
  inChannels?: number;
  /** Output classes. @default 10 */
  classes?: number;
  /** Blocks per stage. @default [2, 2, 2] */
  depths?: number[];
  /** Channels per stage. @default [32, 64, 128] */
  dims?: number[];
  /** Stem patch size (kernel = stride). @default 2 */
  stemPatch?: number;
  /** Depthwise kernel size. @default 7 */
  kernel?: number;
  /** Inverted-bottleneck expansion. @default 4 */
  expansion?: number;
  /** Initial layer-scale value. @default 1e-6 */
  layerScaleInit?: number;
  /** Stochastic depth rate of the last block (linearly increasing from 0). @default 0 */
  dropPath?: number;
  /** Seed of the initial weights. @default 0 */
  seed?: number;
  /** Backend of the parameters. */
  backend?: Backend;
}

/**
 * A ConvNeXt. Node names: `stem.conv`, `stem.norm`, `stages.S.downsample.{norm,conv}`,
 * `stages.S.blocks.B.branch.{dwconv,norm,pw1,act,pw2,scale,drop}`, `...add`,
 * `head.{pool,norm,fc}`.
 *
 * @example
 * ```ts
 * import { convnext } from "./image_models.ts";
 * import { zeros } from "../tensor/create.ts";
 * const net = convnext({ depths: [1, 1], dims: [8, 16] });
 * console.assert(net.forward(zeros([2, 1, 28, 28])).shape.join() === "2,10");
 * ```
 */
export function convnext(o: ConvNextOptions = {}): Sequential {
  const rng = new Rng(o.seed ?? 0), backend = o.backend;
  const depths = o.depths ?? [2, 2, 2], dims = o.dims ?? [32, 64, 128];
  if (depths.length !== dims.length || depths.length === 0) {
    throw new RangeError(
      `convnext: depths [${depths}] and dims [${dims}] must be non-empty and of equal length`,
    );
  }
  depths.forEach((d) => checkInt("convnext", "depth", d, 0));
  dims.forEach((d) => checkInt("convnext", "dim", d));
  const k = o.kernel ?? 7, e = o.expansion ?? 4, patch = o.stemPatch ?? 2;
  const init = { rng, backend, init: "xavier_normal" as const };
  const total = depths.reduce((a, b) => a + b, 0);
  let blockIndex = 0;
  const stages: [string, Module][] = dims.map((d, s) => {
    const parts: [string, Module][] = [];
    if (s > 0) {
      parts.push([
        "downsample",
        new Sequential([
          ["norm", layerNorm2d(dims[s - 1], { backend })],
          ["conv", conv2dLayer(dims[s - 1], d, 2, { stride: 2, ...init })],
        ]),
      ]);
    }
    const blocks: [string, Module][] = [];
    for (let b = 0; b < depths[s]; b++, blockIndex++) {
      const branch: [string, Module][] = [
        ["dwconv", dwconv2dLayer(d, k, { padding: (k - 1) / 2, ...init })],
        ["norm", layerNorm2d(d, { backend })],
        ["pw1", conv2dLayer(d, e * d, 1, init)],
        ["act", new Activation("gelu")],
        ["pw2", conv2dLayer(e * d, d, 1, init)],
        ["scale", layerScale(d, o.layerScaleInit ?? 1e-6, { backend })],
      ];
      const p = (o.dropPath ?? 0) * (total > 1 ? blockIndex / (total - 1) : 0);
      if (p > 0) {
        branch.push(["drop", drop("drop_path", p, new Rng((o.seed ?? 0) + 7 + blockIndex))]);
      }
      blocks.push([`${b}`, new Residual(new Sequential(branch))]);
    }
    parts.push(["blocks", new Sequential(blocks)]);
    return [`${s}`, new Sequential(parts)];
  });
  return new Sequential([
    [
      "stem",
      new Sequential([
        ["conv", conv2dLayer(o.inChannels ?? 1, dims[0], patch, { stride: patch, ...init })],
        ["norm", layerNorm2d(dims[0], { backend })],
      ]),
    ],
    ["stages", new Sequential(stages)],
    [
      "head",
      new Sequential([
        ["pool", pool("global")],
        ["norm", layerNorm2d(dims.at(-1)!, { backend })],
        ["fc", new Linear(dims.at(-1)!, o.classes ?? 10, { rng, backend, init: "xavier_normal" })],
      ]),
    ],
  ]);
}

/**
 * ConvNeXt-Tiny's configuration (depths [3, 3, 9, 3], dims [96, 192, 384, 768], 4×4 stem,
 * 3 input channels): 27.8 M parameters with 1000 classes.
 *
 * @example
 * ```ts
 * import { convnextTiny } from "./image_models.ts";
 * console.assert(convnextTiny({ classes: 1000 }).parameterCount() === 28589128);
 * ```
 */
export function convnextTiny(o: Omit<ConvNextOptions, "depths" | "dims"> = {}): Sequential {
  return convnext({
    inChannels: 3,
    stemPatch: 4,
    ...o,
    depths: [3, 3, 9, 3],
    dims: [96, 192, 384, 768],
  });
}
