/**
 * Rule: whole classes of coupled channels leave the graph (METHOD.md rewrite steps 1–3,
 * for every layer kind): constant channels are folded into their readers' biases (or,
 * read by a LayerNorm, into its CompensatedLayerNorm sums), dead channels are deleted,
 * and every per-channel parameter on the way (biases, norm and layer-scale entries,
 * depthwise filters) goes with them.
 *
 * @module
 */
import type { GraphNode } from "../../graph/ir.ts";
import { LAYER_OPS } from "../../graph/layer_ops.ts";
import { type Analysis, tapsOf } from "../analysis.ts";
import { type ChannelClasses, channelClasses } from "../classes.ts";
import type { MinGraph } from "../min_graph.ts";
import { keepIndices } from "../units.ts";

/** Whether column `c` of dense `node`'s weight is zero on every live output row. */
function deadColumn(mg: MinGraph, node: GraphNode, c: number, live: boolean[]): boolean {
  const w = mg.param(node, "weight")!;
  const [o, k] = w.shape, t = tapsOf(w.shape);
  for (let j = 0; j < o; j++) {
    if (!live[j]) continue;
    for (let q = (j * k + c) * t, e = q + t; q < e; q++) if (w.data[q] !== 0) return false;
  }
  return true;
}

/**
 * The classes that can leave together now, each with its descendants; never empties a
 * value completely (a layer keeps at least one channel).
 */
export function removablePlan(mg: MinGraph, a: Analysis, cc: ChannelClasses): Set<number> {
  const readers = mg.readerMap();
  const own = cc.classes.map((cls) => {
    if (cls.pinned) return false;
    for (const m of cls.members) {
      const k = a.consts.get(m.value)![m.channel];
      for (const r of readers.get(m.value) ?? []) {
        const op = LAYER_OPS.get(r.op)!;
        if (op.channels === "dense") {
          if (deadColumn(mg, r, m.channel, a.live.get(r.name)!)) continue;
          if (k !== null && (k === 0 || op.foldsConstants!(r.attrs))) continue;
          return false;
        }
        if (op.channels === "norm" && k === null) return false;
      }
    }
    return true;
  });
  const remaining = new Map(a.channels);
  const plan = new Set<number>();
  for (const cls of cc.classes) {
    if (plan.has(cls.id)) continue;
    const closure = [cls.id, ...cls.descendants].filter((id) => !plan.has(id));
    if (!closure.every((id) => own[id])) continue;
    const take = new Map<string, number>();
    for (const id of closure) {
      for (const m of cc.classes[id].members) take.set(m.value, (take.get(m.value) ?? 0) + 1);
    }
    if ([...take].some(([v, n]) => remaining.get(v)! - n < 1)) continue;
    for (const [v, n] of take) remaining.set(v, remaining.get(v)! - n);
    for (const id of closure) plan.add(id);
  }
  return plan;
}

/** Applies the rule once; returns the number of classes removed. */
export function removeChannelClasses(mg: MinGraph, a: Analysis): number {
  const cc = channelClasses(mg.graph, mg.shapes());
  const plan = removablePlan(mg, a, cc);
  if (plan.size === 0) return 0;
  const gone = new Map<string, Set<number>>();
  for (const [v, ids] of cc.classOf) {
    const s = new Set<number>();
    ids.forEach((id, c) => plan.has(id) && s.add(c));
    gone.set(v, s);
  }
  const newIndex = (v: string) => {
    const s = gone.get(v)!, map = new Int32Array(a.channels.get(v)!);
    let k = 0;
    for (let c = 0; c < map.length; c++) map[c] = s.has(c) ? -1 : k++;
    return map;
  };
  for (const n of [...mg.graph.nodes]) {
    const op = LAYER_OPS.get(n.op)!;
    const x = n.inputs[0];
    const din = gone.get(x)!, dout = gone.get(n.name)!;
    const keepOut = keepIndices(a.channels.get(n.name)!, dout);
    switch (op.channels) {
      case "dense": {
        const k = a.consts.get(x)!;
        const fold = [...din].filter((c) => k[c] !== null && k[c] !== 0);
        if (fold.length && op.foldsConstants!(n.attrs)) {
          const w = mg.param(n, "weight")!, b = mg.ensureBias(n);
          const [o, ni] = w.shape, t = tapsOf(w.shape);
          for (let r = 0; r < o; r++) {
            let acc = b.data[r];
            for (const c of fold) {
              for (let q = (r * ni + c) * t, e = q + t; q < e; q++) acc += w.data[q] * k[c]!;
            }
            b.data[r] = acc;
          }
        }
        if (din.size) mg.keepCols(n, keepIndices(a.channels.get(x)!, din));
        if (dout.size) mg.keepRows(n, keepOut);
        break;
      }
      case "channelwise":
      case "norm": {
        if (dout.size === 0) break;
        if ([...dout].some((c) => !din.has(c))) {
          const map = newIndex(x);
          mg.insertSelect(n, keepOut.map((c) => map[c]));
        }
        if (op.channels === "norm") {
          const k = a.consts.get(x)!;
          let s1 = (n.attrs.s1 as number | undefined) ?? 0;
          let s2 = (n.attrs.s2 as number | undefined) ?? 0;
          for (const c of dout) (s1 += k[c]!), (s2 += k[c]! * k[c]!);
          n.attrs = {
            ...n.attrs,
            width: (n.attrs.width as number | undefined) ?? a.channels.get(x)!,
            s1,
            s2,
          };
        }
        for (const role of op.perChannel ?? []) {
          if (n.params[role]) mg.keepAlong0(n.params[role], keepOut);
        }
        break;
      }
      case "flatten": {
        const s = a.channels.get(n.name)! / a.channels.get(x)!;
        const drop = keepIndices(a.channels.get(x)!, new Set()).filter((c) =>
          !din.has(c) && dout.has(c * s)
        );
        if (drop.length) {
          const map = newIndex(x), dropSet = new Set(drop);
          mg.insertSelect(
            n,
            keepIndices(a.channels.get(x)!, din).filter((c) => !dropSet.has(c)).map((c) => map[c]),
          );
        }
        break;
      }
      case "select": {
        if (dout.size === 0 && din.size === 0) break;
        const map = newIndex(x);
        n.attrs = {
          ...n.attrs,
          indices: keepOut.map((j) => map[(n.attrs.indices as number[])[j]]),
        };
        break;
      }
      case "merge":
      case "opaque":
        break;
    }
  }
  return plan.size;
}
