/**
 * Transformer builders: a Vision Transformer for small images and a text encoder for
 * sequence classification. Both are pre-LN stacks of blocks
 * `x + o(attention(LN(x)))`, `x + fc2(GELU(fc1(LN(x))))` on a token stream `[B, T, dim]`
 * whose LayerNorms are CompensatedLayerNorms (or compensated RMSNorms), so the stream's
 * channels can leave exactly. Node names: `embed` (`patch_embed` or `embedding`), `cls`,
 * `pos`, `blocks.B.attn.branch.{norm,mha.{q,k,v,attn,o},drop}`, `blocks.B.attn.add`,
 * `blocks.B.mlp.branch.{norm,fc1,act,fc2,drop}`, `blocks.B.mlp.add`, `head.{norm,pool,fc}`.
 *
 * @module
 */
import type { Backend } from "../backends/backend.ts";
import { referenceBackend } from "../tensor/create.ts";
import { Rng } from "../tensor/random.ts";
import { Activation } from "./activation.ts";
import { SelfAttention } from "./attention.ts";
import { initWeights } from "./init.ts";
import { checkInt, Layer } from "./layer.ts";
import { drop } from "./layers.ts";
import { Linear } from "./linear.ts";
import type { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { Residual } from "./residual.ts";
import { Sequential } from "./sequential.ts";

/** Options shared by the transformer builders. */
export interface TransformerOptions {
  /** Stream width. @default 64 */
  dim?: number;
  /** Blocks. @default 4 */
  depth?: number;
  /** Attention heads per block (must divide `dim`). @default 4 */
  heads?: number;
  /** Hidden width of each block's MLP. @default 2·dim */
  mlp?: number;
  /** Output classes. @default 10 (vit), 2 (text) */
  classes?: number;
  /** Normalization of the stream: `layer` (CompensatedLayerNorm) or `rms`. @default "layer" */
  norm?: "layer" | "rms";
  /** Dropout after each attention and MLP branch. @default 0 */
  dropout?: number;
  /** Seed of the initial weights. @default 0 */
  seed?: number;
  /** Backend of the parameters. */
  backend?: Backend;
}

/** Options of {@linkcode vit}. */
export interface VitOptions extends TransformerOptions {
  /** Input height = width. @default 28 */
  imageSize?: number;
  /** Input channels. @default 1 */
  inChannels?: number;
  /** Patch size (must divide the image size). @default 7 */
  patch?: number;
  /** Pool the class token (`cls`) or the mean of the tokens (`mean`). @default "mean" */
  pool?: "mean" | "cls";
}

/** Options of {@linkcode textEncoder}. */
export interface TextEncoderOptions extends TransformerOptions {
  /** Vocabulary size (token ids `0..vocab-1`). */
  vocab: number;
  /** Tokens per sequence. */
  length: number;
  /** Causal attention. @default false */
  causal?: boolean;
}

function param(values: Float32Array, shape: number[], be: Backend | undefined): Parameter {
  return Parameter.of(values, shape, be ?? referenceBackend());
}

function normal(n: number, std: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * std;
  return a;
}

/** A norm over the last axis of a token stream. */
function tokenNorm(dim: number, kind: "layer" | "rms", be: Backend | undefined): Layer {
  const ones = param(new Float32Array(dim).fill(1), [dim], be);
  return kind === "rms"
    ? new Layer("rms_norm", { weight: ones }, { eps: 1e-6, width: dim, axis: 2 })
    : new Layer("layer_norm", { weight: ones, bias: param(new Float32Array(dim), [dim], be) }, {
      eps: 1e-6,
      width: dim,
      axis: 2,
    });
}

function resolved(o: TransformerOptions, classes: number) {
  const dim = o.dim ?? 64, depth = o.depth ?? 4, heads = o.heads ?? 4;
  checkInt("transformer", "dim", dim);
  checkInt("transformer", "depth", depth, 0);
  checkInt("transformer", "heads", heads);
  if (dim % heads !== 0) {
    throw new RangeError(`transformer: dim ${dim} is not a multiple of heads ${heads}`);
  }
  const mlp = o.mlp ?? 2 * dim;
  checkInt("transformer", "mlp", mlp);
  const p = o.dropout ?? 0;
  if (!(p >= 0 && p < 1)) throw new RangeError(`transformer: dropout must be in [0, 1), got ${p}`);
  const cls = o.classes ?? classes, norm = o.norm ?? "layer";
  checkInt("transformer", "classes", cls);
  if (norm !== "layer" && norm !== "rms") {
    throw new RangeError(`transformer: norm must be "layer" or "rms", got ${JSON.stringify(norm)}`);
  }
  return { dim, depth, heads, mlp, classes: cls, norm, p };
}

/** The blocks and the head (final norm, pooling, linear classifier). */
function blocksAndHead(
  o: TransformerOptions,
  r: ReturnType<typeof resolved>,
  rng: Rng,
  pool: "mean" | "first",
  causal: boolean,
): [string, Module][] {
  const be = o.backend, lin = { rng, backend: be, init: "xavier_normal" as const };
  const seed = o.seed ?? 0;
  const blocks: [string, Module][] = [];
  for (let b = 0; b < r.depth; b++) {
    const tail = (name: string): [string, Module][] =>
      r.p > 0
        ? [[name, drop("dropout", r.p, new Rng(seed + 101 + 2 * b + (name === "drop" ? 0 : 1)))]]
        : [];
    const attn: [string, Module][] = [
      ["norm", tokenNorm(r.dim, r.norm, be)],
      ["mha", new SelfAttention(r.dim, r.heads, { ...lin, causal })],
      ...tail("drop"),
    ];
    const mlp: [string, Module][] = [
      ["norm", tokenNorm(r.dim, r.norm, be)],
      ["fc1", new Linear(r.dim, r.mlp, lin)],
      ["act", new Activation("gelu")],
      ["fc2", new Linear(r.mlp, r.dim, lin)],
      ...tail("drop2"),
    ];
    blocks.push([
      `${b}`,
      new Sequential([
        ["attn", new Residual(new Sequential(attn))],
        ["mlp", new Residual(new Sequential(mlp))],
      ]),
    ]);
  }
  return [
    ["blocks", new Sequential(blocks)],
    [
      "head",
      new Sequential([
        ["norm", tokenNorm(r.dim, r.norm, be)],
        ["pool", new Layer("token_pool", {}, { mode: pool })],
        ["fc", new Linear(r.dim, r.classes, lin)],
      ]),
    ],
  ];
}

/**
 * A Vision Transformer: `patch`×`patch` patches of an NCHW image as tokens (a learned
 * projection), a learned positional embedding (and a class token with `pool: "cls"`),
 * `depth` pre-LN blocks, a final norm, pooling and a linear classifier. Input
 * `[N, inChannels, imageSize, imageSize]`.
 *
 * @example
 * ```ts
 * import { vit } from "./transformer_models.ts";
 * import { zeros } from "../tensor/create.ts";
 * const net = vit({ dim: 16, depth: 1, heads: 2 });
 * console.assert(net.forward(zeros([2, 1, 28, 28])).shape.join() === "2,10");
 * ```
 */
export function vit(o: VitOptions = {}): Sequential {
  const r = resolved(o, 10), rng = new Rng(o.seed ?? 0), be = o.backend;
  const size = o.imageSize ?? 28, ch = o.inChannels ?? 1, patch = o.patch ?? 7;
  checkInt("vit", "imageSize", size);
  checkInt("vit", "inChannels", ch);
  checkInt("vit", "patch", patch);
  if (o.pool !== undefined && o.pool !== "mean" && o.pool !== "cls") {
    throw new RangeError(`vit: pool must be "mean" or "cls", got ${JSON.stringify(o.pool)}`);
  }
  if (size % patch !== 0) {
    throw new RangeError(`vit: patch ${patch} does not divide the image size ${size}`);
  }
  const tokens = (size / patch) ** 2 + (o.pool === "cls" ? 1 : 0);
  const wShape = [r.dim, ch, patch, patch];
  const embed = new Layer("patch_embed", {
    weight: param(initWeights(wShape, "xavier_normal", rng), wShape, be),
    bias: param(new Float32Array(r.dim), [r.dim], be),
  });
  const stem: [string, Module][] = [["embed", embed]];
  if (o.pool === "cls") {
    stem.push([
      "cls",
      new Layer("cls_token", { weight: param(normal(r.dim, 0.02, rng), [r.dim], be) }),
    ]);
  }
  stem.push([
    "pos",
    new Layer("pos_embed", {
      weight: param(normal(tokens * r.dim, 0.02, rng), [tokens, r.dim], be),
    }),
  ]);
  return new Sequential([
    ...stem,
    ...blocksAndHead(o, r, rng, o.pool === "cls" ? "first" : "mean", false),
  ]);
}

/**
 * A text encoder for sequence classification: token embedding, learned positional
 * embedding, `depth` pre-LN blocks, a final norm, the mean over tokens and a linear
 * classifier. Input token ids `[N, length]` (float values).
 *
 * @example
 * ```ts
 * import { textEncoder } from "./transformer_models.ts";
 * import { zeros } from "../tensor/create.ts";
 * const net = textEncoder({ vocab: 50, length: 6, dim: 8, depth: 1, heads: 2 });
 * console.assert(net.forward(zeros([3, 6])).shape.join() === "3,2");
 * ```
 */
export function textEncoder(o: TextEncoderOptions): Sequential {
  const r = resolved(o, 2), rng = new Rng(o.seed ?? 0), be = o.backend;
  checkInt("textEncoder", "vocab", o.vocab);
  checkInt("textEncoder", "length", o.length);
  return new Sequential([
    [
      "embed",
      new Layer("embedding", {
        weight: param(normal(o.vocab * r.dim, 0.02, rng), [o.vocab, r.dim], be),
      }),
    ],
    [
      "pos",
      new Layer("pos_embed", {
        weight: param(normal(o.length * r.dim, 0.02, rng), [o.length, r.dim], be),
      }),
    ],
    ...blocksAndHead(o, r, rng, "mean", o.causal ?? false),
  ]);
}
