/**
 * Coupled channels: (value, channel) pairs that must leave the graph together form a
 * class. Each node's channel kind (`kinds.ts`) says which of its channels are linked:
 * channelwise layers, residual adds and flatten link a channel of their output to the
 * same channel of their inputs, and an op's channel groups (an attention head) link its
 * output channels to each other. Where a channelwise layer reads a value that has other
 * readers (a residual stream read by a block's depthwise conv), the link is a *cut*: the
 * downstream class may leave alone (a `select` is put in front of the layer), but when
 * the upstream class leaves, the downstream one must leave with it. `select` layers are
 * always cuts, and so are norms: a LayerNorm output may leave alone (the norm keeps the
 * input channel for its statistics), while an input channel that leaves (a constant
 * folded into the CompensatedLayerNorm) takes its output with it.
 *
 * @module
 */
import type { Graph, SymShape } from "../graph/ir.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import { widthAt } from "./analysis.ts";
import { type Coupler, kindOf } from "./kinds.ts";

/** One channel of one value. */
export interface Member {
  /** Value name. */
  value: string;
  /** Channel index (on the value's channel axis). */
  channel: number;
}

/** A cut link: `child` class depends on `parent` class through `node`. */
export interface CutEdge {
  /** Upstream class. */
  parent: number;
  /** Downstream class. */
  child: number;
  /** The node whose input channel is the parent member. */
  node: string;
}

/** A class of coupled channels. */
export interface ChannelClass {
  /** Index in {@linkcode ChannelClasses.classes}. */
  id: number;
  /** The (value, channel) pairs. */
  members: Member[];
  /** A member is a graph input or output, or touches a layer without a channel map. */
  pinned: boolean;
  /** Classes that must leave when this one does (through cut edges), transitively. */
  descendants: number[];
  /** Cut edges into this class. */
  cutsIn: CutEdge[];
}

/** Result of {@linkcode channelClasses}. */
export interface ChannelClasses {
  /** Every class. */
  classes: ChannelClass[];
  /** Class id per value and channel. */
  classOf: Map<string, Int32Array>;
}

/** A validated graph: value shapes and channel axes (what `validateGraph` returns). */
export interface ShapedGraph {
  /** The graph. */
  readonly graph: Graph;
  /** Value shapes. */
  readonly shapes: ReadonlyMap<string, SymShape>;
  /** Channel axis per value. */
  readonly axes: ReadonlyMap<string, number>;
}

/**
 * Partitions every channel of every value of a validated graph into classes.
 * `norms: "link"` makes a norm's input and output channel one class (pruning ranks them
 * as one unit).
 *
 * @example
 * ```ts
 * import { channelClasses } from "./classes.ts";
 * import { validateGraph } from "../graph/validate.ts";
 * import { toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph } = toGraph(mlp([4, 3, 2]), [4]);
 * const cc = channelClasses(validateGraph(graph));
 * // fc1's unit j and act1's channel j are one class.
 * console.assert(cc.classOf.get("fc1")![2] === cc.classOf.get("act1")![2]);
 * ```
 */
export function channelClasses(
  sg: ShapedGraph,
  opts: { norms?: "cut" | "link" } = {},
): ChannelClasses {
  const { graph, shapes, axes } = sg;
  const normCut = (opts.norms ?? "cut") === "cut";
  const offset = new Map<string, number>();
  let total = 0;
  for (const [v, s] of shapes) {
    offset.set(v, total);
    total += widthAt(s, axes.get(v)!);
  }
  const parent = Int32Array.from({ length: total }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const union = (a: number, b: number) => {
    const ra = find(a), rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const at = (v: string, c: number) => offset.get(v)! + c;
  const width = (v: string) => widthAt(shapes.get(v)!, axes.get(v)!);
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const v of n.inputs) readers.set(v, (readers.get(v) ?? 0) + 1);
  const inputs = new Set(graph.inputs.map((i) => i.name));
  const outputs = new Set(graph.outputs);
  const pinnedAt = new Set<number>();
  const cuts: { from: number; to: number; node: string }[] = [];
  const pin = (v: string) => {
    for (let c = 0; c < width(v); c++) pinnedAt.add(at(v, c));
  };
  for (const v of inputs) pin(v);
  for (const v of outputs) pin(v);
  for (const n of graph.nodes) {
    const op = LAYER_OPS.get(n.op)!;
    const x = n.inputs[0];
    const coupler: Coupler = {
      shapes,
      width,
      union: (a, ca, b, cb) => union(at(a, ca), at(b, cb)),
      cut: (a, ca, b, cb) => cuts.push({ from: at(a, ca), to: at(b, cb), node: n.name }),
      pin,
      cuttable: inputs.has(x) || outputs.has(x) || (readers.get(x) ?? 0) > 1,
      normCut,
    };
    kindOf(n, op, shapes, axes).couple(n, op, coupler);
    if (op.groups) {
      const g = op.groups(n.attrs, width(n.name)), first = new Map<number, number>();
      g.forEach((id, c) => {
        const f = first.get(id);
        if (f === undefined) first.set(id, c);
        else union(at(n.name, f), at(n.name, c));
      });
    }
  }
  const ids = new Map<number, number>();
  const classes: ChannelClass[] = [];
  const classOf = new Map<string, Int32Array>();
  for (const [v] of shapes) {
    const arr = new Int32Array(width(v));
    for (let c = 0; c < arr.length; c++) {
      const r = find(at(v, c));
      let id = ids.get(r);
      if (id === undefined) {
        id = classes.length;
        ids.set(r, id);
        classes.push({ id, members: [], pinned: false, descendants: [], cutsIn: [] });
      }
      arr[c] = id;
      classes[id].members.push({ value: v, channel: c });
      if (pinnedAt.has(at(v, c))) classes[id].pinned = true;
    }
    classOf.set(v, arr);
  }
  const childrenOf = classes.map(() => new Set<number>());
  for (const e of cuts) {
    const p = ids.get(find(e.from))!, ch = ids.get(find(e.to))!;
    if (p === ch) continue;
    childrenOf[p].add(ch);
    classes[ch].cutsIn.push({ parent: p, child: ch, node: e.node });
  }
  for (const cls of classes) {
    const seen = new Set<number>();
    const stack = [...childrenOf[cls.id]];
    while (stack.length) {
      const k = stack.pop()!;
      if (seen.has(k) || k === cls.id) continue;
      seen.add(k);
      stack.push(...childrenOf[k]);
    }
    cls.descendants = [...seen].sort((a, b) => a - b);
  }
  return { classes, classOf };
}
