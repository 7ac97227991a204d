/**
 * Coupled channels: (value, channel) pairs that must leave the graph together form a
 * class. Channelwise layers, residual adds and flatten link a channel of their output to
 * the same channel of their inputs. Where a channelwise layer reads a value that has
 * other readers (a residual stream read by a block's depthwise conv), the link is a
 * *cut*: the downstream class may leave alone (a `select` is put in front of the layer),
 * but when the upstream class leaves, the downstream one must leave with it. `select`
 * layers are always cuts, and so are norms: a LayerNorm output may leave alone (the norm
 * keeps the input channel for its statistics), while an input channel that leaves (a
 * constant folded into the CompensatedLayerNorm) takes its output with it.
 *
 * @module
 */
import type { Graph } from "../graph/ir.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import type { SymShape } from "../graph/ir.ts";
import { spatialOf } from "./analysis.ts";
import { normOutputs } from "../graph/norm_ops.ts";

/** One channel of one value. */
export interface Member {
  /** Value name. */
  value: string;
  /** Channel index (axis 1). */
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

/**
 * Partitions every channel of every value of `graph` into classes. `norms: "link"` makes a
 * norm's input and output channel one class (pruning ranks them as one unit).
 *
 * @example
 * ```ts
 * import { channelClasses } from "./classes.ts";
 * import { validateGraph } from "../graph/validate.ts";
 * import { toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph } = toGraph(mlp([4, 3, 2]), [4]);
 * const cc = channelClasses(graph, validateGraph(graph).shapes);
 * // fc1's unit j and act1's channel j are one class.
 * console.assert(cc.classOf.get("fc1")![2] === cc.classOf.get("act1")![2]);
 * ```
 */
export function channelClasses(
  graph: Graph,
  shapes: ReadonlyMap<string, SymShape>,
  opts: { norms?: "cut" | "link" } = {},
): ChannelClasses {
  const normCut = (opts.norms ?? "cut") === "cut";
  const offset = new Map<string, number>();
  let total = 0;
  for (const [v, s] of shapes) {
    offset.set(v, total);
    total += s[1] ?? 1;
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
  const width = (v: string) => shapes.get(v)![1] ?? 1;
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const v of n.inputs) readers.set(v, (readers.get(v) ?? 0) + 1);
  const inputs = new Set(graph.inputs.map((i) => i.name));
  const outputs = new Set(graph.outputs);
  const pinnedAt = new Set<number>();
  const cuts: { from: number; to: number; node: string }[] = [];
  for (const v of inputs) for (let c = 0; c < width(v); c++) pinnedAt.add(at(v, c));
  for (const v of outputs) for (let c = 0; c < width(v); c++) pinnedAt.add(at(v, c));
  for (const n of graph.nodes) {
    const kind = LAYER_OPS.get(n.op)!.channels;
    const x = n.inputs[0];
    const cuttable = inputs.has(x) || outputs.has(x) || (readers.get(x) ?? 0) > 1;
    switch (kind) {
      case "channelwise":
        for (let c = 0; c < width(n.name); c++) {
          if (cuttable) cuts.push({ from: at(x, c), to: at(n.name, c), node: n.name });
          else union(at(x, c), at(n.name, c));
        }
        break;
      case "merge":
        for (const v of n.inputs) {
          for (let c = 0; c < width(n.name); c++) union(at(v, c), at(n.name, c));
        }
        break;
      case "norm":
        normOutputs(n.name, n.attrs, width(x)).forEach((j, i) =>
          normCut
            ? cuts.push({ from: at(x, j), to: at(n.name, i), node: n.name })
            : union(at(x, j), at(n.name, i))
        );
        break;
      case "flatten": {
        const s = spatialOf(shapes.get(x)!);
        for (let c = 0; c < width(x); c++) {
          for (let f = c * s; f < (c + 1) * s; f++) union(at(n.name, c * s), at(n.name, f));
          if (cuttable) cuts.push({ from: at(x, c), to: at(n.name, c * s), node: n.name });
          else union(at(x, c), at(n.name, c * s));
        }
        break;
      }
      case "select":
        (n.attrs.indices as number[]).forEach((i, j) =>
          cuts.push({ from: at(x, i), to: at(n.name, j), node: n.name })
        );
        break;
      case "opaque":
        for (const v of [...n.inputs, n.name]) {
          for (let c = 0; c < width(v); c++) pinnedAt.add(at(v, c));
        }
        break;
      case "dense":
        break;
    }
  }
  const ids = new Map<number, number>();
  const classes: ChannelClass[] = [];
  const classOf = new Map<string, Int32Array>();
  for (const [v, s] of shapes) {
    const arr = new Int32Array(s[1] ?? 1);
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
