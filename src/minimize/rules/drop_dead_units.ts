import type { Analysis } from "../analysis.ts";
import type { MinGraph } from "../min_graph.ts";
import { keepIndices, unitGroups } from "../units.ts";

/**
 * Rule: a unit no graph output depends on is deleted — its producer row and bias entry,
 * and its (already irrelevant) columns in every consumer. Returns the units removed.
 */
export function dropDeadUnits(mg: MinGraph, a: Analysis): number {
  let removed = 0;
  for (const g of unitGroups(mg)) {
    if (!g.rewritable) continue;
    const live = a.live.get(g.producer.name)!;
    const dead = new Set<number>();
    live.forEach((l, j) => !l && dead.add(j));
    if (dead.size === 0) continue;
    const keep = keepIndices(live.length, dead);
    mg.keepRows(g.producer, keep);
    for (const c of g.consumers) mg.keepCols(c, keep);
    removed += dead.size;
  }
  return removed;
}
