/**
 * Rule: whole classes of coupled channels leave the graph (METHOD.md rewrite steps 1–3,
 * for every layer kind): constant channels are folded into their readers' biases (or,
 * read by a LayerNorm, into its CompensatedLayerNorm statistics), dead channels are
 * deleted, and every per-channel parameter on the way (biases, norm and layer-scale
 * entries, depthwise filters) goes with them. A value may lose all its channels (width 0).
 * A tied parameter (named by several nodes) loses an entry only when every use drops it,
 * and a tied bias takes a fold only when every use folds the same amounts; it is sliced
 * once.
 *
 * @module
 */
import type { GraphNode } from "../../graph/ir.ts";
import { LAYER_OPS } from "../../graph/layer_ops.ts";
import type { Analysis } from "../../channels/analysis.ts";
import { type ChannelClasses, channelClasses } from "../../channels/classes.ts";
import { keepIndices, kindOf, tapsOf } from "../../channels/kinds.ts";
import type { MinGraph } from "../min_graph.ts";

/** Channels of each value that a plan removes. */
function goneChannels(cc: ChannelClasses, plan: ReadonlySet<number>): Map<string, Set<number>> {
  const gone = new Map<string, Set<number>>();
  for (const [v, ids] of cc.classOf) {
    const s = new Set<number>();
    ids.forEach((id, c) => plan.has(id) && s.add(c));
    gone.set(v, s);
  }
  return gone;
}

/** What one node does to its parameters under a plan: dropped entries per axis, bias folds. */
interface NodeEdit {
  node: GraphNode;
  /** Per role: axis → dropped indices, and the class removing each. */
  drops: Map<string, Map<number, Map<number, number>>>;
  /** Constant input channels folded into the bias: channel → [constant, its class]. */
  folds: Map<number, [number, number]>;
}

function nodeEdits(mg: MinGraph, a: Analysis, cc: ChannelClasses, plan: Set<number>): NodeEdit[] {
  const inPlan = (v: string, c: number) => plan.has(cc.classOf.get(v)![c]);
  const idsOf = (v: string, n: number) => {
    const m = new Map<number, number>();
    for (let c = 0; c < n; c++) if (inPlan(v, c)) m.set(c, cc.classOf.get(v)![c]);
    return m;
  };
  return mg.graph.nodes.map((node) => {
    const op = LAYER_OPS.get(node.op)!;
    const drops = new Map<string, Map<number, Map<number, number>>>();
    const folds = new Map<number, [number, number]>();
    const x = node.inputs[0];
    const outDrops = idsOf(node.name, a.channels.get(node.name)!);
    const inDrops = idsOf(x, a.channels.get(x)!);
    for (const s of op.slices ?? []) {
      if (!node.params[s.role]) continue;
      let axes = drops.get(s.role);
      if (!axes) drops.set(s.role, axes = new Map());
      axes.set(s.axis, s.of === "output" ? outDrops : inDrops);
    }
    if (op.foldsConstants?.(node.attrs)) {
      const k = a.consts.get(x)!;
      for (const [c, id] of inDrops) if (k[c] !== null && k[c] !== 0) folds.set(c, [k[c]!, id]);
    }
    return { node, drops, folds };
  });
}

/** `delta[r] = Σ_c W[r, c, ·]·k_c` of a dense node's folds (float64). */
function foldDelta(mg: MinGraph, e: NodeEdit): Float64Array {
  const w = mg.param(e.node, "weight")!;
  const [o, ni] = w.shape, t = tapsOf(w.shape);
  const delta = new Float64Array(o);
  for (let r = 0; r < o; r++) {
    for (const [c, [k]] of e.folds) {
      for (let q = (r * ni + c) * t, end = q + t; q < end; q++) delta[r] += w.data[q] * k;
    }
  }
  return delta;
}

/**
 * Classes a plan may not remove because of tied parameters: uses that disagree on an
 * entry (the classes dropping it where another use keeps it), or on a tied bias's fold.
 */
function tieConflicts(mg: MinGraph, edits: NodeEdit[]): Set<number> {
  const byParam = new Map<string, { e: NodeEdit; role: string }[]>();
  for (const e of edits) {
    for (const [role, name] of Object.entries(e.node.params)) {
      byParam.set(name, [...(byParam.get(name) ?? []), { e, role }]);
    }
  }
  const blocked = new Set<number>();
  for (const uses of byParam.values()) {
    if (uses.length < 2) continue;
    const axes = new Set(uses.flatMap(({ e, role }) => [...(e.drops.get(role)?.keys() ?? [])]));
    for (const axis of [...axes].sort((p, q) => p - q)) {
      const sets = uses.map(({ e, role }) => e.drops.get(role)?.get(axis) ?? new Map());
      const common = [...sets[0].keys()].filter((i) => sets.every((s) => s.has(i)));
      for (const s of sets) {
        for (const [i, id] of s) if (!common.includes(i)) blocked.add(id);
      }
    }
    if (uses[0].role !== "bias") continue;
    const deltas = uses.map(({ e }) => foldDelta(mg, e));
    if (deltas.some((d) => d.some((v, r) => v !== deltas[0][r]))) {
      for (const { e } of uses) for (const [, id] of e.folds.values()) blocked.add(id);
    }
  }
  return blocked;
}

/** Classes that may leave on their own (before closures and ties). */
function ownRemovable(mg: MinGraph, a: Analysis, cc: ChannelClasses): boolean[] {
  const readers = mg.readerMap();
  const ctx = {
    shapes: a.shapes,
    width: (v: string) => a.channels.get(v)!,
    param: (n: GraphNode, role: string) => mg.param(n, role),
    consts: (v: string) => a.consts.get(v)!,
  };
  const kinds = new Map(
    mg.graph.nodes.map((n) => [n, kindOf(n, LAYER_OPS.get(n.op)!, a.shapes, a.axes)]),
  );
  return cc.classes.map((cls) => {
    if (cls.pinned) return false;
    for (const m of cls.members) {
      const k = a.consts.get(m.value)![m.channel];
      for (const r of readers.get(m.value) ?? []) {
        const op = LAYER_OPS.get(r.op)!;
        const live = a.live.get(r.name)!;
        if (kinds.get(r)!.blocksRemoval(r, op, m.channel, k, live, ctx, m.value)) {
          return false;
        }
      }
    }
    return true;
  });
}

/**
 * The classes that can leave together now, each with its descendants, such that every
 * tied parameter is sliced the same way at each of its uses.
 */
export function removablePlan(mg: MinGraph, a: Analysis, cc: ChannelClasses): Set<number> {
  const own = ownRemovable(mg, a, cc);
  for (;;) {
    const plan = new Set<number>();
    for (const cls of cc.classes) {
      if (plan.has(cls.id)) continue;
      const closure = [cls.id, ...cls.descendants].filter((id) => !plan.has(id));
      if (closure.every((id) => own[id])) { for (const id of closure) plan.add(id); }
    }
    const blocked = tieConflicts(mg, nodeEdits(mg, a, cc, plan));
    if (blocked.size === 0) return plan;
    for (const id of blocked) own[id] = false;
  }
}

/** Applies the rule once; returns the number of classes removed. */
export function removeChannelClasses(mg: MinGraph, a: Analysis): number {
  const cc = channelClasses({ graph: mg.graph, shapes: a.shapes, axes: a.axes });
  const plan = removablePlan(mg, a, cc);
  if (plan.size === 0) return 0;
  const gone = goneChannels(cc, plan);
  const edits = nodeEdits(mg, a, cc, plan);
  const newIndex = (v: string) => {
    const s = gone.get(v)!, map = new Int32Array(a.channels.get(v)!);
    let k = 0;
    for (let c = 0; c < map.length; c++) map[c] = s.has(c) ? -1 : k++;
    return map;
  };
  // Parameters first, from the unsliced tensors: folds into biases, then one slice per
  // tensor and axis (tied tensors agree by construction of the plan).
  const folded = new Set<string>();
  for (const e of edits) {
    if (e.folds.size === 0) continue;
    const delta = foldDelta(mg, e);
    const b = mg.ensureBias(e.node);
    if (folded.has(e.node.params.bias)) continue;
    folded.add(e.node.params.bias);
    for (let r = 0; r < delta.length; r++) b.data[r] += delta[r];
    const bias = e.drops.get("bias") ?? new Map([[0 as const, e.drops.get("weight")!.get(0)!]]);
    e.drops.set("bias", bias);
  }
  const sliced = new Set<string>();
  for (const e of edits) {
    for (const [role, axes] of e.drops) {
      const name = e.node.params[role];
      if (sliced.has(name)) continue;
      sliced.add(name);
      const p = mg.params.get(name)!;
      for (const [axis, dropped] of axes) {
        if (dropped.size) {
          mg.keepAxis(name, axis, keepIndices(p.shape[axis], new Set(dropped.keys())));
        }
      }
    }
  }
  for (const n of [...mg.graph.nodes]) {
    const op = LAYER_OPS.get(n.op)!;
    const x = n.inputs[0];
    kindOf(n, op, a.shapes, a.axes).rewrite(n, op, {
      x,
      din: gone.get(x)!,
      dout: gone.get(n.name)!,
      width: (v) => a.channels.get(v)!,
      newIndex,
      consts: (v) => a.consts.get(v)!,
      insertSelect: (indices) => mg.insertSelect(n, indices, a.axes.get(x)!),
    });
  }
  return plan.size;
}
