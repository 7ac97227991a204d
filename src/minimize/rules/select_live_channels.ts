import { LAYER_OPS } from "../../graph/layer_ops.ts";
import type { Analysis } from "../analysis.ts";
import type { MinGraph } from "../min_graph.ts";
import { keepIndices } from "../units.ts";

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
  const values = [...mg.graph.inputs.map((i) => i.name), ...mg.graph.nodes.map((n) => n.name)];
  for (const v of values) {
    if (mg.isOutput(v) || mg.producer(v)?.op === "select") continue;
    const rs = readers.get(v) ?? [];
    const dense = rs.filter((r) => LAYER_OPS.get(r.op)!.channels === "dense");
    if (dense.length === 0 || rs.some((r) => !dense.includes(r) && r.op !== "select")) continue;
    if (dense.some((r) => r.inputs.some((i) => i !== v))) continue;
    const weights = new Set(dense.map((r) => r.params.weight));
    if ([...weights].some((w) => uses.get(w)!.some((u) => !dense.includes(u.node)))) continue;
    const live = a.live.get(v)!;
    const dead = new Set<number>();
    live.forEach((l, c) => !l && dead.add(c));
    if (dead.size === 0) continue;
    const keep = keepIndices(live.length, dead);
    mg.selectAfter(v, keep, dense);
    for (const w of weights) mg.keepAxis(w, 1, keep);
    removed += dead.size;
  }
  return removed;
}
