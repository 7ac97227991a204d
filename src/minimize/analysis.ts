/**
 * Per-channel constant analysis and liveness on the graph (METHOD.md): for every value
 * and channel (axis 1), `const` is the provable constant value or null (Var), and `live`
 * says whether some graph output depends on it. One forward and one backward rule per
 * layer op; an op without rules is refused with its layer name.
 *
 * @module
 */
import { UNARY_FNS } from "../backends/js/elementwise.ts";
import type { GraphNode } from "../graph/ir.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import { UnsupportedLayerError } from "../prune/chain.ts";
import type { MinGraph } from "./min_graph.ts";

/** Lattice per channel: a number for `Const(k)`, null for `Var`. */
export type Lattice = (number | null)[];

/** Result of {@linkcode analyze}. */
export interface Analysis {
  /** Constant lattice per value. */
  consts: Map<string, Lattice>;
  /** Liveness per value. */
  live: Map<string, boolean[]>;
  /** Channel count per value. */
  channels: Map<string, number>;
}

function spatial(shape: readonly number[]): number {
  return shape.slice(2).reduce((a, b) => a * b, 1);
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
    let out: Lattice;
    switch (op.channels) {
      case "dense": {
        const w = mg.param(n, "weight")!, b = mg.param(n, "bias");
        const [o, k] = w.shape;
        out = new Array(o);
        for (let j = 0; j < o; j++) {
          let acc: number | null = b ? b.data[j] : 0;
          for (let i = 0; i < k && acc !== null; i++) {
            const wji = w.data[j * k + i];
            if (wji === 0) continue;
            acc = x[i] === null ? null : acc + wji * x[i]!;
          }
          out[j] = acc;
        }
        break;
      }
      case "pointwise": {
        const f = op.activation === "identity" || !op.activation
          ? (v: number) => v
          : UNARY_FNS[op.activation];
        out = x.map((k) => (k === null ? null : f(k)));
        break;
      }
      case "flatten": {
        const s = spatial(shapes.get(n.inputs[0])!);
        out = x.flatMap((k) => new Array(s).fill(k));
        break;
      }
      case "select":
        out = (n.attrs.indices as number[]).map((i) => x[i]);
        break;
      default:
        throw unsupported(n);
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
    const inp = live.get(n.inputs[0])!;
    switch (op.channels) {
      case "dense": {
        const w = mg.param(n, "weight")!;
        const [o, k] = w.shape;
        for (let j = 0; j < o; j++) {
          if (!out[j]) continue;
          for (let i = 0; i < k; i++) if (w.data[j * k + i] !== 0) inp[i] = true;
        }
        break;
      }
      case "pointwise":
        out.forEach((l, c) => l && (inp[c] = true));
        break;
      case "flatten": {
        const s = spatial(shapes.get(n.inputs[0])!);
        out.forEach((l, f) => l && (inp[Math.floor(f / s)] = true));
        break;
      }
      case "select":
        (n.attrs.indices as number[]).forEach((i, j) => out[j] && (inp[i] = true));
        break;
      default:
        throw unsupported(n);
    }
  }
  return { consts, live, channels };
}

function unsupported(n: GraphNode): UnsupportedLayerError {
  return new UnsupportedLayerError(
    `minimize: layer "${n.name}" (${n.op}) is not supported by minimization yet`,
  );
}
