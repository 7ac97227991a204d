import { LAYER_OPS } from "../../graph/layer_ops.ts";
import type { Analysis } from "../../channels/analysis.ts";
import { kindOf } from "../../channels/kinds.ts";
import type { MinGraph } from "../min_graph.ts";

/**
 * Rule: nodes that pass a value through unchanged go (their readers read the value):
 * pass-through layers (`identity`), selects that keep every channel in order, and nodes
 * whose output has no channels left while an input of theirs has the very same shape (an
 * emptied layer in a chain). A select of a select becomes one select. Graph outputs keep
 * their names. Returns the nodes removed or merged.
 */
export function dropPassThrough(mg: MinGraph, a: Analysis): number {
  let removed = 0;
  const shapes = a.shapes;
  const same = (p: string, q: string) => {
    const s = shapes.get(p)!, t = shapes.get(q)!;
    return s.length === t.length && s.every((d, i) => d === t[i]);
  };
  const kind = new Map(
    mg.graph.nodes.map((n) => [n.name, kindOf(n, LAYER_OPS.get(n.op)!, a.shapes, a.axes)]),
  );
  for (const n of [...mg.graph.nodes]) {
    if (mg.isOutput(n.name)) continue;
    const x = n.inputs[0];
    if (LAYER_OPS.get(n.op)!.passThrough) {
      mg.bypass(n, x);
      removed++;
    } else if (kind.get(n.name)!.selects) {
      const idx = n.attrs.indices as number[];
      const inner = mg.producer(x);
      if (idx.length === a.channels.get(x)! && idx.every((j, i) => j === i)) {
        mg.bypass(n, x);
        removed++;
      } else if (inner && kind.get(inner.name)?.selects) {
        const innerIdx = inner.attrs.indices as number[];
        n.inputs = [inner.inputs[0]];
        n.attrs = { ...n.attrs, indices: idx.map((j) => innerIdx[j]) };
        removed++;
      }
    } else if (a.channels.get(n.name)! === 0) {
      const twin = n.inputs.find((v) => same(v, n.name));
      if (twin !== undefined) {
        mg.bypass(n, twin);
        removed++;
      }
    }
  }
  return removed;
}
