/**
 * An independent leftover check for minimized graphs, written apart from the minimizer
 * (no lattice, classes or rules of src/minimize): it reads the graph and its weights
 * directly. Reachability over nonzero weights (backward from the outputs) says which
 * channels anything depends on; a dead or constant channel is left behind where METHOD.md's
 * rules take it out without touching a residual add (a merged stream keeps its width until
 * every writer agrees, and an add is never split):
 * - nodes nobody reads, identity layers, selects that keep everything or read a select,
 *   adds of a branch that writes zeros;
 * - a dense row (linear, conv) or LayerNorm output that no output depends on;
 * - a dense column reading a channel that no output depends on;
 * - a dense row with zero weights, or a LayerNorm output with γ = 0 (a constant), read
 *   only by layers that fold constants (through activations).
 */
import type { GraphModule } from "../../src/graph/graph_module.ts";
import type { GraphNode } from "../../src/graph/ir.ts";
import { validateGraph } from "../../src/graph/validate.ts";

const DENSE = new Set(["linear", "conv2d"]);
const ACTIVATIONS = new Set([
  "relu",
  "gelu",
  "tanh",
  "sigmoid",
  "identity",
  "dropout",
  "drop_path",
]);
const SAME_CHANNEL = new Set([...ACTIVATIONS, "max_pool", "avg_pool", "global_avg_pool"]);
const CHANNELWISE = new Set(["batch_norm", "scale", "dwconv2d"]);

/**
 * Leftover structure of a minimized model: each entry says what and where. Empty at a
 * fixpoint of METHOD.md's rules.
 */
export function leftovers(m: GraphModule): string[] {
  const g = m.graph;
  const shapes = validateGraph(g).shapes;
  const data = new Map([...m.namedParameters()].map(([k, p]) => [k, p.toArray()]));
  const width = (v: string) => shapes.get(v)![1];
  const readers = new Map<string, GraphNode[]>();
  for (const n of g.nodes) {
    for (const v of new Set(n.inputs)) readers.set(v, [...(readers.get(v) ?? []), n]);
  }
  const producer = new Map(g.nodes.map((n) => [n.name, n]));
  const outputs = new Set(g.outputs);
  const uses = new Map<string, number>();
  for (const n of g.nodes) {
    for (const p of Object.values(n.params)) uses.set(p, (uses.get(p) ?? 0) + 1);
  }
  const tied = (n: GraphNode) => Object.values(n.params).some((p) => uses.get(p)! > 1);
  const merged = (v: string) =>
    producer.get(v)?.op === "add" || (readers.get(v) ?? []).some((r) => r.op === "add");
  /** `v` and the values it feeds through single-reader channelwise layers. */
  const chain = (v: string): string[] => {
    const vs = [v];
    for (;;) {
      const rs = readers.get(vs.at(-1)!) ?? [];
      if (rs.length !== 1 || !(SAME_CHANNEL.has(rs[0].op) || CHANNELWISE.has(rs[0].op))) return vs;
      vs.push(rs[0].name);
    }
  };
  const mergedAhead = (v: string) => chain(v).some(merged);
  const entry = (n: GraphNode, role: string, i: number) => data.get(n.params[role])![i];
  /** Weight `[O, I, …taps]` entry block of (row j, column c). */
  const block = (n: GraphNode, j: number, c: number) => {
    const s = g.params[n.params.weight], t = s.slice(2).reduce((a, b) => a * b, 1);
    const w = data.get(n.params.weight)!, at = (j * s[1] + c) * t;
    return w.subarray(at, at + t);
  };
  const nonzero = (a: ArrayLike<number>) => Array.prototype.some.call(a, (v: number) => v !== 0);

  // Reachability: live[v][c] when some output depends on channel c of v through nonzero weights.
  const live = new Map<string, boolean[]>();
  for (const [v, s] of shapes) live.set(v, new Array(s[1] ?? 1).fill(outputs.has(v)));
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i], out = live.get(n.name)!, x = n.inputs[0], inp = live.get(x)!;
    const mark = (c: number) => (inp[c] = true);
    if (DENSE.has(n.op)) {
      out.forEach((l, j) => l && inp.forEach((_, c) => nonzero(block(n, j, c)) && mark(c)));
    } else if (n.op === "dwconv2d") {
      out.forEach((l, c) => l && nonzero(block(n, c, 0)) && mark(c));
    } else if (n.op === "batch_norm" || n.op === "scale") {
      out.forEach((l, c) => l && entry(n, "weight", c) !== 0 && mark(c));
    } else if (SAME_CHANNEL.has(n.op)) {
      out.forEach((l, c) => l && mark(c));
    } else if (n.op === "add") {
      for (const v of n.inputs) out.forEach((l, c) => l && (live.get(v)![c] = true));
    } else if (n.op === "layer_norm") {
      // METHOD.md: every input of a LayerNorm is live when any output is (the statistics).
      if (out.some((l) => l)) inp.fill(true);
    } else if (n.op === "flatten") {
      const s = width(n.name) / Math.max(1, width(x));
      out.forEach((l, f) => l && mark(Math.floor(f / s)));
    } else if (n.op === "select") {
      (n.attrs.indices as number[]).forEach((c, j) => out[j] && mark(c));
    } else if (out.some((l) => l)) inp.fill(true);
  }

  const found: string[] = [];
  for (const n of g.nodes) {
    const x = n.inputs[0];
    if (!outputs.has(n.name) && !(readers.get(n.name)?.length)) {
      found.push(`${n.name}: nobody reads it`);
    }
    if (n.op === "identity" && !outputs.has(n.name)) found.push(`${n.name}: identity layer`);
    if (n.op === "select") {
      const idx = n.attrs.indices as number[];
      if (producer.get(x)?.op === "select") found.push(`${n.name}: select of a select`);
      if (idx.length === width(x) && idx.every((j, i) => j === i) && !outputs.has(n.name)) {
        found.push(`${n.name}: select keeps everything`);
      }
    }
    if (n.op === "add") {
      for (const v of n.inputs) {
        const p = producer.get(v);
        const zero = p && (DENSE.has(p.op) || p.op === "scale") &&
          !nonzero(data.get(p.params.weight)!) &&
          (!p.params.bias || !nonzero(data.get(p.params.bias)!));
        if (zero) found.push(`${n.name}: adds zeros from ${v}`);
      }
    }
    if (tied(n)) continue;
    const out = live.get(n.name)!;
    const hasParams = n.op === "layer_norm" || !!n.params.bias ||
      g.params[n.params.weight]?.slice(1).every((d) => d > 0);
    if ((DENSE.has(n.op) || n.op === "layer_norm") && hasParams && !mergedAhead(n.name)) {
      // Dead all along its chain (a zero gain ahead may feed a live channel from nothing).
      const ahead = chain(n.name).map((v) => live.get(v)!);
      out.forEach((_, j) => {
        if (ahead.every((l) => !l[j]) && !outputs.has(n.name)) {
          found.push(`${n.name}: output ${j} is dead`);
        }
      });
    }
    if (DENSE.has(n.op) && !merged(x) && width(n.name) > 0) {
      live.get(x)!.forEach((l, c) =>
        !l && found.push(`${n.name}: reads dead channel ${c} of ${x}`)
      );
    }
  }
  // Constants from a zero row or zero γ, through activations, into layers that fold them
  // (a LayerNorm folds a constant input that has no output of its own).
  const folds = (r: GraphNode, j: number) =>
    r.op === "layer_norm"
      ? Array.isArray(r.attrs.outputs) && !(r.attrs.outputs as number[]).includes(j)
      : DENSE.has(r.op) && ((r.attrs.padding as number | undefined) ?? 0) === 0 && !tied(r);
  for (const n of g.nodes) {
    if (!(DENSE.has(n.op) || n.op === "layer_norm") || tied(n)) continue;
    const constant = (j: number) =>
      n.op === "layer_norm"
        ? entry(n, "weight", j) === 0
        : Array.from({ length: g.params[n.params.weight][1] }, (_, c) => nonzero(block(n, j, c)))
          .every((z) => !z);
    let v = n.name;
    for (;;) {
      const rs = readers.get(v) ?? [];
      if (rs.length === 1 && ACTIVATIONS.has(rs[0].op) && !outputs.has(v)) v = rs[0].name;
      else break;
    }
    const rs = readers.get(v) ?? [];
    if (outputs.has(v) || mergedAhead(n.name) || rs.length === 0) continue;
    for (let j = 0; j < width(n.name); j++) {
      if (constant(j) && rs.every((r) => folds(r, j))) {
        found.push(`${n.name}: output ${j} is constant and ${v}'s readers could fold it`);
      }
    }
  }
  return found;
}
