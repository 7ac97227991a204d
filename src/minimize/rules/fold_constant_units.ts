import type { Analysis } from "../analysis.ts";
import type { MinGraph } from "../min_graph.ts";
import { keepIndices, unitGroups } from "../units.ts";

/**
 * Rule: a unit that is provably `Const(k)` where its consumers read it (after the
 * activations on the way) is deleted from its producer, and every consumer absorbs it:
 * `bias += W[:, j]·k`, then column `j` goes. Returns the units folded.
 */
export function foldConstantUnits(mg: MinGraph, a: Analysis): number {
  let folded = 0;
  for (const g of unitGroups(mg)) {
    if (!g.rewritable) continue;
    const k = a.consts.get(g.end)!;
    const fold = new Set<number>();
    k.forEach((v, j) => v !== null && fold.add(j));
    if (fold.size === 0) continue;
    for (const c of g.consumers) {
      const w = mg.param(c, "weight")!;
      const [o, n] = w.shape;
      const b = mg.ensureBias(c);
      for (let r = 0; r < o; r++) {
        let acc = b.data[r];
        for (const j of fold) acc += w.data[r * n + j] * k[j]!;
        b.data[r] = acc;
      }
      mg.keepCols(c, keepIndices(n, fold));
    }
    mg.keepRows(g.producer, keepIndices(k.length, fold));
    folded += fold.size;
  }
  return folded;
}
