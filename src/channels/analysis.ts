/**
 * Per-channel constant analysis and liveness on the graph (METHOD.md): for every value
 * and channel (on its channel axis), `const` is the provable constant value or null
 * (Var), and `live` says whether some graph output depends on it. The rules come from
 * each node's channel kind (`kinds.ts`) and its op's `constRule`/`passes`.
 *
 * @module
 */
import type { Graph, GraphNode, SymShape } from "../graph/ir.ts";
import type { Lattice, ParamView } from "../graph/layer_op.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import { validateGraph } from "../graph/validate.ts";
import { type KindContext, kindOf } from "./kinds.ts";

export type { Lattice } from "../graph/layer_op.ts";

/** A graph and read access to its parameters: what the analysis reads. */
export interface ParamSource {
  /** The graph. */
  readonly graph: Graph;
  /** The parameter of `node` in `role`. */
  param(node: GraphNode, role: string): ParamView | undefined;
}

/** Result of {@linkcode analyze}. */
export interface Analysis {
  /** Constant lattice per value. */
  consts: Map<string, Lattice>;
  /** Liveness per value. */
  live: Map<string, boolean[]>;
  /** Channel count per value. */
  channels: Map<string, number>;
  /** Shape per value. */
  shapes: Map<string, SymShape>;
  /** Channel axis per value. */
  axes: Map<string, number>;
}

/** Channels of a value: its size on its channel axis (1 for a rank-1 value). */
export function widthAt(shape: SymShape, axis: number): number {
  return shape[axis] ?? 1;
}

/**
 * Runs both analyses on the current graph.
 *
 * @example
 * ```ts
 * import { analyze } from "./analysis.ts";
 * import { toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph, params } = toGraph(mlp([4, 3, 2]), [4]);
 * const param = (n: { params: Record<string, string> }, role: string) => {
 *   const p = params.get(n.params[role]);
 *   return p && { shape: p.shape, data: p.toArray() };
 * };
 * const a = analyze({ graph, param });
 * console.assert(a.live.get("fc1")!.every((l) => l) && a.channels.get("fc1") === 3);
 * ```
 */
export function analyze(src: ParamSource): Analysis {
  const { shapes, axes } = validateGraph(src.graph);
  const channels = new Map<string, number>();
  for (const [v, s] of shapes) channels.set(v, widthAt(s, axes.get(v)!));
  const ctx: KindContext = {
    shapes,
    width: (v) => channels.get(v)!,
    param: (n, role) => src.param(n, role),
    consts: (v) => consts.get(v)!,
  };
  const kinds = new Map(
    src.graph.nodes.map((n) => [n.name, kindOf(n, LAYER_OPS.get(n.op)!, shapes, axes)]),
  );
  const consts = new Map<string, Lattice>();
  for (const inp of src.graph.inputs) {
    consts.set(inp.name, new Array(channels.get(inp.name)!).fill(null));
  }
  for (const n of src.graph.nodes) {
    const op = LAYER_OPS.get(n.op)!;
    const ins = n.inputs.map((v) => consts.get(v)!);
    consts.set(n.name, kinds.get(n.name)!.consts(n, op, ins, ctx));
  }
  const live = new Map<string, boolean[]>();
  for (const [v, c] of channels) live.set(v, new Array(c).fill(false));
  for (const o of src.graph.outputs) live.get(o)!.fill(true);
  for (let idx = src.graph.nodes.length - 1; idx >= 0; idx--) {
    const n = src.graph.nodes[idx];
    const op = LAYER_OPS.get(n.op)!;
    const out = live.get(n.name)!;
    const kind = kinds.get(n.name)!;
    for (const inName of n.inputs) kind.live(n, op, out, live.get(inName)!, inName, ctx);
  }
  return { consts, live, channels, shapes, axes };
}
