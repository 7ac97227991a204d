/**
 * The channel kinds of transformer ops (entries of `CHANNEL_KINDS`, see `kinds.ts`):
 *
 * - `attention` (METHOD.md): output channel c is value channel c, so a constant value
 *   channel gives the same constant out (every softmax row sums to 1) and folds into the
 *   output projection's bias. Query/key channel d of a head adds `q_d·k_d` to that head's
 *   scores: it matters only while the head has a live output, the key side varies and
 *   the query side is not the constant 0 — a key channel constant across positions adds
 *   the same shift to every score of a query, which softmax ignores. Query and key
 *   channel d are one class: they leave together.
 * - `lookup` (token embedding): output channel c is column c of the table, constant when
 *   that column is; the input is token ids (positions), never removed.
 *
 * @module
 */
import type { GraphNode } from "../graph/ir.ts";
import type { Lattice } from "../graph/layer_op.ts";
import { attentionSpec, columnConstant, offsets } from "../graph/token_ops.ts";
import type { ChannelKind, KindContext } from "./kinds.ts";

/** Whether a query/key channel pair (constants `q`, `k`, null for Var) moves the scores. */
function moves(q: number | null, k: number | null): boolean {
  return k === null && q !== 0;
}

/** Head of each channel of consecutive `widths`. */
function headOf(widths: readonly number[]): Int32Array {
  const h = new Int32Array(widths.reduce((a, b) => a + b, 0));
  offsets(widths).forEach((o, i) => h.fill(i, o, o + widths[i]));
  return h;
}

/** Per head: whether some output (value) channel of it is live. */
function liveHeads(n: GraphNode, out: readonly boolean[]): boolean[] {
  const { v } = attentionSpec(n.name, n.attrs);
  const vo = offsets(v);
  return v.map((w, h) => out.slice(vo[h], vo[h] + w).some((l) => l));
}

/** Whether query/key channel `d` of `n` moves the scores of a head with a live output. */
function scoreChannelMatters(
  n: GraphNode,
  d: number,
  heads: readonly boolean[],
  c: KindContext,
): boolean {
  const { qk } = attentionSpec(n.name, n.attrs);
  if (!heads[headOf(qk)[d]]) return false;
  return moves(c.consts(n.inputs[0])[d], c.consts(n.inputs[1])[d]);
}

/** The `attention` kind. */
export const attentionKind: ChannelKind = {
  mixes: false,
  singleSource: false,
  selects: false,
  sums: false,
  consts: (_n, _op, [, , v]): Lattice => [...v],
  live: (n, _op, out, inp, inName, c) => {
    const heads = liveHeads(n, out);
    n.inputs.forEach((name, role) => {
      if (name !== inName) return;
      if (role === 2) out.forEach((l, ch) => l && (inp[ch] = true));
      else {
        for (let d = 0; d < inp.length; d++) {
          if (!inp[d] && scoreChannelMatters(n, d, heads, c)) inp[d] = true;
        }
      }
    });
  },
  couple: (n, _op, c) => {
    const [q, k, v] = n.inputs;
    for (let d = 0; d < c.width(q); d++) c.union(q, d, k, d);
    for (let ch = 0; ch < c.width(v); ch++) c.union(v, ch, n.name, ch);
  },
  blocksRemoval: (n, _op, ch, _k, live, c, inName) => {
    const heads = liveHeads(n, live);
    return n.inputs.some((name, role) =>
      name === inName && role < 2 && scoreChannelMatters(n, ch, heads, c)
    );
  },
  rewrite: (n, _op, r) => {
    const { qk, v } = attentionSpec(n.name, n.attrs);
    const kept = (widths: readonly number[], map: Int32Array) => {
      const o = offsets(widths);
      return widths.map((w, h) => {
        let k = 0;
        for (let i = o[h]; i < o[h] + w; i++) if (map[i] >= 0) k++;
        return k;
      });
    };
    const nq = kept(qk, r.newIndex(n.inputs[0])), nv = kept(v, r.newIndex(n.inputs[2]));
    const heads = nq.map((_, h) => h).filter((h) => nq[h] > 0 || nv[h] > 0);
    const q2 = heads.map((h) => nq[h]), v2 = heads.map((h) => nv[h]);
    if (q2.length === qk.length && q2.every((w, h) => w === qk[h] && v2[h] === v[h])) return;
    n.attrs = { ...n.attrs, qk: q2, v: v2 };
  },
};

/** The `lookup` kind (token embedding). */
export const lookupKind: ChannelKind = {
  mixes: false,
  singleSource: false,
  selects: false,
  sums: false,
  consts: (n, _op, _ins, c) => {
    const w = c.param(n, "weight")!;
    return Array.from({ length: w.shape[1] }, (_, ch) => columnConstant(w, ch) ? w.data[ch] : null);
  },
  live: (_n, _op, out, inp) => {
    if (out.some((l) => l)) inp.fill(true);
  },
  couple: (n, _op, c) => c.pin(n.inputs[0]),
  blocksRemoval: () => false,
  rewrite: () => {},
};
