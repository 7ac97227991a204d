import { LAYER_OPS } from "../../graph/layer_ops.ts";
import type { GraphNode } from "../../graph/ir.ts";
import type { Analysis } from "../analysis.ts";
import type { MinGraph } from "../min_graph.ts";
import { keepIndices } from "../units.ts";

/** Whether `value` comes from a graph input through flatten, select and channelwise layers only. */
export function fromInput(mg: MinGraph, value: string): boolean {
  for (let v = value;;) {
    const p = mg.producer(v);
    if (!p) return true;
    const ch = LAYER_OPS.get(p.op)!.channels;
    if (ch !== "flatten" && ch !== "select" && ch !== "channelwise") return false;
    v = p.inputs[0];
  }
}

/**
 * Rule: input features (pixels) that no output depends on leave the first dense layers
 * that read them: their weight columns are deleted and a `select` layer in front of the
 * layer keeps only the live features (an existing select is narrowed). The model's
 * input shape does not change. Returns the features removed.
 */
export function dropDeadInputs(mg: MinGraph, a: Analysis): number {
  let removed = 0;
  for (const n of [...mg.graph.nodes]) {
    if (n.op !== "linear") continue;
    const u = n.inputs[0];
    if (!fromInput(mg, u) || mg.consumers(u).length !== 1 || mg.isOutput(u)) continue;
    const live = a.live.get(u)!;
    const dead = new Set<number>();
    live.forEach((l, i) => !l && dead.add(i));
    if (dead.size === 0) continue;
    const keep = keepIndices(live.length, dead);
    mg.keepCols(n, keep);
    const p = mg.producer(u);
    if (p && p.op === "select") {
      const idx = p.attrs.indices as number[];
      p.attrs.indices = keep.map((i) => idx[i]);
    } else {
      let name = `${n.name}_inputs`;
      for (
        let i = 1;
        mg.graph.nodes.some((m) => m.name === name) || mg.graph.inputs.some((m) => m.name === name);
        i++
      ) {
        name = `${n.name}_inputs_${i}`;
      }
      const sel: GraphNode = {
        name,
        op: "select",
        inputs: [u],
        params: {},
        attrs: { indices: keep },
      };
      mg.graph.nodes.splice(mg.graph.nodes.indexOf(n), 0, sel);
      n.inputs = [name];
    }
    removed += dead.size;
  }
  return removed;
}
