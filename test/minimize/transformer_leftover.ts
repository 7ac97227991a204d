/**
 * An independent leftover check for minimized token graphs (channel axis last), written
 * from METHOD.md apart from the minimizer (no lattice, classes or rules of src/channels or
 * src/minimize): it reads the graph and its weights directly and reports what METHOD.md's
 * rules could still take out. Where a case is not one it understands (a tied parameter, a
 * value read by several layers, an unknown reader) it stays silent: a leftover it reports
 * is truly removable.
 *
 * - a node nobody reads;
 * - attention: a head of value width 0 (dead: its query/key dims and the head go); a value
 *   dim with a zero `W_V` row (constant: folds into the output projection's bias) or a zero
 *   `W_O` column (dead); a query/key dim with a zero `W_K` row (a key constant across
 *   positions: softmax ignores the shift) or a zero `W_Q` row and bias entry (query 0);
 * - a hidden unit of a linear read (through one activation) only by linears: a zero row
 *   (constant, folded by the readers) or zero columns in every reader (dead);
 * - a norm output read only by linears (directly or through token pooling): zero columns
 *   in every reader (dead), or γ = 0 (the constant β, folded by the readers);
 * - a stream channel (the values joined by residual adds) constant in every writer
 *   (embedding column, patch-embedding row, positional column, class token equal to the
 *   stream's constant, zero rows of the branch projections) whose norm outputs are dead
 *   or constant (γ = 0) and whose other readers are linears (they fold it); a linear tied
 *   to the embedding table (an LM head) may read a norm's output j of stream channel j
 *   (it folds the constant, and the table's column j leaves at both uses).
 */
import type { GraphModule } from "../../src/graph/graph_module.ts";
import type { GraphNode } from "../../src/graph/ir.ts";
import { validateGraph } from "../../src/graph/validate.ts";

const ACTIVATIONS = new Set(["relu", "gelu", "tanh", "sigmoid", "identity", "dropout"]);
const NORMS = new Set(["layer_norm", "rms_norm"]);

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Leftover structure of a minimized token graph: each entry says what and where. */
export function transformerLeftovers(m: GraphModule): string[] {
  const g = m.graph;
  const shapes = validateGraph(g).shapes;
  const data = new Map([...m.namedParameters()].map(([k, p]) => [k, p.toArray()]));
  const width = (v: string) => shapes.get(v)!.at(-1)!;
  const readers = new Map<string, GraphNode[]>();
  for (const n of g.nodes) {
    for (const v of new Set(n.inputs)) readers.set(v, [...(readers.get(v) ?? []), n]);
  }
  const readersOf = (v: string) => readers.get(v) ?? [];
  const producer = new Map(g.nodes.map((n) => [n.name, n]));
  const outputs = new Set(g.outputs);
  const uses = new Map<string, number>();
  for (const n of g.nodes) {
    for (const p of Object.values(n.params)) uses.set(p, (uses.get(p) ?? 0) + 1);
  }
  const tied = (n: GraphNode) => Object.values(n.params).some((p) => uses.get(p)! > 1);
  /** A linear node with untied parameters. */
  const plainLinear = (n: GraphNode | undefined): boolean => n?.op === "linear" && !tied(n);
  const w = (n: GraphNode) => data.get(n.params.weight)!;
  const ws = (n: GraphNode) => g.params[n.params.weight];
  const rowZero = (n: GraphNode, j: number) => {
    const [, i] = ws(n), d = w(n);
    for (let c = 0; c < i; c++) if (d[j * i + c] !== 0) return false;
    return true;
  };
  const colZero = (n: GraphNode, c: number) => {
    const [o, i] = ws(n), d = w(n);
    for (let j = 0; j < o; j++) if (d[j * i + c] !== 0) return false;
    return true;
  };
  const bias = (n: GraphNode, j: number) => (n.params.bias ? data.get(n.params.bias)![j] : 0);
  /** The single-use value `v` read by nothing but `n`, once. */
  const onlyFor = (v: string, n: GraphNode) =>
    !outputs.has(v) && readersOf(v).length === 1 && readersOf(v)[0] === n;
  /**
   * Readers of channel `c` of `v` as linears (through token pooling): the linears, or
   * null when something else reads it (or `v` is an output).
   */
  const linearReaders = (v: string, tables = new Set<string>()): GraphNode[] | null => {
    if (outputs.has(v)) return null;
    const found: GraphNode[] = [];
    for (const r of readersOf(v)) {
      const ok = plainLinear(r) ||
        (r.op === "linear" && tables.has(r.params.weight) && uses.get(r.params.weight) === 2 &&
          Object.entries(r.params).every(([role, p]) => role === "weight" || uses.get(p) === 1));
      if (ok && r.inputs[0] === v) found.push(r);
      else if (r.op === "token_pool") {
        const inner = linearReaders(r.name, tables);
        if (!inner) return null;
        found.push(...inner);
      } else return null;
    }
    return found;
  };

  const found: string[] = [];
  for (const n of g.nodes) {
    if (!outputs.has(n.name) && readersOf(n.name).length === 0) {
      found.push(`${n.name}: nobody reads it`);
    }
  }

  // Attention.
  for (const n of g.nodes) {
    if (n.op !== "attention") continue;
    const qk = n.attrs.qk as number[], vw = n.attrs.v as number[];
    vw.forEach((v, h) => v === 0 && found.push(`${n.name}: head ${h} has value width 0`));
    const [q, k, v] = n.inputs;
    const pv = producer.get(v), outs = linearReaders(n.name);
    if (pv && plainLinear(pv) && onlyFor(v, n) && q !== v && k !== v && outs) {
      for (let j = 0; j < width(v); j++) {
        if (rowZero(pv, j)) found.push(`${n.name}: value dim ${j} is constant (zero W_V row)`);
        else if (outs.every((o) => colZero(o, j))) {
          found.push(`${n.name}: value dim ${j} is dead (zero W_O column)`);
        }
      }
    }
    const pq = producer.get(q), pk = producer.get(k);
    if (!pq || !pk || !plainLinear(pq) || !plainLinear(pk) || q === v || k === v) continue;
    const single = q === k ? onlyFor(q, n) : onlyFor(q, n) && onlyFor(k, n);
    if (!single) continue;
    for (let d = 0; d < sum(qk); d++) {
      if (rowZero(pk, d)) found.push(`${n.name}: query/key dim ${d} has a constant key`);
      else if (rowZero(pq, d) && bias(pq, d) === 0) {
        found.push(`${n.name}: query/key dim ${d} has a query of constant 0`);
      }
    }
  }

  // Hidden units between linears (MLP units).
  for (const f of g.nodes) {
    if (!plainLinear(f) || outputs.has(f.name)) continue;
    const rs = readersOf(f.name);
    const act = rs.length === 1 && ACTIVATIONS.has(rs[0].op) ? rs[0] : undefined;
    const h = act ? act.name : f.name;
    if (!act && rs.some((r) => ACTIVATIONS.has(r.op))) continue;
    const lin = linearReaders(h);
    if (!lin || lin.length === 0 || lin.some((r) => r.op !== "linear")) continue;
    if (readersOf(h).some((r) => r.op === "token_pool")) continue;
    for (let j = 0; j < width(f.name); j++) {
      if (rowZero(f, j)) found.push(`${f.name}: unit ${j} is constant (zero row)`);
      else if (lin.every((r) => colZero(r, j))) {
        found.push(`${f.name}: unit ${j} is dead (zero columns)`);
      }
    }
  }

  // Norm outputs.
  const gamma = (n: GraphNode) => data.get(n.params.weight)!;
  for (const n of g.nodes) {
    if (!NORMS.has(n.op)) continue;
    const lin = linearReaders(n.name);
    if (!lin || lin.length === 0) continue;
    for (let i = 0; i < width(n.name); i++) {
      if (lin.every((r) => colZero(r, i))) found.push(`${n.name}: output ${i} is dead`);
      else if (gamma(n)[i] === 0) found.push(`${n.name}: output ${i} is constant (γ = 0)`);
    }
  }

  // Stream channels.
  const EXTENDS = new Set(["add", "pos_embed", "cls_token"]);
  const stream = new Set<string>();
  for (const n of g.nodes) {
    if (n.op === "add") { for (const v of [n.name, ...n.inputs]) stream.add(v); }
    if (["embedding", "patch_embed", "pos_embed", "cls_token"].includes(n.op)) stream.add(n.name);
  }
  const cache = new Map<string, (number | null)[]>();
  /** Per channel of stream value `v`: its constant, or null when it varies or is unknown. */
  const constOf = (v: string): (number | null)[] => {
    const hit = cache.get(v);
    if (hit) return hit;
    const n = producer.get(v), c = width(v);
    let r: (number | null)[] = new Array(c).fill(null);
    // A tied table's column is constant or not whoever else reads the table.
    if (n && (!tied(n) || n.op === "embedding")) {
      const d = n.params.weight ? w(n) : undefined;
      if (n.op === "linear" || n.op === "patch_embed") {
        const per = ws(n).slice(1).reduce((a, b) => a * b, 1);
        r = r.map((_, j) =>
          d!.subarray(j * per, (j + 1) * per).every((x) => x === 0) ? bias(n, j) : null
        );
      } else if (n.op === "embedding") {
        const [rows] = ws(n);
        r = r.map((_, j) => {
          for (let t = 1; t < rows; t++) if (d![t * c + j] !== d![j]) return null;
          return d![j];
        });
      } else if (n.op === "pos_embed" || n.op === "cls_token") {
        const k = constOf(n.inputs[0]);
        r = k.map((x, j) => {
          if (x === null) return null;
          if (n.op === "cls_token") return d![j] === x ? x : null;
          for (let t = 1; t < ws(n)[0]; t++) if (d![t * c + j] !== d![j]) return null;
          return x + d![j];
        });
      } else if (n.op === "dropout") {
        r = constOf(n.inputs[0]);
      } else if (n.op === "add") {
        const [a, b] = n.inputs.map(constOf);
        r = a.map((x, j) => (x !== null && b[j] !== null ? x + b[j]! : null));
      }
    }
    cache.set(v, r);
    return r;
  };
  /** Tables of the stream's embeddings (a linear may share one: a tied head). */
  const tables = new Set(
    g.nodes.filter((n) => n.op === "embedding" && stream.has(n.name)).map((n) => n.params.weight),
  );
  const ends = [...stream].filter((v) => !readersOf(v).some((r) => EXTENDS.has(r.op)));
  for (const end of ends) {
    const k = constOf(end);
    for (let j = 0; j < k.length; j++) {
      if (k[j] === null) continue;
      const blocked = [...stream].some((v) =>
        outputs.has(v) ||
        readersOf(v).some((r) => {
          if (EXTENDS.has(r.op) || plainLinear(r)) return false;
          if (!NORMS.has(r.op)) return true;
          const outs = (r.attrs.outputs as number[] | undefined) ??
            Array.from({ length: width(r.inputs[0]) }, (_, i) => i);
          const i = outs.indexOf(j);
          if (i < 0) return false;
          const lin = linearReaders(r.name, tables);
          // A linear tied to the table reads the stream's own channel j (i = j): it
          // folds that constant and the table's column j leaves at both uses.
          if (!lin || lin.some((o) => tied(o) && i !== j)) return true;
          return !(lin.every((o) => colZero(o, i)) || gamma(r)[i] === 0);
        })
      );
      if (!blocked) found.push(`${end}: stream channel ${j} is constant in every writer`);
    }
  }
  return found;
}
