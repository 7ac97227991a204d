import { dumpGraph } from "../graph/dump.ts";
import { evaluate } from "../nn/train.ts";
import { parse, testSetArg } from "./args.ts";
import { loadModelArg } from "./model_arg.ts";

/** Help text of `squeeze inspect`. */
export const INSPECT_HELP =
  `squeeze inspect — print a model's layers, shapes, parameters and sparsity

Usage: squeeze inspect MODEL.safetensors`;

/** Help text of `squeeze eval`. */
export const EVAL_HELP = `squeeze eval — accuracy and loss of a saved model on a test set

Usage: squeeze eval MODEL.safetensors [--dataset mnist|fashion]`;

/** Runs `squeeze inspect`. */
export async function inspectCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse("inspect", args, { help: { type: "boolean", short: "h" } });
  if (values.help) return console.log(INSPECT_HELP);
  const model = await loadModelArg("inspect", positionals);
  console.log(dumpGraph(model.graph));
  console.log("\n  parameter                shape          zeros    sparsity");
  let total = 0, zeros = 0;
  for (const [name, p] of model.namedParameters()) {
    const d = p.toArray();
    let z = 0;
    for (let i = 0; i < d.length; i++) if (d[i] === 0) z++;
    total += d.length;
    zeros += z;
    console.log(
      `  ${name.padEnd(24)} ${`[${p.shape.join(",")}]`.padEnd(14)} ${String(z).padStart(8)}  ${
        (100 * z / d.length).toFixed(1).padStart(6)
      }%`,
    );
  }
  console.log(
    `  total ${total.toLocaleString("en-US")} parameters, ${
      (100 * zeros / Math.max(1, total)).toFixed(1)
    }% zero`,
  );
}

/** Runs `squeeze eval`. */
export async function evalCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse("eval", args, {
    help: { type: "boolean", short: "h" },
    dataset: { type: "string" },
  });
  if (values.help) return console.log(EVAL_HELP);
  const model = await loadModelArg("eval", positionals);
  const r = await evaluate(model, await testSetArg("eval", values.dataset));
  console.log(
    `test accuracy ${(100 * r.accuracy).toFixed(2)}%, loss ${
      r.loss.toFixed(4)
    } on ${r.count} images`,
  );
}
