/**
 * Pruning units for any graph: each class of coupled channels (see
 * `minimize/classes.ts`) is a unit whose weights, when zeroed, let minimization remove
 * it — the *writers* (the rows that produce its channels, the depthwise filters and the
 * norm/scale gains on the way) and the *readers* (the columns of the dense layers that
 * read it), including the classes that must leave with it. Input features of linear
 * layers fed by the graph input are units too (their columns).
 *
 * @module
 */
import type { GraphModule } from "../graph/graph_module.ts";
import type { GraphNode } from "../graph/ir.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import { fromInput, tapsOf } from "../minimize/analysis.ts";
import { channelClasses } from "../minimize/classes.ts";
import { MinGraph } from "../minimize/min_graph.ts";

/** Flat indices of one parameter. */
export interface Entries {
  /** Parameter name. */
  param: string;
  /** Flat element indices. */
  indices: Int32Array;
}

/** A structured pruning unit. */
export interface PruneUnit {
  /**
   * Units of one family are ranked against each other: named after the first layer
   * producing the class (`fc1`, `stem.conv (stream)` for a residual stage's stream).
   */
  family: string;
  /** Entries producing the unit's channels. */
  writers: Entries[];
  /** Entries reading them. */
  readers: Entries[];
  /** `‖writers‖·‖readers‖` (the side that exists when one is empty). */
  strength: number;
  /** Class id (or -1 for input features). */
  classId: number;
}

/** Units of a model, and strengths per value channel for unit-aware importance. */
export interface UnitMap {
  /** Hidden units (prunable classes). */
  units: PruneUnit[];
  /** Input features of linear layers fed by the graph input. */
  inputs: PruneUnit[];
  /** Strength of the unit holding channel `c` of value `v`: `strengthOf(v, c)`. */
  strengthOf(value: string, channel: number): number;
}

/**
 * Finds the pruning units of `model`.
 *
 * @example
 * ```ts
 * import { pruneUnits } from "./units.ts";
 * import { fromGraph, toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph, params } = toGraph(mlp([4, 3, 2]), [4]);
 * const { units, inputs } = pruneUnits(fromGraph(graph, params));
 * console.assert(units.length === 3 && inputs.length === 4 && units[0].family === "fc1");
 * ```
 */
export function pruneUnits(model: GraphModule): UnitMap {
  const mg = new MinGraph(model);
  const shapes = mg.shapes();
  const cc = channelClasses(mg.graph, shapes, { norms: "link" });
  const readers = mg.readerMap();
  const producer = new Map(mg.graph.nodes.map((n) => [n.name, n]));
  const order = new Map(mg.graph.nodes.map((n, i) => [n.name, i]));
  const columns = (r: GraphNode, c: number): Entries => {
    const w = mg.param(r, "weight")!;
    const [o, k] = w.shape, t = tapsOf(w.shape);
    const indices = new Int32Array(o * t);
    for (let j = 0, at = 0; j < o; j++) {
      for (let q = 0; q < t; q++) indices[at++] = (j * k + c) * t + q;
    }
    return { param: r.params.weight, indices };
  };
  const channel = (name: string, c: number): Entries => {
    const p = mg.params.get(name)!;
    const per = p.data.length / p.shape[0];
    const indices = new Int32Array(per);
    for (let i = 0; i < per; i++) indices[i] = c * per + i;
    return { param: name, indices };
  };
  const own = cc.classes.map((cls) => {
    const writers: Entries[] = [], rs: Entries[] = [];
    for (const m of cls.members) {
      const p = producer.get(m.value);
      if (p) {
        const op = LAYER_OPS.get(p.op)!;
        if (op.channels === "dense") writers.push(channel(p.params.weight, m.channel));
        else if (op.gain && p.params[op.gain]) writers.push(channel(p.params[op.gain], m.channel));
      }
      for (const r of readers.get(m.value) ?? []) {
        if (LAYER_OPS.get(r.op)!.channels === "dense") rs.push(columns(r, m.channel));
      }
    }
    return { writers, readers: rs };
  });
  const norm = (es: Entries[]) => {
    let s = 0;
    for (const e of es) {
      const d = mg.params.get(e.param)!.data;
      for (const i of e.indices) s += d[i] * d[i];
    }
    return Math.sqrt(s);
  };
  const strengthOfEntries = (w: Entries[], r: Entries[]) => {
    const a = norm(w), b = norm(r);
    return w.length && r.length ? a * b : w.length ? a : b;
  };
  const classUnits = cc.classes.map((cls): PruneUnit => {
    const ids = [cls.id, ...cls.descendants];
    const writers = ids.flatMap((id) => own[id].writers);
    const rs = ids.flatMap((id) => own[id].readers);
    const first = cls.members.map((m) => order.get(m.value) ?? -1).filter((i) => i >= 0);
    const head = first.length ? mg.graph.nodes[Math.min(...first)].name : "input";
    const stream = cls.members.some((m) => producer.get(m.value)?.op === "add");
    const fam = stream ? `${head} (stream)` : head;
    return {
      family: fam,
      writers,
      readers: rs,
      strength: strengthOfEntries(writers, rs),
      classId: cls.id,
    };
  });
  const units = classUnits.filter((u) => !cc.classes[u.classId].pinned && u.writers.length > 0);
  const inputs: PruneUnit[] = [];
  const inputStrength = new Map<string, Float64Array>();
  for (const n of mg.graph.nodes) {
    const u = n.inputs[0];
    if (n.op !== "linear" || !fromInput(mg, u) || readers.get(u)!.length !== 1) continue;
    const k = shapes.get(u)![1];
    const s = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const rs = [columns(n, c)];
      s[c] = norm(rs);
      inputs.push({ family: "inputs", writers: [], readers: rs, strength: s[c], classId: -1 });
    }
    inputStrength.set(u, s);
  }
  return {
    units,
    inputs,
    strengthOf: (v, c) => inputStrength.get(v)?.[c] ?? classUnits[cc.classOf.get(v)![c]].strength,
  };
}
