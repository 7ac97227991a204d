/**
 * The channel kinds as data: one entry per kind of `LayerChannels` (see
 * `graph/layer_op.ts`) says how that kind's output channels couple to its inputs', how
 * constants flow through it, which input channels its live outputs need, which input
 * channels it lets go, and how a node of it is rewritten when channels leave. Op specs
 * name their kind and add their own data (slices, constant rule, liveness, groups);
 * the walkers (analysis, classes, the removal rule, pruning units) only read this
 * table, never op names. A new kind of op (attention, say) is one more entry here.
 *
 * @module
 */
import type { GraphNode, SymShape } from "../graph/ir.ts";
import type { Lattice, LayerChannels, LayerOp, ParamView } from "../graph/layer_op.ts";
import { normOutputs } from "../graph/norm_ops.ts";
import { attentionKind, lookupKind } from "./token_kinds.ts";

/** Read access to a graph and its parameters, what the kind rules need. */
export interface KindContext {
  /** Value shapes. */
  readonly shapes: ReadonlyMap<string, SymShape>;
  /** Channels of value `v` (its size on its channel axis). */
  width(v: string): number;
  /** The parameter of `node` in `role`. */
  param(node: GraphNode, role: string): ParamView | undefined;
  /** The constant lattice of value `v` (for liveness and removal: every value's). */
  consts(v: string): Lattice;
}

/** What a kind's coupling rule may say about one node (see `classes.ts`). */
export interface Coupler {
  /** Value shapes. */
  readonly shapes: ReadonlyMap<string, SymShape>;
  /** Channels of value `v`. */
  width(v: string): number;
  /** Channel `ca` of `a` and channel `cb` of `b` are one class. */
  union(a: string, ca: number, b: string, cb: number): void;
  /** Channel `ct` of `to` may leave alone; when channel `cf` of `from` leaves, it must too. */
  cut(from: string, cf: number, to: string, ct: number): void;
  /** Every channel of `v` stays (touches a layer without a channel map). */
  pin(v: string): void;
  /** Input 0 has other readers, or is a graph input or output: links from it are cuts. */
  readonly cuttable: boolean;
  /** Norm links are cuts (`true`, minimization) or unions (pruning units). */
  readonly normCut: boolean;
}

/** What a kind's rewrite sees after a removal plan (see `remove_channel_classes.ts`). */
export interface Rewriter {
  /** Input 0's name before the rewrite. */
  readonly x: string;
  /** Channels of input 0 that leave. */
  readonly din: ReadonlySet<number>;
  /** Output channels that leave. */
  readonly dout: ReadonlySet<number>;
  /** Channels of value `v` before the rewrite. */
  width(v: string): number;
  /** New index of each channel of `v` (-1 where it leaves). */
  newIndex(v: string): Int32Array;
  /** The constant lattice of `v`. */
  consts(v: string): Lattice;
  /** Puts a `select` keeping (new) input channels `indices` in front of the node. */
  insertSelect(indices: readonly number[]): void;
}

/** The behaviour of one channel kind. */
export interface ChannelKind {
  /** Every output channel reads every input channel through `weight [out, in, …taps]`. */
  readonly mixes: boolean;
  /** Every output channel is one input channel, unchanged in meaning (input features pass). */
  readonly singleSource: boolean;
  /** A channel selection: output channel j is input channel `attrs.indices[j]`. */
  readonly selects: boolean;
  /** The output is the sum of the inputs (a zero input can be bypassed). */
  readonly sums: boolean;
  /** Output constant lattice from the inputs' (eval mode). */
  consts(n: GraphNode, op: LayerOp, ins: readonly Lattice[], c: KindContext): Lattice;
  /** Marks the channels of input `inName` that live outputs `out` depend on, in `inp`. */
  live(
    n: GraphNode,
    op: LayerOp,
    out: readonly boolean[],
    inp: boolean[],
    inName: string,
    c: KindContext,
  ): void;
  /** The coupling links of node `n`. */
  couple(n: GraphNode, op: LayerOp, c: Coupler): void;
  /**
   * Whether reader `n` keeps channel `ch` (constant `k`, or null) of its input `inName`
   * from leaving; `live` is the liveness of its output.
   */
  blocksRemoval(
    n: GraphNode,
    op: LayerOp,
    ch: number,
    k: number | null,
    live: readonly boolean[],
    c: KindContext,
    inName: string,
  ): boolean;
  /** Rewrites node `n` (attributes, a select in front) after channels left. */
  rewrite(n: GraphNode, op: LayerOp, r: Rewriter): void;
}

/** Elements per (row, column) pair of a dense weight `[O, I, …taps]`. */
export function tapsOf(shape: readonly number[]): number {
  return shape.slice(2).reduce((a, b) => a * b, 1);
}

/** Spatial size of a value shape `[N, C, …S]`. */
export function spatialOf(shape: readonly number[]): number {
  return shape.slice(2).reduce((a, b) => a * b, 1);
}

/** Whether column `ch` of dense `node`'s weight is zero on every live output row. */
export function deadColumn(
  w: ParamView,
  ch: number,
  live: readonly boolean[],
): boolean {
  const [o, k] = w.shape, t = tapsOf(w.shape);
  for (let j = 0; j < o; j++) {
    if (!live[j]) continue;
    for (let q = (j * k + ch) * t, e = q + t; q < e; q++) if (w.data[q] !== 0) return false;
  }
  return true;
}

/** Indices `0..n-1` not in `drop`. */
export function keepIndices(n: number, drop: ReadonlySet<number>): number[] {
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (!drop.has(i)) keep.push(i);
  return keep;
}

const never = () => false;
const nothing = () => {};

const dense: ChannelKind = {
  mixes: true,
  singleSource: false,
  selects: false,
  sums: false,
  consts: (n, op, [x], c) => {
    const w = c.param(n, "weight")!, b = c.param(n, "bias");
    const [o, k] = w.shape, t = tapsOf(w.shape);
    const folds = op.foldsConstants!(n.attrs);
    const out: Lattice = new Array(o);
    for (let j = 0; j < o; j++) {
      let acc: number | null = b ? b.data[j] : 0;
      for (let i = 0; i < k && acc !== null; i++) {
        let s = 0, nz = false;
        for (let q = (j * k + i) * t, e = q + t; q < e; q++) {
          s += w.data[q];
          nz ||= w.data[q] !== 0;
        }
        if (!nz) continue;
        const ki = x[i];
        acc = ki === null || (!folds && ki !== 0) ? null : acc + s * ki;
      }
      out[j] = acc;
    }
    return out;
  },
  live: (n, _op, out, inp, _in, c) => {
    const w = c.param(n, "weight")!;
    const [o, k] = w.shape, t = tapsOf(w.shape);
    for (let j = 0; j < o; j++) {
      if (!out[j]) continue;
      for (let i = 0; i < k; i++) {
        if (inp[i]) continue;
        for (let q = (j * k + i) * t, e = q + t; q < e; q++) {
          if (w.data[q] !== 0) {
            inp[i] = true;
            break;
          }
        }
      }
    }
  },
  couple: nothing,
  blocksRemoval: (n, op, ch, k, live, c) => {
    if (deadColumn(c.param(n, "weight")!, ch, live)) return false;
    if (k !== null && (k === 0 || op.foldsConstants!(n.attrs))) return false;
    return true;
  },
  rewrite: nothing,
};

const channelwise: ChannelKind = {
  mixes: false,
  singleSource: true,
  selects: false,
  sums: false,
  consts: (n, op, [x], c) => op.constRule!(x, (role) => c.param(n, role), n.attrs),
  live: (n, op, out, inp, _in, c) => {
    const view = (role: string) => c.param(n, role);
    out.forEach((l, ch) => l && (op.passes?.(ch, view) ?? true) && (inp[ch] = true));
  },
  couple: (n, _op, c) => {
    const x = n.inputs[0];
    for (let ch = 0; ch < c.width(n.name); ch++) {
      if (c.cuttable) c.cut(x, ch, n.name, ch);
      else c.union(x, ch, n.name, ch);
    }
  },
  blocksRemoval: never,
  rewrite: (n, _op, r) => {
    if ([...r.dout].some((ch) => !r.din.has(ch))) {
      const map = r.newIndex(r.x);
      r.insertSelect(keepIndices(r.width(n.name), r.dout).map((ch) => map[ch]));
    }
  },
};

const merge: ChannelKind = {
  mixes: false,
  singleSource: false,
  selects: false,
  sums: true,
  consts: (_n, _op, ins) =>
    ins[0].map((_, ch) =>
      ins.every((l) => l[ch] !== null) ? ins.reduce((s, l) => s + l[ch]!, 0) : null
    ),
  live: (_n, _op, out, inp) => out.forEach((l, ch) => l && (inp[ch] = true)),
  couple: (n, _op, c) => {
    for (const v of n.inputs) {
      for (let ch = 0; ch < c.width(n.name); ch++) c.union(v, ch, n.name, ch);
    }
  },
  blocksRemoval: never,
  rewrite: nothing,
};

const norm: ChannelKind = {
  mixes: false,
  singleSource: false,
  selects: false,
  sums: false,
  consts: channelwise.consts,
  live: (_n, _op, out, inp) => {
    if (out.some((l) => l)) inp.fill(true);
  },
  couple: (n, _op, c) => {
    const x = n.inputs[0];
    normOutputs(n.name, n.attrs, c.width(x)).forEach((j, i) =>
      c.normCut ? c.cut(x, j, n.name, i) : c.union(x, j, n.name, i)
    );
  },
  // A varying channel stays in a norm's statistics while any of its outputs is live.
  blocksRemoval: (_n, _op, _ch, k, live) => k === null && live.some((l) => l),
  rewrite: (n, op, r) => {
    const { din, dout } = r;
    if (din.size === 0 && dout.size === 0) return;
    const cIn = r.width(r.x), map = r.newIndex(r.x);
    const outs = normOutputs(n.name, n.attrs, cIn).filter((_, i) => !dout.has(i)).map((j) =>
      map[j]
    );
    const kept = cIn - din.size;
    const k = r.consts(r.x);
    const removed = [...din].sort((p, q) => p - q).map((ch) => k[ch]);
    const attrs = op.normFold!(
      n.attrs,
      cIn,
      removed.some((v) => v === null) ? null : removed as number[],
      kept,
    );
    if (outs.length !== kept || outs.some((j, i) => j !== i)) attrs.outputs = outs;
    n.attrs = attrs;
  },
};

const flatten: ChannelKind = {
  mixes: false,
  singleSource: true,
  selects: false,
  sums: false,
  consts: (n, _op, [x], c) => {
    const s = spatialOf(c.shapes.get(n.inputs[0])!);
    return x.flatMap((k) => new Array(s).fill(k));
  },
  live: (_n, _op, out, inp, inName, c) => {
    const s = spatialOf(c.shapes.get(inName)!);
    out.forEach((l, f) => l && (inp[Math.floor(f / s)] = true));
  },
  couple: (n, _op, c) => {
    const x = n.inputs[0];
    const s = spatialOf(c.shapes.get(x)!);
    for (let ch = 0; ch < c.width(x); ch++) {
      for (let f = ch * s; f < (ch + 1) * s; f++) c.union(n.name, ch * s, n.name, f);
      if (c.cuttable) c.cut(x, ch, n.name, ch * s);
      else c.union(x, ch, n.name, ch * s);
    }
  },
  blocksRemoval: never,
  rewrite: (n, _op, r) => {
    const cx = r.width(r.x);
    const s = r.width(n.name) / Math.max(1, cx);
    const drop = keepIndices(cx, new Set()).filter((ch) => !r.din.has(ch) && r.dout.has(ch * s));
    if (drop.length) {
      const map = r.newIndex(r.x), dropSet = new Set(drop);
      r.insertSelect(
        keepIndices(cx, r.din).filter((ch) => !dropSet.has(ch)).map((ch) => map[ch]),
      );
    }
  },
};

const select: ChannelKind = {
  mixes: false,
  singleSource: true,
  selects: true,
  sums: false,
  consts: (n, _op, [x]) => (n.attrs.indices as number[]).map((i) => x[i]),
  live: (n, _op, out, inp) =>
    (n.attrs.indices as number[]).forEach((i, j) => out[j] && (inp[i] = true)),
  couple: (n, _op, c) => {
    const x = n.inputs[0];
    (n.attrs.indices as number[]).forEach((i, j) => c.cut(x, i, n.name, j));
  },
  blocksRemoval: never,
  rewrite: (n, _op, r) => {
    if (r.dout.size === 0 && r.din.size === 0) return;
    const map = r.newIndex(r.x);
    n.attrs = {
      ...n.attrs,
      indices: keepIndices(r.width(n.name), r.dout).map((j) =>
        map[(n.attrs.indices as number[])[j]]
      ),
    };
  },
};

const opaque: ChannelKind = {
  mixes: false,
  singleSource: false,
  selects: false,
  sums: false,
  consts: (n, _op, _ins, c) => new Array(c.width(n.name)).fill(null),
  live: (_n, _op, out, inp) => {
    if (out.some((l) => l)) inp.fill(true);
  },
  couple: (n, _op, c) => {
    for (const v of [...n.inputs, n.name]) c.pin(v);
  },
  blocksRemoval: never,
  rewrite: nothing,
};

/** Every channel kind's behaviour. */
export const CHANNEL_KINDS: Readonly<Record<LayerChannels, ChannelKind>> = {
  dense,
  channelwise,
  merge,
  norm,
  attention: attentionKind,
  lookup: lookupKind,
  flatten,
  select,
  opaque,
};

/**
 * The kind the walkers use for node `n`: its op's, or `opaque` where an input declares a
 * channel axis other than the one the op reads (or inputs disagree), so the node keeps
 * every channel.
 */
export function kindOf(
  n: GraphNode,
  op: LayerOp,
  shapes: ReadonlyMap<string, SymShape>,
  axes: ReadonlyMap<string, number>,
): ChannelKind {
  const ins = n.inputs.map((v) => shapes.get(v)!);
  const want = op.readsAxis ? op.readsAxis(ins, n.attrs) : axes.get(n.inputs[0]);
  return n.inputs.every((v) => axes.get(v) === want) ? CHANNEL_KINDS[op.channels] : opaque;
}
