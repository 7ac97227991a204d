import { LAYER_OPS } from "../../graph/layer_ops.ts";
import type { Analysis } from "../../channels/analysis.ts";
import { keepIndices, kindOf } from "../../channels/kinds.ts";
import type { MinGraph } from "../min_graph.ts";

/**
 * Rule: dead channels that cannot leave at their producer — graph input channels (pixels,
 * image channels) and single features of a flattened channel that stays — leave the dense
 * layers that read them: a `select` after the value keeps only its live channels for
 * every dense reader (linear or convolution, one or several), whose weight columns go.
 * The model's input shape does not change. A tied weight loses columns only when all its
 * uses read this value. Returns the channels removed.
 */
export function selectLiveChannels(mg: MinGraph, a: Analysis): number {
  let removed = 0;
  const readers = mg.readerMap();
  const uses = mg.paramUses();
  const kinds = new Map(
    mg.graph.nodes.map((n) => [n.name, kindOf(n, LAYER_OPS.get(n.op)!, a.shapes, a.axes)]),
  );
  const values = [...mg.graph.inputs.map((i) => i.name), ...mg.graph.nodes.map((n) => n.name)];
  for (const v of values) {
    if (mg.isOutput(v) || kinds.get(v)?.selects) continue;
    const rs = readers.get(v) ?? [];
    const dense = rs.filter((r) => kinds.get(r.name)!.mixes);
    if (dense.length === 0 || rs.some((r) => !dense.includes(r) && !kinds.get(r.name)!.selects)) {
      continue;
    }
    if (dense.some((r) => r.inputs.some((i) => i !== v))) continue;
    // The parameter entries that belong to the input channels (weight columns), by name.
    const columns = new Map<string, number>();
    for (const r of dense) {
      for (const s of LAYER_OPS.get(r.op)!.slices ?? []) {
        if (s.of === "input" && r.params[s.role]) columns.set(r.params[s.role], s.axis);
      }
    }
    if ([...columns.keys()].some((w) => uses.get(w)!.some((u) => !dense.includes(u.node)))) {
      continue;
    }
    const live = a.live.get(v)!;
    const dead = new Set<number>();
    live.forEach((l, c) => !l && dead.add(c));
    if (dead.size === 0) continue;
    const keep = keepIndices(live.length, dead);
    mg.selectAfter(v, keep, dense, a.axes.get(v)!);
    for (const [w, axis] of columns) mg.keepAxis(w, axis, keep);
    removed += dead.size;
  }
  return removed;
}
