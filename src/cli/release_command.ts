import { batches } from "../data/dataset.ts";
import { release } from "../release/release.ts";
import { CYCLE_OPTION_RANGES } from "../cycle/option_ranges.ts";
import { num, type OptionSpec, parse } from "./args.ts";
import { datasetArg, loadTestSet } from "./dataset_arg.ts";
import { loadModelArg, modelPathArg } from "./model_arg.ts";
import { outputFile, saveOutput } from "./output_arg.ts";

/** Options of `squeeze release`. */
export const RELEASE_OPTIONS: OptionSpec = {
  alpha: { type: "string" },
  seed: { type: "string" },
  "max-change": { type: "string" },
  out: { type: "string" },
  force: { type: "boolean" },
  dataset: { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** Help text of `squeeze release`. */
export const RELEASE_HELP =
  `squeeze release — turn exact zeros inside weight tensors into small seeded noise

Usage: squeeze release MODEL --out PATH [options]

  --alpha X            noise std relative to each tensor's rms of nonzero weights [0.01]
  --seed N             noise seed [0]
  --max-change X       largest relative output change on 512 test images; above it the
                       noise is halved (up to 8 times), and if still above, nothing is
                       written and the command fails [0.05]
  --dataset NAME       mnist | fashion: the images of --max-change [mnist]
  --out PATH           the released model (no masks; required)
  --force              replace --out if it exists
  -h, --help           this text

A model holding NaN or Inf is refused.`;

/** Runs `squeeze release`. */
export async function releaseCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse("release", args, RELEASE_OPTIONS);
  if (v.help) return console.log(RELEASE_HELP);
  const input = modelPathArg("release", positionals);
  const alpha = num("release", "alpha", v.alpha, 0.01, { min: 0, max: 10 });
  const seed = num("release", "seed", v.seed, 0, CYCLE_OPTION_RANGES.seed);
  const maxChange = num("release", "max-change", v["max-change"], 0.05, {
    min: 0,
    max: 10,
    minOpen: true,
  });
  const dataset = datasetArg("release", v.dataset);
  const out = await outputFile("release", v.out, { input, force: !!v.force });
  const model = await loadModelArg("release", input);
  const test = await loadTestSet(dataset);
  const calibration = batches(test, { batchSize: 512, backend: model.backend }).next().value!.x;
  const r = release(model, { alpha, seed, maxChange, calibration });
  if (!(r.change <= maxChange)) {
    throw new RangeError(
      `release: the output change ${
        r.change.toExponential(2)
      } is above --max-change ${maxChange} ` +
        `even after ${r.halvings} halvings of the noise (α=${r.alpha}); nothing written`,
    );
  }
  await saveOutput(out, model);
  console.log(
    `released ${
      r.released.toLocaleString("en-US")
    } zeros with α=${r.alpha} (${r.halvings} halvings); ` +
      `relative output change ${r.change.toExponential(2)}; saved ${out}`,
  );
}
