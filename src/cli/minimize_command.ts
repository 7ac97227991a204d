import { minimize } from "../minimize/rewrite.ts";
import { CONTRACT_TOLERANCE, MinimizationError, verifyOn } from "../minimize/verify.ts";
import { type OptionSpec, parse } from "./args.ts";
import { datasetArg, loadTestSet } from "./dataset_arg.ts";
import { loadModelArg, modelPathArg } from "./model_arg.ts";
import { outputFile, saveOutput } from "./output_arg.ts";
import { printAccuracy } from "./accuracy.ts";

/** Options of `squeeze minimize`. */
export const MINIMIZE_OPTIONS: OptionSpec = {
  out: { type: "string" },
  force: { type: "boolean" },
  dataset: { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** Help text of `squeeze minimize`. */
export const MINIMIZE_HELP =
  `squeeze minimize — exact structural rewrite: masked model → smaller dense model

Usage: squeeze minimize MODEL --out PATH [options]

  --dataset NAME       mnist | fashion: test set for the check and the accuracy [mnist]
  --out PATH           the minimized model (plain, no masks; required)
  --force              replace --out if it exists
  -h, --help           this text

Removes whole classes of coupled channels (constants folded into readers' biases or into
CompensatedLayerNorms, dead channels deleted) and dead input features, to a fixpoint;
verifies the result against the masked model on the test set (contract of
docs/method.md: max|Δ| ≤ 1e-5·(1 + max|y|)), saves a plain model named after its new
widths, and prints its test accuracy (the masked model's, up to float rounding).`;

/** Runs `squeeze minimize`. */
export async function minimizeCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse("minimize", args, MINIMIZE_OPTIONS);
  if (v.help) return console.log(MINIMIZE_HELP);
  const input = modelPathArg("minimize", positionals);
  const dataset = datasetArg("minimize", v.dataset);
  const out = await outputFile("minimize", v.out, { input, force: !!v.force });
  const model = await loadModelArg("minimize", input);
  const { model: min, stats } = minimize(model);
  const test = await loadTestSet(dataset);
  const rel = verifyOn(model, min, test);
  if (!(rel <= CONTRACT_TOLERANCE)) {
    throw new MinimizationError(
      `minimize: result differs from the masked model by ${rel} (contract ${CONTRACT_TOLERANCE.toExponential()})`,
    );
  }
  await saveOutput(out, min);
  console.log(
    `minimized ${model.graph.name} → ${min.graph.name}: ${
      stats.paramsBefore.toLocaleString("en-US")
    } → ${stats.paramsAfter.toLocaleString("en-US")} parameters ` +
      `(${(stats.paramsBefore / stats.paramsAfter).toFixed(2)}×), widths ${
        stats.widths.join("-")
      }, ` +
      `removed ${
        JSON.stringify(stats.removed)
      } in ${stats.rounds} rounds; max rel diff on the test set ${
        rel.toExponential(2)
      }; saved ${out}`,
  );
  await printAccuracy("minimize", min, test);
}
