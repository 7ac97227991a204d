import { dumpGraph } from "../graph/dump.ts";
import { nonFiniteParameters } from "../nn/finite.ts";
import { type OptionSpec, parse } from "./args.ts";
import { datasetArg, loadTestSet } from "./dataset_arg.ts";
import { loadModelArg, modelPathArg } from "./model_arg.ts";
import { accuracyLine, checkedEvaluate } from "./accuracy.ts";

/** Options of `squeeze inspect`. */
export const INSPECT_OPTIONS: OptionSpec = { help: { type: "boolean", short: "h" } };

/** Help text of `squeeze inspect`. */
export const INSPECT_HELP =
  `squeeze inspect — print a model's layers, shapes, parameters and sparsity

Usage: squeeze inspect MODEL

  -h, --help           this text

Lists every node with its output shape, then every parameter with its shape, zeros,
sparsity and NaN/Inf count; parameters holding NaN/Inf are named in a warning.`;

/** Options of `squeeze eval`. */
export const EVAL_OPTIONS: OptionSpec = {
  dataset: { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** Help text of `squeeze eval`. */
export const EVAL_HELP = `squeeze eval — accuracy and loss of a saved model on a test set

Usage: squeeze eval MODEL [options]

  --dataset NAME       mnist | fashion [mnist]
  -h, --help           this text

A model whose outputs are not one per class of the dataset, or hold NaN/Inf, is an
error naming the cause.`;

/** Runs `squeeze inspect`. */
export async function inspectCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse("inspect", args, INSPECT_OPTIONS);
  if (values.help) return console.log(INSPECT_HELP);
  const model = await loadModelArg("inspect", modelPathArg("inspect", positionals));
  console.log(dumpGraph(model.graph));
  console.log("\n  parameter                shape          zeros    sparsity  nan/inf");
  const bad = new Map(nonFiniteParameters(model).map((b) => [b.name, b]));
  let total = 0, zeros = 0;
  for (const [name, p] of model.namedParameters()) {
    const d = p.toArray();
    let z = 0;
    for (let i = 0; i < d.length; i++) if (d[i] === 0) z++;
    total += d.length;
    zeros += z;
    console.log(
      `  ${name.padEnd(24)} ${`[${p.shape.join(",")}]`.padEnd(14)} ${String(z).padStart(8)}  ${
        (100 * z / Math.max(1, d.length)).toFixed(1).padStart(6)
      }%  ${String(bad.get(name)?.count ?? 0).padStart(7)}`,
    );
  }
  console.log(
    `  total ${total.toLocaleString("en-US")} parameters, ${
      (100 * zeros / Math.max(1, total)).toFixed(1)
    }% zero`,
  );
  for (const b of bad.values()) {
    console.log(
      `warning: ${b.name} holds ${b.count} NaN/Inf value${b.count === 1 ? "" : "s"} ` +
        `(first: ${b.value} at index ${b.index}); its outputs will not be finite`,
    );
  }
}

/** Runs `squeeze eval`. */
export async function evalCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse("eval", args, EVAL_OPTIONS);
  if (values.help) return console.log(EVAL_HELP);
  const path = modelPathArg("eval", positionals);
  const dataset = datasetArg("eval", values.dataset);
  const model = await loadModelArg("eval", path);
  const test = await loadTestSet(dataset);
  console.log(accuracyLine(await checkedEvaluate("eval", model, test), test));
}
