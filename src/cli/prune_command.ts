import { saveModel } from "../io/model_file.ts";
import { importanceScores } from "../prune/importance.ts";
import { countNonzeroWeights } from "../prune/masks.ts";
import { pruneToBudget, pruneWeakestUnits } from "../prune/prune.ts";
import { num, parse, UsageError } from "./args.ts";
import { loadModelArg, outArg } from "./model_arg.ts";

/** Help text of `squeeze prune`. */
export const PRUNE_HELP =
  `squeeze prune — mask the weakest units and weights of a model (one prune step)

Usage: squeeze prune MODEL --out PATH [options]

  --sparsity X         fraction of linear weights to zero in total [0.5]
  --importance NAME    unit | magnitude [unit]
  --unit-fraction X    weakest hidden units zeroed first, per layer [0]
  --input-fraction X   weakest input features zeroed first [0]
  --scope NAME         global | layer [global]
  --exclude LIST       linear layers not pruned at weight level, e.g. -1 (the last) []
  --out PATH           the masked model (masks are stored in the file)`;

/** Runs `squeeze prune`. */
export async function pruneCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse("prune", args, {
    sparsity: { type: "string" },
    importance: { type: "string" },
    "unit-fraction": { type: "string" },
    "input-fraction": { type: "string" },
    scope: { type: "string" },
    exclude: { type: "string" },
    out: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (v.help) return console.log(PRUNE_HELP);
  const model = await loadModelArg("prune", positionals);
  const out = outArg("prune", v.out, positionals[0]);
  const sparsity = num("prune", "sparsity", v.sparsity, 0.5, { min: 0, max: 1 });
  const importance = String(v.importance ?? "unit");
  if (importance !== "unit" && importance !== "magnitude") {
    throw new UsageError(`prune: --importance must be unit or magnitude, got "${importance}"`);
  }
  const scope = String(v.scope ?? "global");
  if (scope !== "global" && scope !== "layer") {
    throw new UsageError(`prune: --scope must be global or layer, got "${scope}"`);
  }
  const uf = num("prune", "unit-fraction", v["unit-fraction"], 0, { min: 0, max: 0.99 });
  const inf = num("prune", "input-fraction", v["input-fraction"], 0, { min: 0, max: 0.99 });
  const total = model.parameters().length ? countNonzeroWeights(model) : 0;
  const s = uf > 0 || inf > 0 ? pruneWeakestUnits(model, uf, inf) : null;
  const layers = model.graph.nodes.filter((n) => n.op === "linear").length;
  const exclude = String(v.exclude ?? "").split(",").filter(Boolean).map((x) => {
    const i = num("prune", "exclude", x, 0, { min: -layers, max: layers - 1, int: true });
    return i < 0 ? layers + i : i;
  });
  const kept = pruneToBudget(
    model,
    Math.floor((1 - sparsity) * total),
    importanceScores(model, importance),
    {
      scope,
      exclude,
    },
  );
  await saveModel(out, model);
  console.log(
    `pruned: ${total.toLocaleString("en-US")} → ${kept.toLocaleString("en-US")} nonzero weights` +
      (s ? `, units zeroed per hidden layer [${s.units}], input features zeroed ${s.inputs}` : "") +
      `; saved ${out}`,
  );
}
