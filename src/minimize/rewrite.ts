/**
 * The minimization driver: constant analysis and liveness, then the rewrite rules, to a
 * fixpoint. The result is a smaller dense graph with plain parameters (no masks).
 *
 * @module
 */
import type { GraphModule } from "../graph/graph_module.ts";
import { denseChain } from "../prune/chain.ts";
import { type Analysis, analyze } from "./analysis.ts";
import { MinGraph } from "./min_graph.ts";
import { dropDeadInputs } from "./rules/drop_dead_inputs.ts";
import { dropDeadUnits } from "./rules/drop_dead_units.ts";
import { dropZeroBiases } from "./rules/drop_zero_biases.ts";
import { foldConstantUnits } from "./rules/fold_constant_units.ts";
import { unitGroups } from "./units.ts";

/** A rewrite rule: changes the working graph, returns how many channels/entries it removed. */
export type Rule = (mg: MinGraph, a: Analysis) => number;

/** The rules, in the order the driver tries them each round. */
export const RULES: Readonly<Record<string, Rule>> = {
  dropDeadUnits,
  foldConstantUnits,
  dropDeadInputs,
  dropZeroBiases,
};

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
  /** Widths of the linear layers' inputs and outputs after: e.g. `[412, 61, 22, 10]`. */
  widths: number[];
}

/**
 * Channels the rules could still remove (0 at a fixpoint): dead or constant units of
 * rewritable groups, and dead input features in front of dense layers.
 */
export function removableChannels(mg: MinGraph, a: Analysis = analyze(mg)): number {
  let n = 0;
  for (const g of unitGroups(mg)) {
    if (!g.rewritable) continue;
    const live = a.live.get(g.producer.name)!, k = a.consts.get(g.end)!;
    for (let j = 0; j < live.length; j++) if (!live[j] || k[j] !== null) n++;
  }
  const probe = new MinGraph(mg.toModule());
  n += dropDeadInputs(probe, analyze(probe));
  return n;
}

/**
 * Minimizes a (masked) model: the exact structural rewrite of METHOD.md. Throws
 * `UnsupportedLayerError` naming a layer the rules do not cover, and a `RangeError` for
 * non-finite weights or an empty model.
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
  const mg = new MinGraph(model);
  const removed: Record<string, number> = Object.fromEntries(Object.keys(RULES).map((k) => [k, 0]));
  const maxRounds = opts.maxRounds ?? 1000;
  let rounds = 0;
  for (;;) {
    rounds++;
    let changed = 0;
    for (const [name, rule] of Object.entries(RULES)) {
      const n = rule(mg, analyze(mg));
      removed[name] += n;
      changed += n;
    }
    if (changed === 0) break;
    if (rounds >= maxRounds) throw new Error(`minimize: no fixpoint after ${maxRounds} rounds`);
  }
  const out = mg.toModule();
  const layers = denseChain(out);
  const widths = [layers[0].weight.shape[1], ...layers.map((l) => l.weight.shape[0])];
  return {
    model: out,
    stats: {
      rounds,
      removed,
      paramsBefore: model.parameterCount(),
      paramsAfter: out.parameterCount(),
      widths,
    },
  };
}
