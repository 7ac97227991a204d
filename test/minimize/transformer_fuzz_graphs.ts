/**
 * Random transformer graphs for the minimization fuzz: ViTs (`vit()`), text encoders
 * (`textEncoder()`) and hand-built token graphs (a tied LM-style head reading the stream
 * with the embedding's own table; attention whose queries, keys and values come from
 * different values, with heads of unequal widths). Parameters at trained magnitudes
 * (biases ~N(0, 1), norm gains ~1 + 0.5·N, positional and class tokens ~0.5·N, weights
 * ~N(0, 1/fan-in)), masks that empty whole heads, query/key dims (constant key, or query
 * constant 0), value dims (constant value, or dead output column), MLP units and stream
 * channels (in every writer or only some), with random densities, zero biases and gains.
 */
import { GraphBuilder } from "../../src/graph/builder.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import type { GraphModule } from "../../src/graph/graph_module.ts";
import type { AttrValue } from "../../src/graph/ir.ts";
import { textEncoder, vit } from "../../src/nn/transformer_models.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { maskParamWhere } from "../../src/prune/masks.ts";
import { pruneUnits } from "../../src/prune/units.ts";
import { tensor } from "../../src/tensor/create.ts";
import type { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";
import { type FuzzCase, maskedCase, type Place } from "./fuzz_graphs.ts";

export type { FuzzCase, Place };

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

/** A value at trained magnitude for parameter `name` of shape `shape`. */
function trained(name: string, shape: readonly number[], rng: Rng): () => number {
  if (/norm\.weight$|^g\d/.test(name)) return () => 1 + 0.5 * rng.normal();
  if (/bias$|^b\d/.test(name)) return () => rng.normal();
  if (/^(pos|cls)\.weight$|^pos\d|^cls\d/.test(name)) return () => 0.5 * rng.normal();
  if (/^embed\.weight$|^E$/.test(name) && shape.length === 2) return () => rng.normal();
  const fan = Math.max(1, shape.slice(1).reduce((a, b) => a * b, 1));
  const std = (0.5 + rng.uniform()) / Math.sqrt(fan);
  return () => std * rng.normal();
}

/** The parameters of `net`'s graph re-drawn at trained magnitudes, in the place's dtype. */
function placed(params: Map<string, Parameter>, rng: Rng, place: Place): Map<string, Parameter> {
  return new Map(
    [...params].map(([k, p]) => {
      const f = trained(k, p.shape, rng);
      const v = Array.from({ length: p.size }, f);
      return [k, Parameter.of(v, p.shape, place.backend, place.dtype)];
    }),
  );
}

/** Images `[n, c, s, s]` ~N(offset, scale). */
function images(c: number, s: number, rng: Rng, place: Place): Tensor {
  const n = 1 + rng.int(4), mean = 2 * rng.uniform() - 1, std = 0.5 + 1.5 * rng.uniform();
  const v = Array.from({ length: n * c * s * s }, () => mean + std * rng.normal());
  return tensor(v, [n, c, s, s], { backend: place.backend, dtype: place.dtype });
}

/** Token ids `[n, t]` in `[0, vocab)`. */
function tokenIds(vocab: number, t: number, rng: Rng, place: Place): Tensor {
  const n = 1 + rng.int(4);
  const v = Array.from({ length: n * t }, () => rng.int(vocab));
  return tensor(v, [n, t], { backend: place.backend, dtype: place.dtype });
}

/** dim = heads × head width, heads 1–3, head widths 1–4. */
function shape(rng: Rng) {
  const heads = 1 + rng.int(3), hw = 1 + rng.int(4);
  return {
    heads,
    dim: heads * hw,
    depth: rng.int(4),
    mlp: 1 + rng.int(10),
    classes: 1 + rng.int(3),
    norm: pick(rng, ["layer", "rms"] as const),
    dropout: rng.uniform() < 0.25 ? 0.1 : 0,
  };
}

/** A `vit()` on small images: patch 1–3, 1–3 patches a side, 1–2 input channels. */
function vitCase(rng: Rng, place: Place): FuzzCase {
  const s = shape(rng), patch = 1 + rng.int(3), size = patch * (1 + rng.int(3));
  const ch = 1 + rng.int(2), pool = pick(rng, ["mean", "cls"] as const);
  const net = vit({ ...s, imageSize: size, patch, inChannels: ch, pool });
  const { graph, params } = toGraph(net, [ch, size, size], "vit");
  return {
    family: `vit (${pool} pool)`,
    model: fromGraph(graph, placed(params, rng, place)),
    probes: images(ch, size, rng, place),
  };
}

/** A `textEncoder()`: vocab 5–30, length 1–8, causal or not. */
function textCase(rng: Rng, place: Place): FuzzCase {
  const s = shape(rng), vocab = 5 + rng.int(26), length = 1 + rng.int(8);
  const causal = rng.uniform() < 0.5;
  const net = textEncoder({ ...s, vocab, length, causal });
  const { graph, params } = toGraph(net, [length], "text");
  return {
    family: `text encoder (${causal ? "causal" : "bidirectional"})`,
    model: fromGraph(graph, placed(params, rng, place)),
    probes: tokenIds(vocab, length, rng, place),
  };
}

/** Builds token graphs node by node with parameters at trained magnitudes. */
class TokenNet {
  readonly g: GraphBuilder;
  readonly rng: Rng;
  readonly place: Place;
  #n = 0;

  constructor(name: string, rng: Rng, place: Place) {
    this.g = new GraphBuilder(name);
    this.rng = rng;
    this.place = place;
  }

  param(name: string, shape: number[]): string {
    const n = shape.reduce((a, b) => a * b, 1);
    const f = trained(name, shape, this.rng);
    const p = Parameter.of(
      Array.from({ length: n }, f),
      shape,
      this.place.backend,
      this.place.dtype,
    );
    return this.g.param(name, p);
  }

  node(
    name: string,
    op: string,
    inputs: string[],
    params: Record<string, string> = {},
    attrs: Record<string, AttrValue> = {},
  ): string {
    return this.g.node(name, op, inputs, params, attrs);
  }

  linear(name: string, x: string, i: number, o: number, bias = true): string {
    const id = this.#n++;
    const params: Record<string, string> = { weight: this.param(`w${id}`, [o, i]) };
    if (bias) params.bias = this.param(`b${id}`, [o]);
    return this.node(name, "linear", [x], params);
  }

  norm(name: string, x: string, c: number): string {
    const id = this.#n++;
    const attrs = { eps: 1e-6, width: c, axis: 2 };
    if (this.rng.uniform() < 0.5) {
      return this.node(name, "rms_norm", [x], { weight: this.param(`g${id}`, [c]) }, attrs);
    }
    return this.node(name, "layer_norm", [x], {
      weight: this.param(`g${id}`, [c]),
      bias: this.param(`b${id}`, [c]),
    }, attrs);
  }

  /** Attention of `q`, `k`, `v` (already projected) over the given head widths. */
  attention(name: string, q: string, k: string, v: string, qk: number[], vw: number[]): string {
    const scale = 0.25 + this.rng.uniform();
    return this.node(name, "attention", [q, k, v], {}, {
      qk,
      v: vw,
      scale,
      causal: this.rng.uniform() < 0.5,
    });
  }

  /** A pre-norm MLP branch added to stream `s` of width `c`. */
  mlpBlock(prefix: string, s: string, c: number): string {
    const h = 1 + this.rng.int(8);
    const a = this.linear(`${prefix}.fc1`, this.norm(`${prefix}.norm`, s, c), c, h);
    const y = this.linear(`${prefix}.fc2`, this.node(`${prefix}.act`, "gelu", [a]), h, c);
    return this.node(`${prefix}.add`, "add", [s, y]);
  }

  build(out: string): GraphModule {
    this.g.output(out);
    return fromGraph(this.g.build(), this.g.parameters);
  }
}

/**
 * Head widths 0–3: at least one head with a value, and no head empty on both sides (a
 * head of no channels has nothing for the rules to remove; see the report of issue 14).
 */
function headWidths(rng: Rng): { qk: number[]; v: number[] } {
  const heads = 1 + rng.int(3);
  const qk = Array.from({ length: heads }, () => rng.int(4));
  const v = Array.from({ length: heads }, () => rng.int(4));
  if (!v.some((w) => w > 0)) v[0] = 1;
  qk.forEach((w, h) => w + v[h] === 0 && (qk[h] = 1));
  return { qk, v };
}

/**
 * A tied LM-style head: token embedding `E [V, C]`, positional embedding, 0–2 blocks
 * (self-attention with unequal heads, MLP), a final norm and a `linear` reading it with the
 * same parameter `E` (logits `[B, T, V]`, optionally with a bias).
 */
function tiedLmCase(rng: Rng, place: Place): FuzzCase {
  const net = new TokenNet("tied-lm", rng, place);
  const vocab = 3 + rng.int(10), t = 1 + rng.int(6), c = 1 + rng.int(6);
  const ids = net.g.input("ids", [-1, t]);
  const e = net.param("E", [vocab, c]);
  let s = net.node("embed", "embedding", [ids], { weight: e });
  if (rng.uniform() < 0.7) {
    s = net.node("pos", "pos_embed", [s], { weight: net.param("pos.weight", [t, c]) });
  }
  for (let b = rng.int(3); b > 0; b--) {
    const p = `blocks.${b}`;
    const x = net.norm(`${p}.attn.norm`, s, c);
    const { qk, v } = headWidths(rng);
    const sq = qk.reduce((a, w) => a + w, 0), sv = v.reduce((a, w) => a + w, 0);
    const a = net.attention(
      `${p}.attn.mha`,
      net.linear(`${p}.attn.q`, x, c, sq),
      net.linear(`${p}.attn.k`, x, c, sq),
      net.linear(`${p}.attn.v`, x, c, sv),
      qk,
      v,
    );
    s = net.node(`${p}.attn.add`, "add", [s, net.linear(`${p}.attn.o`, a, sv, c)]);
    if (rng.uniform() < 0.6) s = net.mlpBlock(`${p}.mlp`, s, c);
  }
  const n = net.norm("head.norm", s, c);
  const params: Record<string, string> = { weight: e };
  if (rng.uniform() < 0.5) params.bias = net.param("head.bias", [vocab]);
  return {
    family: "tied LM head",
    model: net.build(net.node("head.fc", "linear", [n], params)),
    probes: tokenIds(vocab, t, rng, place),
  };
}

/**
 * Attention whose queries, keys and values come from different values: a float token input
 * `[B, T, F]` projected to the stream; queries from a norm of the stream, keys from the
 * stream's second norm, the queries' norm or the queries' own value, values from the raw
 * input, the queries' own value (one value read as q, k and v) or the stream itself;
 * unequal head widths; a residual add, a final norm, pooling and a classifier.
 */
function crossCase(rng: Rng, place: Place): FuzzCase {
  const net = new TokenNet("cross", rng, place);
  const t = 1 + rng.int(5), f = 1 + rng.int(4), c = 1 + rng.int(6);
  const x = net.g.input("x", [-1, t, f], 2);
  let s = net.linear("embed", x, f, c);
  const n1 = net.norm("attn.norm1", s, c);
  const kind = rng.int(5);
  let { qk, v } = headWidths(rng);
  if (kind === 3) v = [...qk];
  if (kind === 4) {
    // The values are the stream itself: value widths split its c channels.
    v = new Array(qk.length).fill(0);
    for (let i = 0; i < c; i++) v[rng.int(v.length)]++;
    qk.forEach((w, h) => w + v[h] === 0 && (qk[h] = 1));
  }
  const sq = qk.reduce((a, w) => a + w, 0), sv = v.reduce((a, w) => a + w, 0);
  const q = net.linear("attn.q", n1, c, sq);
  // Keys: the queries' own value (0, 3), a second norm (1), the queries' norm (2, 4);
  // values: the raw input projected (0–2), the queries' value (3: q = k = v), the stream (4).
  const k = kind === 0 || kind === 3
    ? q
    : net.linear("attn.k", kind === 1 ? net.norm("attn.norm2", s, c) : n1, c, sq);
  const val = kind === 3 ? q : kind === 4 ? s : net.linear("attn.v", x, f, sv, rng.uniform() < 0.8);
  const a = net.attention("attn.mha", q, k, val, qk, v);
  s = net.node("attn.add", "add", [s, net.linear("attn.o", a, sv, c)]);
  if (rng.uniform() < 0.5) s = net.mlpBlock("mlp", s, c);
  const pooled = net.node("head.pool", "token_pool", [net.norm("head.norm", s, c)], {}, {
    mode: pick(rng, ["mean", "first"]),
  });
  return {
    family: "cross attention, unequal heads",
    model: net.build(net.linear("head.fc", pooled, c, 1 + rng.int(3))),
    probes: (() => {
      const n = 1 + rng.int(4), mean = 2 * rng.uniform() - 1, std = 0.5 + 1.5 * rng.uniform();
      const d = Array.from({ length: n * t * f }, () => mean + std * rng.normal());
      return tensor(d, [n, t, f], { backend: place.backend, dtype: place.dtype });
    })(),
  };
}

/** Row `j` of a `[O, I]` weight, as flat indices. */
const rowOf = (shape: readonly number[], j: number) =>
  Array.from({ length: shape[1] }, (_, i) => j * shape[1] + i);
/** Column `c` of a `[O, I]` weight, as flat indices. */
const colOf = (shape: readonly number[], c: number) =>
  Array.from({ length: shape[0] }, (_, o) => o * shape[1] + c);

/**
 * Random masks: pruning units of every family (heads, query/key and value dims, MLP units,
 * stream channels in every writer or only some), then targeted attention masks (a zero
 * `W_K` row: a constant key; a zero `W_Q` row and bias entry: a query of constant 0; a zero
 * `W_V` row: a constant value; a zero `W_O` column: a dead value), densities, zero biases
 * and gains.
 */
export function transformerMasks(c: FuzzCase, rng: Rng): void {
  const m = c.model, params = m.namedParameters();
  const zero = new Map<string, Set<number>>();
  const take = (param: string, idx: ArrayLike<number>) => {
    const s = zero.get(param) ?? new Set<number>();
    for (let k = 0; k < idx.length; k++) s.add(idx[k]);
    zero.set(param, s);
  };
  // Large stream offsets: the stream writers' biases up to 10× (the constants removed
  // channels leave behind, next to the spread of the channels that stay).
  if (rng.uniform() < 0.25) {
    const f = pick(rng, [3, 10]);
    for (const [name, p] of params) {
      if (/^embed\.bias$|\.o\.bias$|fc2\.bias$|^b\d/.test(name)) {
        p.assign(p.toArray().map((v) => f * v));
      }
    }
  }
  const rate = 0.1 + 0.3 * rng.uniform();
  for (const u of pruneUnits(m).units) {
    const stream = u.family.endsWith("(stream)"), heads = u.family.endsWith("(heads)");
    if (rng.uniform() >= (stream ? 1.5 * rate : heads ? 0.6 * rate : rate)) continue;
    const partial = stream && rng.uniform() < 0.4;
    for (
      const e of partial
        ? u.writers.filter(() => rng.uniform() < 0.5)
        : [...u.writers, ...u.readers]
    ) {
      take(e.param, e.indices);
    }
  }
  const producer = new Map(m.graph.nodes.map((n) => [n.name, n]));
  const linearOf = (v: string) => {
    const p = producer.get(v);
    return p?.op === "linear" ? p : undefined;
  };
  for (const n of m.graph.nodes) {
    if (n.op !== "attention") continue;
    const [q, k, v] = n.inputs.map(linearOf);
    const o = m.graph.nodes.filter((r) => r.op === "linear" && r.inputs[0] === n.name);
    if (q && k) {
      const ws = m.graph.params[k.params.weight];
      for (let d = 0; d < ws[0]; d++) {
        const u = rng.uniform();
        if (u < 0.12) take(k.params.weight, rowOf(ws, d));
        else if (u < 0.27) {
          // Query constant: 0 (removable) or, a third of the time, its bias (it stays).
          take(q.params.weight, rowOf(m.graph.params[q.params.weight], d));
          if (q.params.bias && u < 0.22) take(q.params.bias, [d]);
        }
      }
    }
    if (v) {
      const ws = m.graph.params[v.params.weight];
      for (let d = 0; d < ws[0]; d++) {
        const u = rng.uniform();
        if (u < 0.12) take(v.params.weight, rowOf(ws, d));
        else if (u < 0.22) {
          for (const r of o) take(r.params.weight, colOf(m.graph.params[r.params.weight], d));
        }
      }
    }
  }
  for (const [name, s] of zero) maskParamWhere(params.get(name)!, (i) => s.has(i));
  for (const [name, p] of params) {
    if (p.shape.length >= 2 && !/norm|^pos|^cls/.test(name) && p.size > 0 && rng.uniform() < 0.7) {
      const density = 0.4 + 0.6 * rng.uniform();
      maskParamWhere(p, () => rng.uniform() > density);
    }
  }
  for (const [name, p] of params) {
    if (/norm\.weight$|^g\d/.test(name) && rng.uniform() < 0.3) {
      const j = rng.int(p.size);
      maskParamWhere(p, (i) => i === j);
    }
    if (/bias$|^b\d/.test(name) && rng.uniform() < 0.15) maskParamWhere(p, () => true);
    if (/^(pos|cls)\.weight$/.test(name) && rng.uniform() < 0.2) maskParamWhere(p, () => true);
  }
  // Embedding tables and positional embeddings with a constant column of a nonzero value,
  // up to 10× the spread of the others (CompensatedLayerNorm's float32 stress case).
  for (const n of m.graph.nodes) {
    if ((n.op !== "embedding" && n.op !== "pos_embed") || rng.uniform() >= 0.3) continue;
    const p = params.get(n.params.weight)!, [rows, cols] = p.shape;
    const j = rng.int(cols), k = rng.normal() * pick(rng, [1, 3, 10]), v = p.toArray().slice();
    const mask = p.mask?.toArray().slice();
    for (let r = 0; r < rows; r++) v[r * cols + j] = k;
    if (mask) {
      for (let r = 0; r < rows; r++) mask[r * cols + j] = 1;
      const old = p.mask!;
      p.mask = tensor(mask, p.shape, { backend: p.backend, dtype: p.dtype });
      old.dispose();
    }
    p.assign(v);
  }
}

/** The transformer families and how many graphs of each the fuzz runs (≥ 500 in all). */
export const TRANSFORMER_FAMILIES: [string, (rng: Rng, place: Place) => FuzzCase, number][] = [
  ["vit", vitCase, 400],
  ["text encoder", textCase, 340],
  ["tied LM head", tiedLmCase, 130],
  ["cross attention, unequal heads", crossCase, 130],
];

/** Case `seed` of a family, masked. */
export function transformerCase(
  make: (rng: Rng, place: Place) => FuzzCase,
  seed: number,
  place: Place,
): FuzzCase {
  return maskedCase(make, seed, place, transformerMasks);
}
