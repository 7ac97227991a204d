import type { Analysis } from "../analysis.ts";
import type { MinGraph } from "../min_graph.ts";

/**
 * Rule: nodes that pass a value through unchanged go (their readers read the value):
 * `identity` layers, selects that keep every channel in order, and nodes whose output has
 * no channels left while an input of theirs has the very same shape (an emptied layer in
 * a chain). A select of a select becomes one select. Graph outputs keep their names.
 * Returns the nodes removed or merged.
 */
export function dropPassThrough(mg: MinGraph, _a: Analysis): number {
  let removed = 0;
  const shapes = mg.shapes();
  const same = (p: string, q: string) => {
    const s = shapes.get(p)!, t = shapes.get(q)!;
    return s.length === t.length && s.every((d, i) => d === t[i]);
  };
  for (const n of [...mg.graph.nodes]) {
    if (mg.isOutput(n.name)) continue;
    const x = n.inputs[0];
    if (n.op === "identity") {
      mg.bypass(n, x);
      removed++;
    } else if (n.op === "select") {
      const idx = n.attrs.indices as number[];
      const inner = mg.producer(x);
      if (idx.length === shapes.get(x)![1] && idx.every((j, i) => j === i)) {
        mg.bypass(n, x);
        removed++;
      } else if (inner?.op === "select") {
        const innerIdx = inner.attrs.indices as number[];
        n.inputs = [inner.inputs[0]];
        n.attrs = { ...n.attrs, indices: idx.map((j) => innerIdx[j]) };
        removed++;
      }
    } else if (shapes.get(n.name)![1] === 0) {
      const twin = n.inputs.find((v) => same(v, n.name));
      if (twin !== undefined) {
        mg.bypass(n, twin);
        removed++;
      }
    }
  }
  return removed;
}
