import { writeOnnx } from "../io/onnx/onnx_file.ts";
import { type OptionSpec, parse } from "./args.ts";
import { loadModelArg, modelPathArg } from "./model_arg.ts";
import { outputFile } from "./output_arg.ts";

/** Options of `squeeze export`. */
export const EXPORT_OPTIONS: OptionSpec = {
  out: { type: "string" },
  force: { type: "boolean" },
  "external-data": { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** Help text of `squeeze export`. */
export const EXPORT_HELP = `squeeze export — write a squeeze model as an ONNX file

Usage: squeeze export MODEL --out OUT.onnx [options]

  --out PATH              the ONNX file (required)
  --force                 replace --out if it exists
  --external-data NAME    put the weights in the data file NAME next to OUT
                          [inline; OUT.data above 1.5 GiB]
  -h, --help              this text

Writes opset 17 with the model's input and output names and a dynamic batch axis;
CompensatedLayerNorm is written as standard ops, so any ONNX runtime runs the file.`;

/** Runs `squeeze export`. */
export async function exportCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse("export", args, EXPORT_OPTIONS);
  if (v.help) return console.log(EXPORT_HELP);
  const input = modelPathArg("export", positionals);
  const out = await outputFile("export", v.out, { input, force: !!v.force });
  const model = await loadModelArg("export", input);
  const ext = v["external-data"];
  await writeOnnx(out, model, typeof ext === "string" ? { externalData: ext } : {});
  console.log(
    `exported ${model.graph.name} (${
      model.parameterCount().toLocaleString("en-US")
    } parameters) → ${out}`,
  );
}
