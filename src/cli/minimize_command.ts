import { saveModel } from "../io/model_file.ts";
import { minimize } from "../minimize/rewrite.ts";
import { MinimizationError } from "../minimize/verify.ts";
import { verifyOn } from "../cycle/cycle.ts";
import { parse, testSetArg } from "./args.ts";
import { loadModelArg, outArg } from "./model_arg.ts";

/** Help text of `squeeze minimize`. */
export const MINIMIZE_HELP =
  `squeeze minimize — exact structural rewrite: masked model → smaller dense model

Usage: squeeze minimize MODEL --out PATH [--dataset mnist|fashion]

Removes whole classes of coupled channels (constants folded into readers' biases or into
CompensatedLayerNorms, dead channels deleted) and dead input features, to a fixpoint;
verifies the result against the masked model on the test set of --dataset
(METHOD.md contract: max|Δ| ≤ 1e-5·(1 + max|y|)) and saves a plain model (no masks).`;

/** Runs `squeeze minimize`. */
export async function minimizeCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse("minimize", args, {
    out: { type: "string" },
    dataset: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (v.help) return console.log(MINIMIZE_HELP);
  const model = await loadModelArg("minimize", positionals);
  const out = outArg("minimize", v.out, positionals[0]);
  const { model: min, stats } = minimize(model);
  const rel = verifyOn(model, min, await testSetArg("minimize", v.dataset));
  if (!(rel <= 1e-5)) {
    throw new MinimizationError(
      `minimize: result differs from the masked model by ${rel} (contract 1e-5)`,
    );
  }
  await saveModel(out, min);
  console.log(
    `minimized: ${stats.paramsBefore.toLocaleString("en-US")} → ${
      stats.paramsAfter.toLocaleString("en-US")
    } parameters ` +
      `(${(stats.paramsBefore / stats.paramsAfter).toFixed(2)}×), widths ${
        stats.widths.join("-")
      }, ` +
      `removed ${
        JSON.stringify(stats.removed)
      } in ${stats.rounds} rounds; max rel diff on the test set ${
        rel.toExponential(2)
      }; saved ${out}`,
  );
}
