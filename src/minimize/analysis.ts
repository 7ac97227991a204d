/**
 * Per-channel constant analysis and liveness on the graph (METHOD.md): for every value
 * and channel (axis 1), `const` is the provable constant value or null (Var), and `live`
 * says whether some graph output depends on it. The rules come from each layer op's
 * channel kind and its `constRule`/`passes`.
 *
 * @module
 */
import { LAYER_OPS } from "../graph/layer_ops.ts";
import type { Lattice } from "../graph/layer_op.ts";
import type { MinGraph } from "./min_graph.ts";

export type { Lattice } from "../graph/layer_op.ts";

/** Result of {@linkcode analyze}. */
export interface Analysis {
  /** Constant lattice per value. */
  consts: Map<string, Lattice>;
  /** Liveness per value. */
  live: Map<string, boolean[]>;
  /** Channel count per value. */
  channels: Map<string, number>;
}

/** Elements per (row, column) pair of a dense weight `[O, I, …taps]`. */
export function tapsOf(shape: readonly number[]): number {
  return shape.slice(2).reduce((a, b) => a * b, 1);
}

/** Spatial size of a value shape `[N, C, …S]`. */
export function spatialOf(shape: readonly number[]): number {
  return shape.slice(2).reduce((a, b) => a * b, 1);
}

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

/** Runs both analyses on the current graph. */
export function analyze(mg: MinGraph): Analysis {
  const shapes = mg.shapes();
  const channels = new Map<string, number>();
  for (const [v, s] of shapes) channels.set(v, s[1] ?? 1);
  const consts = new Map<string, Lattice>();
  for (const inp of mg.graph.inputs) {
    consts.set(inp.name, new Array(channels.get(inp.name)!).fill(null));
  }
  for (const n of mg.graph.nodes) {
    const op = LAYER_OPS.get(n.op)!;
    const ins = n.inputs.map((v) => consts.get(v)!);
    const x = ins[0];
    const view = (role: string) => mg.param(n, role);
    let out: Lattice;
    switch (op.channels) {
      case "dense": {
        const w = mg.param(n, "weight")!, b = mg.param(n, "bias");
        const [o, k] = w.shape, t = tapsOf(w.shape);
        const folds = op.foldsConstants!(n.attrs);
        out = new Array(o);
        for (let j = 0; j < o; j++) {
          let acc: number | null = b ? b.data[j] : 0;
          for (let i = 0; i < k && acc !== null; i++) {
            let s = 0, nz = false;
            for (let q = (j * k + i) * t, e = q + t; q < e; q++) {
              s += w.data[q];
              nz ||= w.data[q] !== 0;
            }
            if (!nz) continue;
            const ki = x[i];
            acc = ki === null || (!folds && ki !== 0) ? null : acc + s * ki;
          }
          out[j] = acc;
        }
        break;
      }
      case "channelwise":
      case "norm":
        out = op.constRule!(x, view, n.attrs);
        break;
      case "merge":
        out = x.map((_, c) =>
          ins.every((l) => l[c] !== null) ? ins.reduce((s, l) => s + l[c]!, 0) : null
        );
        break;
      case "flatten": {
        const s = spatialOf(shapes.get(n.inputs[0])!);
        out = x.flatMap((k) => new Array(s).fill(k));
        break;
      }
      case "select":
        out = (n.attrs.indices as number[]).map((i) => x[i]);
        break;
      case "opaque":
        out = new Array(channels.get(n.name)!).fill(null);
        break;
    }
    consts.set(n.name, out);
  }
  const live = new Map<string, boolean[]>();
  for (const [v, c] of channels) live.set(v, new Array(c).fill(false));
  for (const o of mg.graph.outputs) live.get(o)!.fill(true);
  for (let idx = mg.graph.nodes.length - 1; idx >= 0; idx--) {
    const n = mg.graph.nodes[idx];
    const op = LAYER_OPS.get(n.op)!;
    const out = live.get(n.name)!;
    const anyLive = out.some((l) => l);
    for (const inName of n.inputs) {
      const inp = live.get(inName)!;
      switch (op.channels) {
        case "dense": {
          const w = mg.param(n, "weight")!;
          const [o, k] = w.shape, t = tapsOf(w.shape);
          for (let j = 0; j < o; j++) {
            if (!out[j]) continue;
            for (let i = 0; i < k; i++) {
              if (inp[i]) continue;
              for (let q = (j * k + i) * t, e = q + t; q < e; q++) {
                if (w.data[q] !== 0) {
                  inp[i] = true;
                  break;
                }
              }
            }
          }
          break;
        }
        case "channelwise": {
          const view = (role: string) => mg.param(n, role);
          out.forEach((l, c) => l && (op.passes?.(c, view) ?? true) && (inp[c] = true));
          break;
        }
        case "merge":
          out.forEach((l, c) => l && (inp[c] = true));
          break;
        case "norm":
        case "opaque":
          if (anyLive) inp.fill(true);
          break;
        case "flatten": {
          const s = spatialOf(shapes.get(inName)!);
          out.forEach((l, f) => l && (inp[Math.floor(f / s)] = true));
          break;
        }
        case "select":
          (n.attrs.indices as number[]).forEach((i, j) => out[j] && (inp[i] = true));
          break;
      }
    }
  }
  return { consts, live, channels };
}
