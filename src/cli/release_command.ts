import { batches } from "../data/dataset.ts";
import { saveModel } from "../io/model_file.ts";
import { release } from "../release/release.ts";
import { num, parse, testSetArg } from "./args.ts";
import { loadModelArg, outArg } from "./model_arg.ts";

/** Help text of `squeeze release`. */
export const RELEASE_HELP =
  `squeeze release — turn exact zeros inside weight tensors into small seeded noise

Usage: squeeze release MODEL --out PATH [options]

  --alpha X        noise std relative to each tensor's rms of nonzero weights [0.01]
  --seed N         noise seed [0]
  --max-change X   largest relative output change on 512 test images of --dataset (mnist | fashion) before
                   the noise is halved [0.05]`;

/** Runs `squeeze release`. */
export async function releaseCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse("release", args, {
    alpha: { type: "string" },
    seed: { type: "string" },
    "max-change": { type: "string" },
    out: { type: "string" },
    dataset: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (v.help) return console.log(RELEASE_HELP);
  const model = await loadModelArg("release", positionals);
  const out = outArg("release", v.out, positionals[0]);
  const test = await testSetArg("release", v.dataset);
  const calibration =
    batches(test, { batchSize: 512, backend: model.parameters()[0]?.backend }).next().value!.x;
  const r = release(model, {
    alpha: num("release", "alpha", v.alpha, 0.01, { min: 0, max: 10 }),
    seed: num("release", "seed", v.seed, 0, { min: 0, max: 2 ** 32 - 1, int: true }),
    maxChange: num("release", "max-change", v["max-change"], 0.05, { min: 1e-9, max: 10 }),
    calibration,
  });
  await saveModel(out, model);
  console.log(
    `released ${
      r.released.toLocaleString("en-US")
    } zeros with α=${r.alpha} (${r.halvings} halvings); ` +
      `relative output change ${r.change.toExponential(2)}; saved ${out}`,
  );
}
