/**
 * Random graphs for the minimization fuzz, at the magnitudes training produces (weights
 * ~N(0, 1/fan-in), biases and norm gains of order 1, BatchNorm statistics away from 0/1)
 * with random masks: per-weight density, whole units dead, zero biases, zero gains, and
 * stream channels dead in all or only some of their writers.
 */
import type { Backend } from "../../src/backends/backend.ts";
import { ACTIVATION_KINDS } from "../../src/ops/activations.ts";
import { GraphBuilder } from "../../src/graph/builder.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import type { GraphModule } from "../../src/graph/graph_module.ts";
import type { AttrValue } from "../../src/graph/ir.ts";
import { convnext } from "../../src/nn/image_models.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { maskParamWhere } from "../../src/prune/masks.ts";
import { pruneUnits } from "../../src/prune/units.ts";
import type { DType } from "../../src/tensor/dtype.ts";
import { randn } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";

/** A graph of the fuzz with its probe inputs. */
export interface FuzzCase {
  /** Family name. */
  family: string;
  /** The masked model. */
  model: GraphModule;
  /** Probe inputs (with an offset, like real data). */
  probes: Tensor;
}

/** Where a case's tensors live. */
export interface Place {
  /** Backend of parameters and probes. */
  backend: Backend;
  /** Element type. */
  dtype: DType;
}

const ACTS = [...ACTIVATION_KINDS, "identity"] as const;

/** Builds graphs node by node with random parameters at trained magnitudes. */
class Net {
  readonly g: GraphBuilder;
  readonly rng: Rng;
  readonly place: Place;
  #n = 0;

  constructor(name: string, rng: Rng, place: Place) {
    this.g = new GraphBuilder(name);
    this.rng = rng;
    this.place = place;
  }

  param(name: string, shape: number[], f: () => number): string {
    const n = shape.reduce((a, b) => a * b, 1);
    const p = Parameter.of(
      Array.from({ length: n }, f),
      shape,
      this.place.backend,
      this.place.dtype,
    );
    return this.g.param(name, p);
  }

  node(
    op: string,
    inputs: string[],
    params: Record<string, string> = {},
    attrs: Record<string, AttrValue> = {},
  ): string {
    return this.g.node(`${op}${this.#n++}`, op, inputs, params, attrs);
  }

  normal(std: number, mean = 0): () => number {
    return () => mean + std * this.rng.normal();
  }

  /** A dense layer (linear, or conv with kernel `k`): weights ~N(0, 1/fan-in). */
  dense(
    x: string,
    inW: number,
    outW: number,
    k = 0,
    attrs: Record<string, AttrValue> = {},
    bias = true,
  ): string {
    const id = this.#n;
    const fan = Math.max(1, inW * Math.max(1, k * k));
    const shape = k ? [outW, inW, k, k] : [outW, inW];
    const params: Record<string, string> = {
      weight: this.param(
        `w${id}`,
        shape,
        this.normal((0.5 + 1.5 * this.rng.uniform()) / Math.sqrt(fan)),
      ),
    };
    if (bias) {
      params.bias = this.param(`b${id}`, [outW], this.normal(0.2 + 0.8 * this.rng.uniform()));
    }
    return this.node(k ? "conv2d" : "linear", [x], params, attrs);
  }

  layerNorm(x: string, c: number): string {
    const id = this.#n;
    return this.node("layer_norm", [x], {
      weight: this.param(`g${id}`, [c], this.normal(0.5, 1)),
      bias: this.param(`beta${id}`, [c], this.normal(0.5)),
    }, { eps: 1e-6, width: c });
  }

  batchNorm(x: string, c: number): string {
    const id = this.#n;
    return this.node("batch_norm", [x], {
      weight: this.param(`bg${id}`, [c], this.normal(0.5, 1)),
      bias: this.param(`bb${id}`, [c], this.normal(0.5)),
      running_mean: this.param(`rm${id}`, [c], this.normal(1)),
      running_var: this.param(`rv${id}`, [c], () => 0.5 + this.rng.uniform()),
    });
  }

  act(x: string): string {
    return this.node(ACTS[this.rng.int(ACTS.length)], [x]);
  }

  build(out: string): GraphModule {
    this.g.output(out);
    return fromGraph(this.g.build(), this.g.parameters);
  }
}

const width = (rng: Rng, max = 8) => 1 + rng.int(max);

/** Probes `[n, ...shape]` ~N(offset, 1) in the place's dtype. */
function probesFor(shape: number[], rng: Rng, place: Place, n = 1 + rng.int(6)): Tensor {
  return randn([n, ...shape], rng, {
    backend: place.backend,
    dtype: place.dtype,
    mean: 2 * rng.uniform() - 1,
    std: 0.5 + 1.5 * rng.uniform(),
  });
}

/** MLP: depth 0–4, widths 1–10, any activation. */
function mlpCase(rng: Rng, place: Place): FuzzCase {
  const net = new Net("mlp", rng, place);
  const f = width(rng, 10);
  let x = net.g.input("x", [-1, f]), w = f;
  for (let d = rng.int(5); d > 0; d--) {
    const h = width(rng, 10);
    x = net.act(net.dense(x, w, h));
    w = h;
  }
  return {
    family: "mlp",
    model: net.build(net.dense(x, w, width(rng, 4))),
    probes: probesFor([f], rng, place),
  };
}

/** Residual MLP with pre-LN blocks and a final LN: the token-stream shape of a transformer. */
function residualMlpCase(rng: Rng, place: Place): FuzzCase {
  const net = new Net("res-mlp", rng, place);
  const f = width(rng), d = 2 + rng.int(7);
  let s = net.dense(net.g.input("x", [-1, f]), f, d);
  for (let b = 1 + rng.int(3); b > 0; b--) {
    const h = width(rng, 12);
    const branch = net.dense(net.act(net.dense(net.layerNorm(s, d), d, h)), h, d);
    s = net.node("add", [s, branch]);
  }
  return {
    family: "residual MLP + LN",
    model: net.build(net.dense(net.layerNorm(s, d), d, width(rng, 4))),
    probes: probesFor([f], rng, place),
  };
}

/**
 * LayerNorms next to large constants: channels whose rows die become constants (their
 * biases) with an offset up to 10× the spread of the channels that stay, the case where
 * raw-moment CompensatedLayerNorm statistics cancel in float32 (the LayerNorm itself stays
 * well conditioned in float32, so the contract is attainable).
 */
function largeConstantsCase(rng: Rng, place: Place): FuzzCase {
  const net = new Net("ln-constants", rng, place);
  const f = width(rng, 4), d = 2 + rng.int(7);
  const offset = [1, 3, 10][rng.int(3)], spread = offset / (1 + 9 * rng.uniform());
  const x = net.g.input("x", [-1, f]);
  const h = net.node("linear", [x], {
    weight: net.param("w", [d, f], net.normal(spread / Math.sqrt(f))),
    bias: net.param("b", [d], net.normal(spread, offset)),
  });
  const ln = net.layerNorm(h, d);
  const head = net.dense(ln, d, width(rng, 3));
  const model = net.build(head);
  // Some channels die: their rows go (constants = biases) and nobody reads their outputs.
  const dead = new Set(Array.from({ length: 1 + rng.int(d - 1) }, () => rng.int(d)));
  const params = model.namedParameters();
  maskParamWhere(params.get("w")!, (i) => dead.has(Math.floor(i / f)));
  const hw = model.graph.nodes.find((n) => n.name === head)!.params.weight;
  maskParamWhere(params.get(hw)!, (i) => dead.has(i % d));
  return { family: "LayerNorm, large constants", model, probes: probesFor([f], rng, place) };
}

/** CNN: convs with stride and padding, BatchNorm, depthwise, pooling, flatten, head. */
function cnnCase(rng: Rng, place: Place): FuzzCase {
  const net = new Net("cnn", rng, place);
  const cin = width(rng, 3), size = 4 + rng.int(5);
  let x = net.g.input("x", [-1, cin, size, size]), c = cin, hw = size;
  for (let s = 1 + rng.int(2); s > 0; s--) {
    const k = rng.int(2) ? 3 : 1, pad = k === 3 ? (hw < 3 ? 1 : rng.int(2)) : 0;
    const stride = hw >= 4 ? 1 + rng.int(2) : 1;
    const o = width(rng, 6);
    x = net.dense(x, c, o, k, { stride, padding: pad }, rng.uniform() < 0.7);
    hw = Math.floor((hw + 2 * pad - k) / stride) + 1;
    c = o;
    if (rng.uniform() < 0.6) x = net.batchNorm(x, c);
    x = net.act(x);
    if (rng.uniform() < 0.5) {
      const id = net.g.parameters.size;
      x = net.node("dwconv2d", [x], {
        weight: net.param(`dw${id}`, [c, 1, 3, 3], net.normal(1 / 3)),
        bias: net.param(`dwb${id}`, [c], net.normal(0.5)),
      }, { padding: 1 });
    }
    if (hw >= 2 && rng.uniform() < 0.5) {
      x = net.node(rng.int(2) ? "max_pool" : "avg_pool", [x], {}, { kernel: 2 });
      hw = Math.floor(hw / 2);
    }
  }
  const flat = net.node("flatten", [x]);
  let f = c * hw * hw, h = flat;
  if (rng.uniform() < 0.5) {
    const w = width(rng, 8);
    h = net.act(net.dense(h, f, w));
    f = w;
  }
  return {
    family: "cnn",
    model: net.build(net.dense(h, f, width(rng, 4))),
    probes: probesFor([cin, size, size], rng, place),
  };
}

/** Residual CNN: a stem conv, blocks conv-BN-act-conv (+ identity), global pool, head. */
function residualCnnCase(rng: Rng, place: Place): FuzzCase {
  const net = new Net("res-cnn", rng, place);
  const cin = width(rng, 3), size = 3 + rng.int(4), c = 1 + rng.int(6);
  let s = net.dense(net.g.input("x", [-1, cin, size, size]), cin, c, 3, { padding: 1 });
  for (let b = 1 + rng.int(2); b > 0; b--) {
    const h = width(rng, 6);
    const y = net.act(net.batchNorm(net.dense(s, c, h, 3, { padding: 1 }, false), h));
    s = net.node("add", [s, net.dense(y, h, c, 1)]);
  }
  const pooled = net.node("global_avg_pool", [s]);
  return {
    family: "residual CNN",
    model: net.build(net.dense(pooled, c, width(rng, 4))),
    probes: probesFor([cin, size, size], rng, place),
  };
}

/** The project's ConvNeXt, small: random dims and depths, trained-magnitude norms. */
function convnextCase(rng: Rng, place: Place): FuzzCase {
  const stages = 1 + rng.int(2);
  const dims = Array.from({ length: stages }, () => 2 + rng.int(5));
  const net = convnext({
    dims,
    depths: dims.map(() => rng.int(3)),
    stemPatch: 2,
    kernel: 3,
    expansion: 2,
    layerScaleInit: 0.5,
    seed: rng.int(1000),
    classes: width(rng, 4),
  });
  for (const [name, p] of net.namedParameters()) {
    if (/bias$/.test(name)) p.assign(Array.from({ length: p.size }, () => rng.normal()));
    else if (/norm\.weight$/.test(name)) {
      p.assign(Array.from({ length: p.size }, () => 1 + 0.5 * rng.normal()));
    } else if (/scale\.weight$/.test(name)) {
      p.assign(Array.from({ length: p.size }, () => rng.normal()));
    }
  }
  const { graph, params } = toGraph(net, [1, 8, 8], "convnext");
  const moved = new Map(
    [...params].map((
      [k, p],
    ) => [k, Parameter.of(p.toArray(), p.shape, place.backend, place.dtype)]),
  );
  return {
    family: "convnext",
    model: fromGraph(graph, moved),
    probes: probesFor([1, 8, 8], rng, place),
  };
}

/** Tied parameters: parallel linears sharing weight and bias (added, or separate heads), a reused layer. */
function tiedCase(rng: Rng, place: Place): FuzzCase {
  const net = new Net("tied", rng, place);
  const f = width(rng, 6), h = width(rng, 6);
  const x = net.g.input("x", [-1, f]);
  const kind = rng.int(3);
  let out: string;
  if (kind === 2) {
    // A layer applied twice: x → fc(W) → act → fc(W) (square W).
    const sq = net.param("S", [f, f], net.normal(1 / Math.sqrt(f)));
    const sb = net.param("SB", [f], net.normal(0.5));
    const y = net.act(net.node("linear", [x], { weight: sq, bias: sb }));
    out = net.dense(net.node("linear", [y], { weight: sq, bias: sb }), f, width(rng, 3));
  } else {
    const w = net.param("W", [h, f], net.normal(1 / Math.sqrt(f)));
    const b = net.param("B", [h], net.normal(0.5));
    const a1 = net.act(net.node("linear", [x], { weight: w, bias: b }));
    const a2 = net.act(net.node("linear", [x], { weight: w, bias: b }));
    out = kind === 0
      ? net.dense(net.node("add", [a1, a2]), h, width(rng, 3))
      : net.node("add", [net.dense(a1, h, 2), net.dense(a2, h, 2)]);
  }
  return { family: "tied parameters", model: net.build(out), probes: probesFor([f], rng, place) };
}

/** Degenerate sizes: width 1, batch 1, 1×1 images, every weight masked, no live input. */
function degenerateCase(rng: Rng, place: Place): FuzzCase {
  const kind = rng.int(4);
  const c = kind === 0
    ? mlpCase(rng, place)
    : kind === 1
    ? cnnCase(rng, place)
    : residualMlpCase(rng, place);
  const params = c.model.namedParameters();
  const weights = [...params].filter(([n]) => /^w\d/.test(n));
  if (kind === 2) { for (const [, p] of weights) maskParamWhere(p, () => true); }
  else if (kind === 3 && weights.length) maskParamWhere(weights[0][1], () => true);
  const shape = c.probes.shape.slice(1);
  const small = kind === 1 && rng.uniform() < 0.5 ? cnnOneByOne(rng, place) : null;
  return {
    family: "degenerate",
    model: small?.model ?? c.model,
    probes: small?.probes ?? probesFor(shape, rng, place, 1),
  };
}

/** A CNN on 1×1 images with width-1 layers. */
function cnnOneByOne(rng: Rng, place: Place): FuzzCase {
  const net = new Net("cnn-1x1", rng, place);
  const x = net.g.input("x", [-1, 1, 1, 1]);
  const y = net.act(net.batchNorm(net.dense(x, 1, 1, 1), 1));
  return {
    family: "degenerate",
    model: net.build(net.dense(net.node("flatten", [y]), 1, 1)),
    probes: probesFor([1, 1, 1], rng, place, 1),
  };
}

/** Random masks on a case: densities, dead units (streams in all or some writers), zero biases and gains. */
function randomMasks(c: FuzzCase, rng: Rng): void {
  const params = c.model.namedParameters();
  const zero = new Map<string, Set<number>>();
  const take = (param: string, idx: ArrayLike<number>) => {
    const s = zero.get(param) ?? new Set<number>();
    for (let k = 0; k < idx.length; k++) s.add(idx[k]);
    zero.set(param, s);
  };
  for (const u of pruneUnits(c.model).units) {
    if (rng.uniform() >= (u.family.endsWith("(stream)") ? 0.35 : 0.25)) continue;
    // Stream channels: dead in every writer, or (half the time) in only some of them.
    const partial = u.family.endsWith("(stream)") && rng.uniform() < 0.5;
    for (
      const e of partial
        ? u.writers.filter(() => rng.uniform() < 0.5)
        : [...u.writers, ...u.readers]
    ) {
      take(e.param, e.indices);
    }
  }
  for (const [name, s] of zero) maskParamWhere(params.get(name)!, (i) => s.has(i));
  for (const [name, p] of params) {
    if (p.shape.length >= 2 && !/running|norm|scale|^g\d|^bg/.test(name) && p.size > 0) {
      const density = 0.3 + 0.7 * rng.uniform();
      maskParamWhere(p, () => rng.uniform() > density);
    }
  }
  for (const [name, p] of params) {
    const gain = /norm\.weight$|scale\.weight$|^g\d|^bg\d/.test(name);
    if (gain && rng.uniform() < 0.3) {
      const j = rng.int(p.size);
      maskParamWhere(p, (i) => i === j);
    }
    if (/bias$|^b\d/.test(name) && rng.uniform() < 0.15) maskParamWhere(p, () => true);
  }
}

/** The families and how many graphs of each the fuzz runs. */
export const FAMILIES: [string, (rng: Rng, place: Place) => FuzzCase, number][] = [
  ["mlp", mlpCase, 800],
  ["residual MLP + LN", residualMlpCase, 400],
  ["LayerNorm, large constants", largeConstantsCase, 200],
  ["cnn", cnnCase, 250],
  ["residual CNN", residualCnnCase, 150],
  ["convnext", convnextCase, 300],
  ["tied parameters", tiedCase, 150],
  ["degenerate", degenerateCase, 150],
];

/** Case `seed` of a family, masked by `masks` with the same generator. */
export function maskedCase(
  make: (rng: Rng, place: Place) => FuzzCase,
  seed: number,
  place: Place,
  masks: (c: FuzzCase, rng: Rng) => void,
): FuzzCase {
  const rng = new Rng(seed);
  const c = make(rng, place);
  masks(c, rng);
  return c;
}

/** Case `seed` of a family, masked. */
export function fuzzCase(
  make: (rng: Rng, place: Place) => FuzzCase,
  seed: number,
  place: Place,
): FuzzCase {
  return maskedCase(make, seed, place, randomMasks);
}
