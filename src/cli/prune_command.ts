import { importanceScores } from "../prune/importance.ts";
import { countNonzeroWeights } from "../prune/masks.ts";
import { prunableLayers } from "../prune/chain.ts";
import { pruneToBudget, pruneWeakestUnits } from "../prune/prune.ts";
import { choice, num, numList, type OptionSpec, parse } from "./args.ts";
import { datasetArg, loadTestSet } from "./dataset_arg.ts";
import { loadModelArg, modelPathArg } from "./model_arg.ts";
import { outputFile, saveOutput } from "./output_arg.ts";
import { printAccuracy } from "./accuracy.ts";
import { phaseLogger } from "./phase_log.ts";

/** Options of `squeeze prune`. */
export const PRUNE_OPTIONS: OptionSpec = {
  sparsity: { type: "string" },
  importance: { type: "string" },
  "unit-fraction": { type: "string" },
  "input-fraction": { type: "string" },
  scope: { type: "string" },
  exclude: { type: "string" },
  dataset: { type: "string" },
  out: { type: "string" },
  force: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** Help text of `squeeze prune`. */
export const PRUNE_HELP =
  `squeeze prune — mask the weakest units and weights of a model (one prune step)

Usage: squeeze prune MODEL --out PATH [options]

  --sparsity X         fraction of prunable weights to zero in total, in [0, 1] [0.5]
  --importance NAME    unit | magnitude [unit]
  --unit-fraction X    weakest hidden units zeroed first, per layer, in [0, 0.99] [0]
  --input-fraction X   weakest input features zeroed first, in [0, 0.99] [0]
  --scope NAME         global | layer [global]
  --exclude LIST       prunable layers not pruned at weight level, e.g. -1 (the last) []
  --dataset NAME       mnist | fashion: test set for the accuracy printed after [mnist]
  --out PATH           the masked model (masks are stored in the file; required)
  --force              replace --out if it exists
  -h, --help           this text

Prints the phases with their times on stderr, then the nonzero count and the test
accuracy of the pruned model. Fine-tune it next (squeeze finetune), then minimize.`;

/** Runs `squeeze prune`. */
export async function pruneCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse("prune", args, PRUNE_OPTIONS);
  if (v.help) return console.log(PRUNE_HELP);
  const input = modelPathArg("prune", positionals);
  const sparsity = num("prune", "sparsity", v.sparsity, 0.5, { min: 0, max: 1 });
  const importance = choice("prune", "importance", v.importance, ["unit", "magnitude"], "unit");
  const scope = choice("prune", "scope", v.scope, ["global", "layer"], "global");
  const uf = num("prune", "unit-fraction", v["unit-fraction"], 0, { min: 0, max: 0.99 });
  const inf = num("prune", "input-fraction", v["input-fraction"], 0, { min: 0, max: 0.99 });
  const dataset = datasetArg("prune", v.dataset);
  const out = await outputFile("prune", v.out, { input, force: !!v.force });
  const log = phaseLogger("prune");
  log(`loading ${input}`);
  const model = await loadModelArg("prune", input);
  const layers = prunableLayers(model).length;
  const exclude = numList("prune", "exclude", v.exclude, [], {
    min: -layers,
    max: layers - 1,
    int: true,
  }).map((i) => (i < 0 ? layers + i : i));
  const total = countNonzeroWeights(model);
  let structured = "";
  if (uf > 0 || inf > 0) {
    log(`structured step: weakest ${uf} of hidden units, ${inf} of input features`);
    const s = pruneWeakestUnits(model, uf, inf);
    structured = `, units zeroed per hidden layer [${s.units}], input features zeroed ${s.inputs}`;
  }
  log(`scoring ${total.toLocaleString("en-US")} weights (${importance} importance)`);
  const scores = importanceScores(model, importance);
  const budget = Math.floor((1 - sparsity) * total);
  log(`selecting the ${budget.toLocaleString("en-US")} to keep (${scope})`);
  const kept = pruneToBudget(model, budget, scores, { scope, exclude });
  log(`saving ${out}`);
  await saveOutput(out, model);
  console.log(
    `pruned: ${total.toLocaleString("en-US")} → ${
      kept.toLocaleString("en-US")
    } nonzero weights${structured}; saved ${out}`,
  );
  log(`evaluating on the ${dataset} test set`);
  await printAccuracy("prune", model, await loadTestSet(dataset));
}
