/**
 * Layer factories for image models (NCHW): each returns a {@linkcode Layer} (one graph
 * node) with seeded, initialized parameters.
 *
 * @module
 */
import type { Backend } from "../backends/backend.ts";
import { referenceBackend } from "../tensor/create.ts";
import { Rng } from "../tensor/random.ts";
import { type InitKind, initWeights } from "./init.ts";
import { checkInt, Layer } from "./layer.ts";
import type { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { Sequential } from "./sequential.ts";

/** Options shared by the factories. */
export interface LayerOptions {
  /** Generator for initial weights (default `new Rng(0)`). */
  rng?: Rng;
  /** Backend of the parameters. */
  backend?: Backend;
}

/** Options of {@linkcode conv2dLayer}. */
export interface ConvOptions extends LayerOptions {
  /** Stride. @default 1 */
  stride?: number;
  /** Zero padding. @default 0 */
  padding?: number;
  /** Include a bias. @default true */
  bias?: boolean;
  /** Weight initializer. @default "kaiming_normal" */
  init?: InitKind;
  /** Scale applied to the initial weights (e.g. 0.2 for a truncated-normal-like start). @default 1 */
  gain?: number;
}

function param(values: ArrayLike<number>, shape: number[], be: Backend | undefined): Parameter {
  return Parameter.of(values, shape, be ?? referenceBackend());
}

function filled(n: number, v: number): Float32Array {
  return new Float32Array(n).fill(v);
}

function weights(shape: number[], o: ConvOptions): Float32Array {
  const w = initWeights(shape, o.init ?? "kaiming_normal", o.rng ?? new Rng(0));
  if (o.gain !== undefined) { for (let i = 0; i < w.length; i++) w[i] *= o.gain; }
  return w;
}

/**
 * Convolution `[N, C, H, W] → [N, O, H', W']` with a `k × k` kernel.
 *
 * @example
 * ```ts
 * import { conv2dLayer } from "./layers.ts";
 * import { zeros } from "../tensor/create.ts";
 * const conv = conv2dLayer(1, 8, 3, { padding: 1 });
 * console.assert(conv.forward(zeros([2, 1, 28, 28])).shape.join() === "2,8,28,28");
 * ```
 */
export function conv2dLayer(inCh: number, outCh: number, k: number, o: ConvOptions = {}): Layer {
  for (const [w, v] of [["inChannels", inCh], ["outChannels", outCh], ["kernel", k]] as const) {
    checkInt("conv2d", w, v);
  }
  const shape = [outCh, inCh, k, k];
  const params: Record<string, Parameter> = { weight: param(weights(shape, o), shape, o.backend) };
  if (o.bias !== false) params.bias = param(new Float32Array(outCh), [outCh], o.backend);
  return new Layer("conv2d", params, { stride: o.stride ?? 1, padding: o.padding ?? 0 });
}

/**
 * Depthwise convolution (one `k × k` filter per channel).
 *
 * @example
 * ```ts
 * import { dwconv2dLayer } from "./layers.ts";
 * import { zeros } from "../tensor/create.ts";
 * console.assert(dwconv2dLayer(4, 7, { padding: 3 }).forward(zeros([1, 4, 9, 9])).shape[3] === 9);
 * ```
 */
export function dwconv2dLayer(ch: number, k: number, o: ConvOptions = {}): Layer {
  checkInt("dwconv2d", "channels", ch);
  checkInt("dwconv2d", "kernel", k);
  const shape = [ch, 1, k, k];
  const params: Record<string, Parameter> = { weight: param(weights(shape, o), shape, o.backend) };
  if (o.bias !== false) params.bias = param(new Float32Array(ch), [ch], o.backend);
  return new Layer("dwconv2d", params, { stride: o.stride ?? 1, padding: o.padding ?? 0 });
}

/**
 * BatchNorm over channel axis 1 (γ = 1, β = 0, running mean 0 and variance 1 at start).
 *
 * @example
 * ```ts
 * import { batchNorm2d } from "./layers.ts";
 * import { randn } from "../tensor/create.ts";
 * import { Rng } from "../tensor/random.ts";
 * const bn = batchNorm2d(3);
 * console.assert(bn.forward(randn([4, 3, 5, 5], new Rng(1))).shape[1] === 3);
 * ```
 */
export function batchNorm2d(
  ch: number,
  o: LayerOptions & { eps?: number; momentum?: number } = {},
): Layer {
  checkInt("batch_norm", "channels", ch);
  return new Layer("batch_norm", {
    weight: param(filled(ch, 1), [ch], o.backend),
    bias: param(filled(ch, 0), [ch], o.backend),
    running_mean: param(filled(ch, 0), [ch], o.backend),
    running_var: param(filled(ch, 1), [ch], o.backend),
  }, { eps: o.eps ?? 1e-5, momentum: o.momentum ?? 0.1 });
}

/**
 * LayerNorm over the channels (γ = 1, β = 0): channel axis 1 (`channelsLast: false`,
 * default) or the last axis of an NHWC tensor (`channelsLast: true`, emitted as
 * permute → layer_norm → permute). A CompensatedLayerNorm with nothing removed.
 *
 * @example
 * ```ts
 * import { layerNorm2d } from "./layers.ts";
 * import { randn } from "../tensor/create.ts";
 * import { Rng } from "../tensor/random.ts";
 * const ln = layerNorm2d(8, { channelsLast: true });
 * console.assert(ln.forward(randn([2, 5, 5, 8], new Rng(1))).shape[3] === 8);
 * ```
 */
export function layerNorm2d(
  ch: number,
  o: LayerOptions & { eps?: number; channelsLast?: boolean } = {},
): Module {
  checkInt("layer_norm", "channels", ch);
  const ln = new Layer("layer_norm", {
    weight: param(filled(ch, 1), [ch], o.backend),
    bias: param(filled(ch, 0), [ch], o.backend),
  }, { eps: o.eps ?? 1e-6, width: ch });
  if (!o.channelsLast) return ln;
  return new Sequential([
    ["to_channels_first", new Layer("permute", {}, { perm: [0, 3, 1, 2] })],
    ["norm", ln],
    ["to_channels_last", new Layer("permute", {}, { perm: [0, 2, 3, 1] })],
  ]);
}

/**
 * ConvNeXt layer scale: a per-channel factor, initialized to `init`.
 *
 * @example
 * ```ts
 * import { layerScale } from "./layers.ts";
 * console.assert(layerScale(4, 1e-6).parameterCount() === 4);
 * ```
 */
export function layerScale(ch: number, init = 1e-6, o: LayerOptions = {}): Layer {
  checkInt("scale", "channels", ch);
  return new Layer("scale", { weight: param(filled(ch, init), [ch], o.backend) });
}

/**
 * Pooling with a `k × k` window and stride `k`: `"max"`, `"avg"`, or `"global"` (mean over
 * the spatial axes, `[N, C, H, W] → [N, C]`).
 *
 * @example
 * ```ts
 * import { pool } from "./layers.ts";
 * import { zeros } from "../tensor/create.ts";
 * console.assert(pool("global").forward(zeros([2, 3, 4, 4])).rank === 2);
 * ```
 */
export function pool(kind: "max" | "avg" | "global", k = 2): Layer {
  if (kind === "global") return new Layer("global_avg_pool");
  checkInt(`${kind}_pool`, "kernel", k);
  return new Layer(`${kind}_pool`, {}, { kernel: k });
}

/**
 * Dropout (`"dropout"`, per element) or stochastic depth (`"drop_path"`, per sample) with
 * probability `p`; identity in eval mode. Seeded by `rng`.
 *
 * @example
 * ```ts
 * import { drop } from "./layers.ts";
 * import { full } from "../tensor/create.ts";
 * const d = drop("dropout", 0.5);
 * console.assert(d.eval().forward(full([2, 3], 1)).toArray()[0] === 1);
 * ```
 */
export function drop(kind: "dropout" | "drop_path", p: number, rng: Rng = new Rng(0)): Layer {
  if (!(p >= 0 && p < 1)) throw new RangeError(`${kind}: p must be in [0, 1), got ${p}`);
  return new Layer(kind, {}, { p }, rng);
}

/**
 * Permute (`perm` keeps axis 0 first) or reshape (`shape` without the batch axis).
 *
 * @example
 * ```ts
 * import { reshapeLayer } from "./layers.ts";
 * import { zeros } from "../tensor/create.ts";
 * console.assert(reshapeLayer([4, -1]).forward(zeros([2, 8])).shape.join() === "2,4,2");
 * ```
 */
export function reshapeLayer(shape: number[]): Layer {
  return new Layer("reshape", {}, { shape });
}

/** Permutes axes; `perm[0]` must be 0 (see {@linkcode reshapeLayer} for an example). */
export function permuteLayer(perm: number[]): Layer {
  return new Layer("permute", {}, { perm });
}
