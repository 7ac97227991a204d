/**
 * Pruning units for any graph: each class of coupled channels (see
 * `channels/classes.ts`) is a unit whose weights, when zeroed, let minimization remove
 * it — the *writers* (each producer's `gain` entries: the rows that produce its
 * channels, the depthwise filters and the norm/scale gains on the way) and the *readers*
 * (each reader's parameter slices that belong to its input channels: the columns of the
 * dense layers), including the classes that must leave with it. Input features of
 * layers with `inputUnits` fed by the graph input are units too (their columns).
 *
 * @module
 */
import type { GraphModule } from "../graph/graph_module.ts";
import type { GraphNode } from "../graph/ir.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import { type ChannelIndex, channelIndex, fromInput } from "../channels/index.ts";
import { CHANNEL_KINDS } from "../channels/kinds.ts";
import { paramReader } from "./param_data.ts";

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
 * Finds the pruning units of `model`; `index` (from `channelIndex(model.graph)`) saves
 * re-indexing the graph when several pruning steps run on one model.
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
export function pruneUnits(model: GraphModule, index?: ChannelIndex): UnitMap {
  const ix = checkedIndex(model, index, "pruneUnits");
  const param = paramReader(model);
  const cc = ix.classes;
  const readers = ix.readers;
  const producer = ix.producer;
  const order = ix.order;
  /** Entries of parameter `name` whose index on `axis` is `c`. */
  const slice = (name: string, axis: number, c: number): Entries => {
    const p = param(name);
    const outer = p.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const n = p.shape[axis], inner = p.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const indices = new Int32Array(outer * inner);
    for (let o = 0, at = 0; o < outer; o++) {
      for (let q = 0; q < inner; q++) indices[at++] = (o * n + c) * inner + q;
    }
    return { param: name, indices };
  };
  /** The entries of reader `r` that belong to its input channel `c`. */
  const columns = (r: GraphNode, c: number): Entries[] =>
    (LAYER_OPS.get(r.op)!.slices ?? []).filter((s) => s.of === "input" && r.params[s.role])
      .map((s) => slice(r.params[s.role], s.axis, c));
  const own = cc.classes.map((cls) => {
    const writers: Entries[] = [], rs: Entries[] = [];
    for (const m of cls.members) {
      const p = producer.get(m.value);
      if (p) {
        const op = LAYER_OPS.get(p.op)!;
        if (op.gain && p.params[op.gain]) {
          writers.push(slice(p.params[op.gain], op.gainAxis ?? 0, m.channel));
        }
      }
      for (const r of readers.get(m.value) ?? []) {
        if (r.inputs[0] === m.value) rs.push(...columns(r, m.channel));
      }
    }
    return { writers, readers: rs };
  });
  const norm = (es: Entries[]) => {
    let s = 0;
    for (const e of es) {
      const d = param(e.param).data;
      for (const i of e.indices) s += d[i] * d[i];
    }
    return Math.sqrt(s);
  };
  const strengthOfEntries = (w: Entries[], r: Entries[]) => {
    const a = norm(w), b = norm(r);
    return w.length && r.length ? a * b : w.length ? a : b;
  };
  const sums = (n: GraphNode | undefined) =>
    n !== undefined && CHANNEL_KINDS[LAYER_OPS.get(n.op)!.channels].sums;
  const classUnits = cc.classes.map((cls): PruneUnit => {
    const ids = [cls.id, ...cls.descendants];
    const writers = ids.flatMap((id) => own[id].writers);
    const rs = ids.flatMap((id) => own[id].readers);
    const first = cls.members.map((m) => order.get(m.value) ?? -1).filter((i) => i >= 0);
    const head = first.length ? ix.graph.nodes[Math.min(...first)].name : "input";
    const stream = cls.members.some((m) => sums(producer.get(m.value)));
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
  // Units spanning several classes (attention heads): the union of their classes' entries.
  for (const n of ix.graph.nodes) {
    const groups = LAYER_OPS.get(n.op)!.unitGroups?.(n.attrs) ?? [];
    for (const g of groups) {
      const ids = [...new Set(g.map((m) => cc.classOf.get(n.inputs[m.input])![m.channel]))];
      if (ids.length === 0 || ids.some((id) => cc.classes[id].pinned)) continue;
      const writers = ids.flatMap((id) => classUnits[id].writers);
      const rs = ids.flatMap((id) => classUnits[id].readers);
      if (writers.length === 0) continue;
      units.push({
        family: `${n.name} (heads)`,
        writers,
        readers: rs,
        strength: strengthOfEntries(writers, rs),
        classId: ids[0],
      });
    }
  }
  const inputs: PruneUnit[] = [];
  const inputStrength = new Map<string, Float64Array>();
  for (const n of ix.graph.nodes) {
    const u = n.inputs[0];
    if (!LAYER_OPS.get(n.op)!.inputUnits || !fromInput(ix, u) || readers.get(u)!.length !== 1) {
      continue;
    }
    const k = ix.width(u);
    const s = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const rs = columns(n, c);
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

/** `index`, checked to belong to `model`'s graph, or a fresh index of it. */
export function checkedIndex(
  model: GraphModule,
  index: ChannelIndex | undefined,
  where: string,
): ChannelIndex {
  if (index === undefined) return channelIndex(model.graph);
  if (index.graph !== model.graph) {
    throw new RangeError(
      `${where}: the channel index belongs to another graph than "${model.graph.name}"'s; build it with channelIndex(model.graph)`,
    );
  }
  return index;
}
