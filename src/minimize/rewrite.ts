/**
 * The minimization driver: constant analysis and liveness, then the rewrite rules, to a
 * fixpoint. The result is a smaller dense graph with plain parameters (no masks).
 *
 * @module
 */
import { GraphModule } from "../graph/graph_module.ts";
import { minimizedName, renamed } from "../graph/graph_name.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import { analyze } from "../channels/analysis.ts";
import { CHANNEL_KINDS } from "../channels/kinds.ts";
import { MinGraph } from "./min_graph.ts";
import { type RewriteRule, RULE_TABLE } from "./rule_table.ts";

export type { RewriteRule, Rule } from "./rule_table.ts";

/** The rule table by name, in the order the driver tries them each round. */
export const RULES: Readonly<Record<string, RewriteRule>> = Object.fromEntries(
  RULE_TABLE.map((r) => [r.name, r]),
);

/** What minimization did. */
export interface MinimizeStats {
  /** Rounds until the fixpoint. */
  rounds: number;
  /** Removed count per rule. */
  removed: Record<string, number>;
  /** Parameters before and after. */
  paramsBefore: number;
  /** Parameters after. */
  paramsAfter: number;
  /**
   * Widths after: the first dense layer's input channels, then every dense (linear,
   * conv) layer's output channels in graph order, e.g. `[412, 61, 22, 10]` for an MLP.
   */
  widths: number[];
}

/**
 * What the rules could still remove from `mg` (0 at a fixpoint): one round of every rule
 * on a copy, counted — classes of coupled channels that are dead or constant where they
 * are read, dead channels behind a select, zero branches, unread and pass-through nodes,
 * zero biases.
 */
export function removableChannels(mg: MinGraph): number {
  const probe = mg.clone();
  let n = 0;
  for (const rule of RULE_TABLE) n += rule.apply(probe, analyze(probe));
  return n;
}

/**
 * Minimizes a (masked) model: the exact structural rewrite of METHOD.md. The result is in
 * inference mode (call `.train()` to train it) and its graph is renamed after its new
 * widths (see `minimizedName`). Values may lose every channel (a layer of width 0), and a
 * network whose output no longer depends on its input becomes a constant. Throws a
 * `TypeError` for a module that is not a `GraphModule` (convert it with
 * `toGraph`/`fromGraph`), `UnsupportedLayerError` naming a layer the rules do not cover,
 * and a `RangeError` for non-finite weights or an empty model.
 *
 * @example
 * ```ts
 * import { minimize } from "./rewrite.ts";
 * import { fromGraph, toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * import { tensor } from "../tensor/create.ts";
 * const { graph, params } = toGraph(mlp([4, 3, 2]), [4]);
 * params.get("fc2.weight")!.mask = tensor([1, 0, 1, 1, 0, 1], [2, 3]);
 * const { model, stats } = minimize(fromGraph(graph, params));
 * console.assert(stats.widths[1] === 2 && model.parameterCount() < 17);
 * ```
 */
export function minimize(model: GraphModule, opts: { maxRounds?: number } = {}): {
  model: GraphModule;
  stats: MinimizeStats;
} {
  if (!(model instanceof GraphModule)) {
    const got = (model as object | null)?.constructor?.name ?? String(model);
    throw new TypeError(
      `minimize: expected a GraphModule, got ${got}; convert it first: ` +
        "const { graph, params } = toGraph(model, inputShape); minimize(fromGraph(graph, params))",
    );
  }
  const mg = new MinGraph(model);
  const removed: Record<string, number> = Object.fromEntries(RULE_TABLE.map((r) => [r.name, 0]));
  const maxRounds = opts.maxRounds ?? 1000;
  let rounds = 0;
  for (;;) {
    rounds++;
    let changed = 0;
    for (const rule of RULE_TABLE) {
      const n = rule.apply(mg, analyze(mg));
      removed[rule.name] += n;
      changed += n;
    }
    if (changed === 0) break;
    if (rounds >= maxRounds) throw new Error(`minimize: no fixpoint after ${maxRounds} rounds`);
  }
  const min = mg.toModule();
  const out = renamed(min, minimizedName(min.graph, denseWidths(min)));
  return {
    model: out,
    stats: {
      rounds,
      removed,
      paramsBefore: model.parameterCount(),
      paramsAfter: out.parameterCount(),
      widths: denseWidths(out),
    },
  };
}

/** The first dense layer's input width, then every dense layer's output width. */
export function denseWidths(model: GraphModule): number[] {
  const dense = model.graph.nodes.filter((n) => CHANNEL_KINDS[LAYER_OPS.get(n.op)!.channels].mixes);
  if (dense.length === 0) return [];
  const shape = (n: typeof dense[0]) => model.graph.params[n.params.weight];
  return [shape(dense[0])[1], ...dense.map((n) => shape(n)[0])];
}
